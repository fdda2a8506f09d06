"""Staff sign-in with the ward's directory (OpenID Connect or SAML 2.0 through allauth's
socialaccount).

Only people already in the roster sign in: the identity provider's claims are matched to a
user by employee number (``SSO_EMPLOYEE_NUMBER_CLAIM``, as the roster import stores it), then
by e-mail. Nobody is created by a sign-in, so the roster stays the one source of who is staff
and which department they are in; a person the roster does not know is refused, with an audit
record. The provider's own second factor stands for ours: the session is marked
(``accounts.middleware.mark_second_factor_by_sso``), so ``MFA_REQUIRED_ROLES`` does not send
an SSO user to set up an authenticator app.
"""

from __future__ import annotations

from typing import Any

from allauth.account.signals import user_logged_in
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.dispatch import receiver
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.middleware import mark_second_factor_by_sso
from accounts.models import User
from base.audit import log_action

OIDC = "openid_connect"
SAML = "saml"


def sso_enabled() -> bool:
    """Whether the ward's identity provider is configured (the login page offers it)."""
    return any(settings.SOCIALACCOUNT_PROVIDERS.get(p, {}).get("APPS") for p in (OIDC, SAML))


def directory_account_providers() -> set[str]:
    """The ``SocialAccount.provider`` values of the configured directories: an OIDC app's
    ``provider_id`` (or the provider's id without one) and ``saml``."""
    names = {SAML}
    for app in settings.SOCIALACCOUNT_PROVIDERS.get(OIDC, {}).get("APPS", []):
        names.add(app.get("provider_id") or OIDC)
    return names


def _first(values: Any) -> Any:
    if isinstance(values, list | tuple):
        return values[0] if values else None
    return values


def claims_of(sociallogin) -> dict[str, Any]:
    """The directory's statements about the person, as OIDC claims.

    OIDC: the ID token's claims, overridden by the userinfo endpoint's. SAML: the signed
    assertion's attributes (lists of values, allauth's ``extra_data``) under the names of
    ``SSO_SAML_EMPLOYEE_NUMBER_ATTRIBUTE`` and ``SSO_SAML_EMAIL_ATTRIBUTE``; the address comes
    from the ward's own directory in an assertion signed with its key, so it counts as verified.
    """
    extra_data = sociallogin.account.extra_data or {}
    if sociallogin.account.provider != SAML:
        return {**(extra_data.get("id_token") or {}), **(extra_data.get("userinfo") or {})}
    return {
        settings.SSO_EMPLOYEE_NUMBER_CLAIM: _first(
            extra_data.get(settings.SSO_SAML_EMPLOYEE_NUMBER_ATTRIBUTE)
        ),
        "email": _first(extra_data.get(settings.SSO_SAML_EMAIL_ATTRIBUTE))
        or sociallogin.user.email,
    }


def roster_user(claims: dict[str, Any]) -> User | None:
    """The active roster entry the claims name: by employee number, else by e-mail."""
    number = str(claims.get(settings.SSO_EMPLOYEE_NUMBER_CLAIM) or "").strip()
    if number:
        user = User.objects.filter(employee_number=number, is_active=True).first()
        if user is not None:
            return user
    email = str(claims.get("email") or "").strip()
    # An address the provider says it has not verified identifies nobody.
    if email and claims.get("email_verified") not in (False, "false"):
        return User.objects.filter(email__iexact=email, is_active=True).first()
    return None


class StaffSSOAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin) -> None:
        if sociallogin.is_existing:
            return
        claims = claims_of(sociallogin)
        user = roster_user(claims)
        if user is None:
            log_action(
                "accounts.sso.refused",
                user=None,
                data={"subject": str(sociallogin.account.uid)[:64]},
                request=request,
            )
            messages.error(
                request,
                _(
                    "庁内ディレクトリでの認証はできましたが、職員名簿に登録がありません。"
                    "人事・研修担当にお問い合わせください。"
                    " / You signed in with the ward's directory, but you are not in the staff "
                    "roster. Please contact the training office."
                ),
            )
            raise ImmediateHttpResponse(redirect("account_login"))
        sociallogin.connect(request, user)
        log_action(
            "accounts.sso.linked",
            user=None,
            obj=user,
            data={"subject": str(sociallogin.account.uid)[:64]},
            request=request,
        )


@receiver(user_logged_in)
def _second_factor_from_identity_provider(sender, request, user, **kwargs) -> None:
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is not None and sociallogin.account.provider in directory_account_providers():
        mark_second_factor_by_sso(request)
