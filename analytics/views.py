"""The frame every dashboard shares: access, filters in the URL, charts, downloads, audit.

A dashboard subclasses ``DashboardView`` and answers three questions: who may open it
(``allowed``), which filter values the visitor may choose (``filter_choices``) and which charts
it shows (``get_charts``). Everything else — the page, the tables beside the charts, the CSV and
Excel downloads of exactly those tables, and the audit entry of a download — is here once.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from analytics import suppression
from analytics.charts import PLOT_CONFIG, Chart
from analytics.filters import CHOICE_FIELDS, FIELD_ORDER, FilterForm, Filters
from base.audit import log_action
from base.exports import FORMATS, export_response

MFA_TYPES = ["totp", "webauthn"]

# The dashboards, in menu order; each registers itself with ``@dashboard``.
DASHBOARDS: list[type[DashboardView]] = []


def dashboard(view_class: type[DashboardView]) -> type[DashboardView]:
    """Class decorator: list a dashboard in the menu and on /analytics/ (by ``url_name``)."""
    if view_class not in DASHBOARDS:
        DASHBOARDS.append(view_class)
    return view_class


def dashboard_links(user) -> list[dict[str, str]]:
    """The dashboards this person may open: name, URL and title, for menus."""
    return [
        {"name": cls.url_name, "url": reverse(f"analytics:{cls.url_name}"), "label": cls.title}
        for cls in sorted(DASHBOARDS, key=lambda cls: cls.menu_order)
        if cls().allowed(user)
    ]


@method_decorator(never_cache, name="dispatch")
class DashboardView(TemplateView):
    """A dashboard page: filters, charts with their tables, and their downloads."""

    template_name = "analytics/dashboard.html"
    title: str = ""
    url_name: str = ""  # the name in analytics/urls.py, for the menu
    menu_order: int = 100  # place in the menu and on /analytics/
    intro: str = ""
    filter_fields: tuple[str, ...] = ("year",)
    audit_action: str = ""
    # Staff figures name departments and residents' figures are the ward's: a second factor.
    requires_mfa: bool = True
    # Residents' counts pass analytics.suppression: the page explains its two marks.
    resident_figures: bool = True

    request: HttpRequest

    # --- What a dashboard answers ------------------------------------------------------------

    def allowed(self, user) -> bool:
        """Whether this signed-in person may open the dashboard at all."""
        raise NotImplementedError

    def filter_choices(self) -> dict[str, list[tuple[Any, str]]]:
        """The values the visitor may choose for venue, series, department, track (scoped)."""
        return {}

    def get_charts(self, filters: Filters) -> list[Chart]:
        """The charts for these filters, in page order."""
        raise NotImplementedError

    # --- The frame ---------------------------------------------------------------------------

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not self.allowed(user):
            raise PermissionDenied
        if self.requires_mfa and not is_mfa_enabled(user, MFA_TYPES):
            messages.warning(
                request,
                _("分析には職員と区民の集計があります。先に二段階認証を設定してください。"),
            )
            return redirect("mfa_index")
        return super().dispatch(request, *args, **kwargs)

    def today(self) -> dt.date:
        return timezone.localdate()

    def get_form(self) -> FilterForm:
        choices = self.filter_choices()
        self.check_scope(choices)
        fields = tuple(name for name in FIELD_ORDER if name in self.filter_fields)
        data = self.request.GET or None
        return FilterForm(data, fields=fields, choices=choices, today=self.today())

    def check_scope(self, choices: dict[str, list[tuple[Any, str]]]) -> None:
        """A venue, series, department or track outside the visitor's choices is a 404.

        The choices are the visitor's scope (a trainer's own series, a manager's departments),
        so asking for another by URL — on the page or a download — finds nothing.
        """
        for name in CHOICE_FIELDS:
            if name not in self.filter_fields:
                continue
            value = self.request.GET.get(name, "")
            if value and value not in {str(v) for v, _label in choices.get(name, [])}:
                raise Http404

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = self.get_form()
        filters = form.filters()
        charts = self.get_charts(filters)
        slug = request.GET.get("download")
        if slug:
            return self.download(charts, slug, request.GET.get("format", "csv"), filters)
        context = self.get_context_data(form=form, filters=filters, charts=charts, **kwargs)
        return self.render_to_response(context)

    def download(self, charts: list[Chart], slug: str, fmt: str, filters: Filters) -> HttpResponse:
        chart = next((c for c in charts if c.slug == slug), None)
        if chart is None or fmt not in FORMATS:
            raise Http404
        header = chart.columns
        rows = [list(row) for row in chart.table.itertuples(index=False)]
        rows = [[_plain(value) for value in row] for row in rows]
        if chart.source:
            rows += [[""] * len(header), [_("出典：") + chart.source] + [""] * (len(header) - 1)]
        if chart.note:
            rows += [[chart.note] + [""] * (len(header) - 1)]
        log_action(
            self.audit_action,
            user=self.request.user,
            data={"chart": slug, "format": fmt, "filters": filters.query()},
            request=self.request,
        )
        filename = f"{self.title}_{chart.title}_{filters.year}"
        return export_response(fmt, filename, chart.title, header, rows)

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters: Filters = kwargs["filters"]
        context.update(
            title=self.title,
            url_name=self.url_name,
            intro=self.intro,
            plot_config=PLOT_CONFIG,
            download_query=filters.query(),
            analytics_links=dashboard_links(self.request.user),
            suppression_legend=suppression.legend() if self.resident_figures else "",
        )
        return context


def _plain(value: Any) -> Any:
    """A table cell as it goes into a file: numbers stay numbers, NaN becomes empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


@method_decorator(never_cache, name="dispatch")
class AnalyticsIndexView(TemplateView):
    """/analytics/: the dashboards this person may open (403 when none)."""

    template_name = "analytics/index.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.links = dashboard_links(request.user)
        if not self.links:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["analytics_links"] = self.links
        return context
