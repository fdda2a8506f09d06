"""教室の出席 (/analytics/classes/): attendance of the smartphone classes, for trainers and admins.

Admins see every session; a trainer sees only the sessions they teach (``ClassSession.trainers``,
the rule of the trainer pages, ``classes.views_staff.visible_sessions``), and the venues and
classes they may choose are those of their own sessions: another trainer's class or venue asked
for by URL is a 404, on the page and for a download alike (``DashboardView.check_scope``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Min
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role, has_role
from analytics import classes_figures as figures
from analytics.charts import Chart
from analytics.filters import Filters
from analytics.routers import reading
from analytics.views import DashboardView, dashboard
from classes.models import ClassSeries, Venue
from classes.views_staff import TRAINER_ROLES


@dashboard
class ClassesDashboardView(DashboardView):
    """Sessions, seats, bookings, attendance, participants and skill change of the classes."""

    template_name = "analytics/classes.html"
    title = gettext_lazy("教室の出席")
    url_name = "classes"
    menu_order = 1
    intro = gettext_lazy(
        "スマホ教室の会場・月ごとの開催と出席、参加者の年代とスマホ、初めての参加かどうか、"
        "できることチェックの変化。5人未満の数は「<5」と表示します。"
    )
    filter_fields = ("year", "date_from", "date_to", "venue", "town", "series")
    audit_action = "analytics.classes.downloaded"

    def allowed(self, user) -> bool:
        return has_role(user, *TRAINER_ROLES)

    @cached_property
    def scope(self) -> figures.Scope:
        user = self.request.user
        return figures.Scope(user=None if has_role(user, Role.ADMIN) else user)

    def filter_choices(self) -> dict[str, list[tuple[Any, str]]]:
        sessions = self.scope.sessions()
        venues = Venue.objects.filter(pk__in=sessions.values("venue")).order_by("name")
        series = (
            ClassSeries.objects.filter(pk__in=sessions.values("series"))
            .annotate(first=Min("sessions__starts_at"))
            .order_by("-first", "title", "pk")
        )
        return {
            "venue": [(venue.pk, venue.name) for venue in venues],
            "series": [(s.pk, _series_label(s)) for s in series],
        }

    def get_charts(self, filters: Filters) -> list[Chart]:
        # Figures only: read from the analytics replica when there is one.
        with reading():
            return figures.charts(filters, self.scope)

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        with reading():
            context["own_sessions"] = figures.trainer_sessions(self.scope)
        return context


def _series_label(series: ClassSeries) -> str:
    if series.first is None:
        return series.title
    return _("%(title)s（%(date)s〜）") % {
        "title": series.title,
        "date": f"{timezone.localtime(series.first):%Y-%m-%d}",
    }
