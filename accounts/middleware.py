"""Keep people whose role requires MFA on the MFA set-up pages until they have a factor."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.backends import has_second_factor
from accounts.roles import roles_of

# Paths a person without MFA may still use: their account (including MFA set-up and
# logout), the language and text-size switches, assets and the health check.
ALLOWED_PREFIXES = ("/accounts/", "/i18n/", "/text-size/", "/healthz")


# Set in the session by a single sign-on through the ward's identity provider (accounts.sso),
# whose own second factor then stands for ours (the design: "MFA for every role, except with
# SSO"). Only server code writes the session, so a client cannot set it.
SSO_SECOND_FACTOR_SESSION_KEY = "accounts.sso_second_factor"


def mark_second_factor_by_sso(request: HttpRequest) -> None:
    """Record that this session's sign-in passed the identity provider's second factor."""
    request.session[SSO_SECOND_FACTOR_SESSION_KEY] = True


def mfa_required(user) -> bool:
    required = set(settings.MFA_REQUIRED_ROLES)
    return bool(required & {str(role) for role in roles_of(user)})


def mfa_missing(user) -> bool:
    """Whether the user's role asks for a second factor they have not set up (any session)."""
    return mfa_required(user) and not has_second_factor(user)


class MFARequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.exempt_prefixes = ALLOWED_PREFIXES + (settings.STATIC_URL, settings.MEDIA_URL)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.exempt_prefixes)
            and not request.session.get(SSO_SECOND_FACTOR_SESSION_KEY)
            and mfa_missing(user)
        ):
            message = _("この役割では二段階認証が必要です。先に認証アプリを設定してください。")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "mfa_required"}, status=403)
            messages.warning(request, message)
            return redirect("mfa_index")
        return self.get_response(request)


class AdminAccessMiddleware:
    """Answer 403 to signed-in people without Wagtail admin access.

    Wagtail sends them to the login page, and allauth sends signed-in people straight back to
    ``next``: a redirect loop. A clear "no access" page is what they need.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            request.path.startswith("/admin/")
            and user is not None
            and user.is_authenticated
            and not user.has_perm("wagtailadmin.access_admin")
        ):
            raise PermissionDenied
        return self.get_response(request)
