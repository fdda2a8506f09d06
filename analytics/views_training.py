"""必修研修 (/analytics/training/): staff completion of the mandatory training, as figures.

Who sees what is the training reports' rule (``training.views.TrainingReportMixin``): admins
see every department, a department manager theirs and those below (``visible_departments``),
nobody else opens the page. The department filter offers only those departments, so another
one asked for by URL answers 404, on the page and for a download alike (the frame's
``check_scope``). The page links to the training reports, where managers find the people
behind the figures; the figures themselves name nobody.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet, prefetch_related_objects
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department, User
from accounts.roles import Role, has_role
from analytics.charts import Chart
from analytics.filters import Filters
from analytics.routers import reading
from analytics.training_figures import (
    TrainingScope,
    cohort_chart,
    completion_heatmap_chart,
    days_chart,
    score_chart,
    weekly_charts,
)
from analytics.views import DashboardView, dashboard
from training.models import TrainingRequirement
from training.status import visible_departments, visible_people
from training.views import active_requirements


@dashboard
class TrainingDashboardView(DashboardView):
    """Completion per department and requirement, progress by week, scores and cohorts."""

    template_name = "analytics/training.html"
    title = gettext_lazy("必修研修")
    url_name = "training"
    menu_order = 2
    intro = gettext_lazy(
        "職員の必修研修の修了状況です。所属ごとの割合は下位の所属を含みます。"
        "一人ひとりの状況は研修の管理のページで確認できます。"
    )
    filter_fields = ("year", "department", "track")
    audit_action = "analytics.training.downloaded"
    resident_figures = False  # staff completion: no small-cell marks on this page

    def allowed(self, user) -> bool:
        """Admins, and managers of at least one department (as the training reports)."""
        return has_role(user, Role.ADMIN) or visible_departments(user).exists()

    def departments(self) -> QuerySet[Department]:
        return visible_departments(self.request.user).order_by("path")

    def filter_choices(self) -> dict[str, list[tuple[Any, str]]]:
        departments = list(self.departments())
        top = min((d.depth for d in departments), default=0)
        return {
            "department": [(d.pk, "　" * (d.depth - top) + d.name) for d in departments],
            "track": [(r.pk, r.display_title) for r in self.requirements()],
        }

    def requirements(self) -> list[TrainingRequirement]:
        if not hasattr(self, "_requirements"):
            self._requirements = active_requirements()
            # Each figure asks a requirement for its departments: once for all of them.
            prefetch_related_objects(self._requirements, "departments")
        return self._requirements

    def scope(self, filters: Filters) -> TrainingScope:
        """The people and departments the figures count, for the chosen filters."""
        user = self.request.user
        is_admin = has_role(user, Role.ADMIN)
        within = None if is_admin else visible_departments(user)
        root = None
        users: QuerySet[User] | None = None if is_admin else visible_people(user)
        if filters.department is not None:
            # check_scope has refused a department outside the visitor's choices (404).
            root = self.departments().get(pk=filters.department)
            users = User.objects.filter(department__in=root.subtree())
        return TrainingScope(
            year=filters.year, today=self.today(), users=users, root=root, within=within
        )

    def chosen_requirements(self, filters: Filters) -> list[TrainingRequirement]:
        requirements = self.requirements()
        if filters.track:
            return [r for r in requirements if str(r.pk) == str(filters.track)]
        return requirements

    def get_charts(self, filters: Filters) -> list[Chart]:
        # Figures only: read from the analytics replica when there is one.
        with reading():
            scope = self.scope(filters)
            requirements = self.chosen_requirements(filters)
            curve, overdue = weekly_charts(requirements, scope)
            return [
                completion_heatmap_chart(requirements, scope),
                curve,
                overdue,
                score_chart(requirements, scope),
                days_chart(requirements, scope),
                cohort_chart(scope),
            ]

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters: Filters = kwargs["filters"]
        year = urlencode({"year": filters.year})
        links = [
            (reverse("training:report") + "?" + year, _("所属別の修了状況（研修の管理）")),
            (reverse("training:overdue") + "?" + year, _("期限超過の一覧")),
            (reverse("training:cohorts"), _("寺子屋ICTの期")),
        ]
        if filters.department is not None:
            links.insert(
                1,
                (
                    reverse("training:department", args=[filters.department]) + "?" + year,
                    _("選んだ所属の職員ごとの状況"),
                ),
            )
        context["report_links"] = links
        return context
