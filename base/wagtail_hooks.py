"""Admin for the audit trail: a read-only list of who viewed or changed personal data."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import InspectView, SnippetViewSet

from base.audit import data_display
from base.models import AuditEntry


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Allow viewing only, whatever permissions the user holds (superusers included).

    Audit entries are evidence; nobody adds, edits or deletes them through the admin.
    """

    ALLOWED_ACTIONS = frozenset({"view"})

    def user_has_permission(self, user, action):
        return action in self.ALLOWED_ACTIONS and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission(
            [action for action in actions if action in self.ALLOWED_ACTIONS]
        )


class AuditEntryInspectView(InspectView):
    def get_data_display_value(self):
        """The entry's details with readable field names (``base.audit.data_display``)."""
        return data_display(self.object)


class AuditEntryViewSet(SnippetViewSet):
    model = AuditEntry
    icon = "history"
    menu_label = _("操作記録")
    menu_order = 900
    add_to_admin_menu = True
    inspect_view_enabled = True
    inspect_view_class = AuditEntryInspectView
    copy_view_enabled = False
    list_display = [
        "created_at",
        Column("action", label=_("操作"), accessor=lambda entry: entry.get_action_display()),
        "user",
        "object_repr",
        "ip",
    ]
    list_filter = {"action": ["exact", "startswith"], "created_at": ["date__gte", "date__lte"]}
    search_fields = ["action", "object_repr"]
    list_per_page = 50
    inspect_view_fields = [
        "created_at",
        "action",
        "user",
        "content_type",
        "object_id",
        "object_repr",
        "data",
        "ip",
    ]


register_permission_policy(AuditEntry, ReadOnlyPermissionPolicy(AuditEntry))
register_snippet(AuditEntryViewSet)
