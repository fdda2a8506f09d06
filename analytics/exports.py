"""A whole dashboard as one Excel workbook, built by a task with progress.

``request_export`` checks that the person may open the dashboard with these filters (the
same rules and scope as the page), records the job and hands it to the task backend after the
transaction commits. ``build_export`` (``analytics.tasks.build_dashboard_export``) computes
the dashboard's charts as that person, inside ``analytics.routers.reading()``, and writes one
sheet per chart with exactly the table the page shows beside the chart, then stores the file
under ``analytics-exports/`` in the private storage (``STORAGES["private"]``, outside
MEDIA_ROOT). ``open_export`` hands the file to
the person who asked, and only to them, and writes the audit entry.
"""

from __future__ import annotations

import io
import logging
import math
from typing import Any
from urllib.parse import urlencode

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.http import Http404, HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from analytics.charts import Chart
from analytics.models import ExportJob
from analytics.routers import reading
from analytics.views import DASHBOARDS, DashboardView
from base.audit import log_action
from base.exports import safe_text, sheet_name

logger = logging.getLogger(__name__)

STORAGE_DIR = "analytics-exports"
REQUESTED = "analytics.export.requested"
DOWNLOADED = "analytics.export.downloaded"


class ExportError(Exception):
    """The export cannot be requested or opened."""


error_messages = {
    "unknown": gettext_lazy("そのダッシュボードはありません。"),
    "not_ready": gettext_lazy("ファイルはまだできていません。"),
}


def private_storage():
    """Where export files live: never under a public URL (``STORAGES["private"]``)."""
    return storages["private"]


def dashboard_class(name: str) -> type[DashboardView]:
    """The dashboard registered under this URL name (Http404 when there is none)."""
    for view_class in DASHBOARDS:
        if view_class.url_name == name:
            return view_class
    raise Http404(error_messages["unknown"])


def dashboard_as(name: str, user, query: str) -> DashboardView:
    """The dashboard set up for this person and filter query, as if they had opened it.

    Raises PermissionDenied/Http404 exactly where the page would: a dashboard the person may
    not open, a venue or department outside their scope.
    """
    from django.core.exceptions import PermissionDenied

    view_class = dashboard_class(name)
    view = view_class()
    if not view.allowed(user):
        raise PermissionDenied
    request = HttpRequest()
    request.method = "GET"
    request.GET = QueryDict(query)
    request.user = user
    view.setup(request)
    return view


def filter_query(name: str, user, params: QueryDict) -> str:
    """The part of ``params`` that is this dashboard's filters (the form's fields), as a query."""
    view = dashboard_as(name, user, params.urlencode())
    form = view.get_form()  # 404 for a value outside the person's scope
    return urlencode([(k, v) for k, v in params.items() if k in form.fields and v])


def request_export(name: str, user, params: QueryDict, *, request: HttpRequest) -> ExportJob:
    """Record an export of this dashboard for these filters and queue its task."""
    from analytics.tasks import build_dashboard_export

    query = filter_query(name, user, params)
    with transaction.atomic():
        job = ExportJob.objects.create(requested_by=user, dashboard=name, query=query)
        log_action(
            REQUESTED,
            user=user,
            obj=job,
            data={"dashboard": name, "filters": query},
            request=request,
        )
        transaction.on_commit(lambda: _enqueue(build_dashboard_export, job.pk))
    return job


def _enqueue(task, pk) -> None:
    try:
        task.enqueue(str(pk))
    except Exception:  # the job stays pending; its page says so
        logger.exception("Could not hand export %s to the task backend.", pk)


def build_export(pk: str) -> str:
    """Build the workbook of one job, updating its progress; return its final status."""
    job = ExportJob.objects.select_related("requested_by").get(pk=pk)
    if job.status != ExportJob.Status.PENDING:
        return job.status
    _progress(job, ExportJob.Status.RUNNING, 5)
    try:
        view = dashboard_as(job.dashboard, job.requested_by, job.query)
        filters = view.get_form().filters()
        with reading():
            charts = view.get_charts(filters)
        _progress(job, ExportJob.Status.RUNNING, 50)
        workbook = Workbook()
        workbook.remove(workbook.active)
        used: set[str] = set()
        for number, chart in enumerate(charts, start=1):
            _write_sheet(workbook, chart, used)
            _progress(job, ExportJob.Status.RUNNING, 50 + 45 * number // max(len(charts), 1))
        if not charts:
            workbook.create_sheet(sheet_name(_("データなし")))
        buffer = io.BytesIO()
        workbook.save(buffer)
        stored = private_storage().save(
            f"{STORAGE_DIR}/{job.pk}.xlsx", ContentFile(buffer.getvalue())
        )
    except Exception as error:  # noqa: BLE001 (any failure ends the job, visibly)
        logger.exception("Export %s failed.", job.pk)
        job.status, job.error = ExportJob.Status.FAILED, type(error).__name__[:200]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return job.status
    job.file_name, job.status, job.progress = stored, ExportJob.Status.DONE, 100
    job.finished_at = timezone.now()
    job.save(update_fields=["file_name", "status", "progress", "finished_at"])
    return job.status


def _progress(job: ExportJob, status: str, percent: int) -> None:
    job.status, job.progress = status, percent
    job.save(update_fields=["status", "progress"])


def _write_sheet(workbook: Workbook, chart: Chart, used: set[str]) -> None:
    """One sheet: the chart's title, its table (header bold, frozen), source and note."""
    name = sheet_name(chart.title)
    base, n = name, 2
    while name in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    sheet = workbook.create_sheet(name)
    sheet.append([safe_text(str(chart.title))])
    sheet["A1"].font = Font(bold=True)
    header = [safe_text(str(column)) for column in chart.columns]
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in chart.table.itertuples(index=False):
        sheet.append([_cell(value) for value in row])
    if chart.source:
        sheet.append([])
        sheet.append([safe_text(_("出典：") + chart.source)])
    if chart.note:
        sheet.append([safe_text(chart.note)])
    sheet.freeze_panes = "A3"


def _cell(value: Any) -> Any:
    """A table cell as Excel stores it: numbers stay numbers, NaN is empty, text is text."""
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    return safe_text(str(value))


def open_export(pk, user, *, request: HttpRequest):
    """The finished file of this person's job, opened for reading; audited.

    Another person's job is a 404, as is one whose dashboard the person may no longer open.
    """
    job = ExportJob.objects.filter(pk=pk, requested_by=user).first()
    if job is None:
        raise Http404
    dashboard_as(job.dashboard, user, job.query).get_form()  # still allowed, in scope
    if job.status != ExportJob.Status.DONE or not job.file_name:
        raise ExportError(error_messages["not_ready"])
    log_action(
        DOWNLOADED,
        user=user,
        obj=job,
        data={"dashboard": job.dashboard, "filters": job.query},
        request=request,
    )
    return job, private_storage().open(job.file_name, "rb")
