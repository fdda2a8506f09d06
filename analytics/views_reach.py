"""デジタルデバイド指標 (/analytics/reach/): reach of the classes among residents aged 65+, by
町名, for admins only (the figures are the ward's; analytics.reach_figures builds them)."""

from __future__ import annotations

from typing import Any

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy

from accounts.roles import Role, has_role
from analytics import reach_figures
from analytics.charts import Chart
from analytics.filters import Filters
from analytics.routers import reading
from analytics.views import DashboardView, dashboard
from classes.models import Venue


@dashboard
class ReachDashboardView(DashboardView):
    """Reach per 1,000 residents aged 65+ by 町名, its trend, devices, skills, the baseline."""

    template_name = "analytics/reach.html"
    title = gettext_lazy("デジタルデバイド指標")
    url_name = "reach"
    menu_order = 3
    intro = gettext_lazy(
        "65歳以上の区民のうちスマホ教室に参加した方の割合（1,000人あたり）を町名ごとに、"
        "年度ごとの推移、スマホを持たずに参加した方、できることが増えた方、全国の数字と並べて"
        "示します。5人未満の数は「<5」と表示します。"
    )
    filter_fields = ("year", "date_from", "date_to", "venue")
    audit_action = "analytics.reach.downloaded"

    def allowed(self, user) -> bool:
        return has_role(user, Role.ADMIN)

    def filter_choices(self) -> dict[str, list[tuple[Any, str]]]:
        venues = Venue.objects.filter(sessions__isnull=False).distinct().order_by("name")
        return {"venue": [(venue.pk, venue.name) for venue in venues]}

    @cached_property
    def population(self) -> reach_figures.Population:
        with reading():
            return reach_figures.Population.load()

    def get_charts(self, filters: Filters) -> list[Chart]:
        # Figures only: read from the analytics replica when there is one.
        with reading():
            return reach_figures.reach_charts(filters, self.population)

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["population_note"] = self.population.note()
        return context
