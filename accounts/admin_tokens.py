"""Wagtail admin: the staff API tokens, for admins to see and revoke (APIトークン)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from wagtail.admin import messages

from accounts.models import ApiToken
from base.audit import log_action

# Who may list and revoke tokens: the 管理者 role has every permission (accounts.permissions).
API_TOKEN_PERMISSION = "accounts.change_apitoken"
REVOKED_ACTION = "accounts.api_token.revoked"
# Longest list shown; tokens are few (one per tablet or script).
MAX_SHOWN = 500


class AdminOnlyView(View):
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Wagtail's admin turns PermissionDenied into a redirect to the dashboard.
        if not request.user.has_perm(API_TOKEN_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ApiTokenListView(AdminOnlyView):
    template_name = "accounts/api_tokens.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        tokens = ApiToken.objects.select_related("user").order_by("-created_at")[:MAX_SHOWN]
        now = timezone.now()
        rows = [(token, _state(token, now)) for token in tokens]
        return TemplateResponse(request, self.template_name, {"rows": rows, "now": now})


class ApiTokenRevokeView(AdminOnlyView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)
        if token.is_active:
            token.is_active = False
            token.revoked_at = timezone.now()
            token.save(update_fields=["is_active", "revoked_at"])
            log_action(
                REVOKED_ACTION,
                user=request.user,
                obj=token,
                data={"owner": token.user_id, "prefix": token.prefix},
                request=request,
            )
            messages.success(
                request, _("APIトークン「%(token)s」を無効にしました。") % {"token": token}
            )
        else:
            messages.warning(
                request, _("APIトークン「%(token)s」はすでに無効です。") % {"token": token}
            )
        return redirect("accounts_api_tokens")


def _state(token: ApiToken, now) -> str:
    if not token.is_active:
        return _("無効化済み")
    if token.is_expired(now):
        return _("期限切れ")
    return _("有効")
