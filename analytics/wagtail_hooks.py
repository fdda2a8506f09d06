"""Wagtail admin for analytics: the population figures, read-only (they change by import)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts.models import User
from analytics.models import PopulationFigure


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Viewing only: figures are written by ``analytics.population.import_population``."""

    WRITE_ACTIONS = frozenset({"add", "change", "delete", "copy"})

    def user_has_permission(self, user, action):
        return action not in self.WRITE_ACTIONS and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        allowed = [a for a in actions if a not in self.WRITE_ACTIONS]
        if not allowed:
            return User.objects.none()
        return super().users_with_any_permission(allowed)


register_permission_policy(PopulationFigure, ReadOnlyPolicy(PopulationFigure))


class PopulationFigureViewSet(SnippetViewSet):
    model = PopulationFigure
    menu_name = "population"
    icon = "table"
    menu_label = gettext_lazy("人口（町丁目・年齢別）")
    menu_order = 900
    add_to_admin_menu = False
    add_to_settings_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["as_of", "town", "chome", "age_from", "age_to", "count", "as_of_note"]
    list_filter = ["as_of", "town"]
    list_per_page = 100


register_snippet(PopulationFigureViewSet)
