"""Staff sign-in with the ward's directory (OpenID Connect through allauth's socialaccount).

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

PROVIDER = "openid_connect"


def sso_enabled() -> bool:
    """Whether the ward's identity provider is configured (the login page offers it)."""
    return bool(settings.SOCIALACCOUNT_PROVIDERS.get(PROVIDER, {}).get("APPS"))


def claims_of(extra_data: dict[str, Any]) -> dict[str, Any]:
    """The provider's claims: the ID token's, overridden by the userinfo endpoint's."""
    return {**(extra_data.get("id_token") or {}), **(extra_data.get("userinfo") or {})}


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
        claims = claims_of(sociallogin.account.extra_data)
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
    if sociallogin is not None and sociallogin.account.provider in (PROVIDER, "ward"):
        mark_second_factor_by_sso(request)
