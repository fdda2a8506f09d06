from django.http import HttpRequest
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts.admin_tokens import API_TOKEN_PERMISSION, ApiTokenListView, ApiTokenRevokeView
from accounts.admin_views import ROSTER_IMPORT_PERMISSION, RosterImportView
from accounts.models import Department


class DepartmentViewSet(SnippetViewSet):
    model = Department
    icon = "group"
    menu_label = _("所属")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["name", "code", "kind", "parent"]
    search_fields = ["name", "code"]
    ordering = ["path"]


register_snippet(DepartmentViewSet)


class RosterImportMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ROSTER_IMPORT_PERMISSION)


@hooks.register("register_admin_urls")
def register_roster_import_url():
    return [
        path("roster-import/", RosterImportView.as_view(), name="accounts_roster_import"),
    ]


@hooks.register("register_admin_menu_item")
def register_roster_import_menu_item() -> MenuItem:
    return RosterImportMenuItem(
        _("職員名簿の取り込み"),
        reverse_lazy("accounts_roster_import"),
        name="roster-import",
        icon_name="upload",
        order=211,
    )


class ApiTokenMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(API_TOKEN_PERMISSION)


@hooks.register("register_admin_urls")
def register_api_token_urls():
    return [
        path("api-tokens/", ApiTokenListView.as_view(), name="accounts_api_tokens"),
        path(
            "api-tokens/<int:pk>/revoke/",
            ApiTokenRevokeView.as_view(),
            name="accounts_api_token_revoke",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_api_token_menu_item() -> MenuItem:
    return ApiTokenMenuItem(
        _("APIトークン"),
        reverse_lazy("accounts_api_tokens"),
        name="api-tokens",
        icon_name="key",
        order=212,
    )
