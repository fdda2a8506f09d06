"""Excel exports of a whole dashboard: a task with progress, one sheet per chart, the file
private to the person who asked, the download audited; the same scope as the page.

The world is tests/analytics/classes_support.py (教室の出席, fiscal year 2025).
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from analytics import classes_figures as figures
from analytics import exports
from analytics.filters import Filters
from analytics.models import ExportJob
from analytics.routers import is_reading
from base.models import AuditEntry
from tests.gates.support import sign_in

pytestmark = pytest.mark.django_db

NEW = "/analytics/exports/new/"


def _ask(client: Client, dashboard: str, query: str, capture) -> ExportJob:
    """Press the button on the export page; the task runs when the transaction commits."""
    with capture(execute=True):
        response = client.post(NEW, {"dashboard": dashboard, "query": query})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("analytics:export", args=[job.pk])
    return job


def _cells(sheet) -> list[list[str]]:
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def test_an_export_has_one_sheet_per_chart_with_the_tables_of_the_page(
    world, admin, django_capture_on_commit_callbacks
):
    client = sign_in(Client(), admin)
    page = client.get(f"{NEW}?dashboard=classes&year=2025")
    assert page.status_code == 200
    assert 'name="query" value="year=2025"' in page.content.decode()

    job = _ask(client, "classes", "year=2025", django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.status, job.progress, job.requested_by) == (ExportJob.Status.DONE, 100, admin)
    assert job.file_name.startswith("analytics-exports/")
    assert storages["private"].exists(job.file_name)
    # Not under MEDIA_ROOT: no media URL can reach it.
    assert not (Path(settings.MEDIA_ROOT) / job.file_name).exists()

    status = client.get(reverse("analytics:export_status", args=[job.pk])).json()
    assert status["status"] == "done" and status["progress"] == 100
    assert status["download"] == reverse("analytics:export_download", args=[job.pk])

    response = client.get(status["download"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))

    from analytics.views_classes import ClassesDashboardView

    view = exports.dashboard_as("classes", admin, "year=2025")
    assert isinstance(view, ClassesDashboardView)
    charts = view.get_charts(Filters(year=2025))
    assert len(workbook.sheetnames) == len(charts)
    chart = figures.venue_month_chart(Filters(year=2025), figures.Scope())
    sheet = next(
        workbook[name]
        for name, c in zip(workbook.sheetnames, charts, strict=True)
        if c.slug == chart.slug
    )
    expected = [[str(c) for c in chart.table.columns]]
    expected += [["" if v is None else str(v) for v in row] for row in chart.table.to_numpy()]
    cells = _cells(sheet)
    assert cells[0][0] == str(chart.title)
    assert [row[: len(expected[0])] for row in cells[1 : 1 + len(expected)]] == expected
    assert "<5" in {value for row in cells for value in row}

    requested = AuditEntry.objects.get(action="analytics.export.requested")
    assert requested.user == admin and requested.data["filters"] == "year=2025"
    downloaded = AuditEntry.objects.get(action="analytics.export.downloaded")
    assert downloaded.user == admin and downloaded.data["dashboard"] == "classes"


def test_the_job_page_shows_progress_and_the_link_only_when_done(
    world, admin, django_capture_on_commit_callbacks
):
    client = sign_in(Client(), admin)
    job = ExportJob.objects.create(requested_by=admin, dashboard="classes", query="year=2025")
    page = client.get(reverse("analytics:export", args=[job.pk])).content.decode()
    assert 'max="100" value="0"' in page
    assert "analytics/export_progress.js" in page
    assert "<script>" not in page  # no inline script: the page polls from a static file
    download = reverse("analytics:export_download", args=[job.pk])
    assert "data-export-download hidden" in page
    # Not ready: no file, no audit entry, back to the page with a message.
    response = client.get(download)
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="analytics.export.downloaded").exists()

    from analytics.tasks import build_dashboard_export

    with django_capture_on_commit_callbacks(execute=True):
        build_dashboard_export.enqueue(str(job.pk))
    page = client.get(reverse("analytics:export", args=[job.pk])).content.decode()
    assert 'value="100"' in page and "data-export-download hidden" not in page
    assert "/media/" not in page


def test_only_the_person_who_asked_sees_the_job_and_the_file(
    world, admin, make_user, django_capture_on_commit_callbacks
):
    job = _ask(sign_in(Client(), admin), "classes", "year=2025", django_capture_on_commit_callbacks)
    other_admin = sign_in(Client(), make_user(Role.ADMIN, mfa=True))
    for name in ("analytics:export", "analytics:export_status", "analytics:export_download"):
        assert other_admin.get(reverse(name, args=[job.pk])).status_code == 404
    assert Client().get(reverse("analytics:export_download", args=[job.pk])).status_code == 302
    assert not AuditEntry.objects.filter(action="analytics.export.downloaded").exists()


@pytest.mark.parametrize("query", ["year=2025&series={s2}", "year=2025&venue={kaname}"])
def test_a_trainer_cannot_export_another_trainers_class(
    world, trainer, query, django_capture_on_commit_callbacks
):
    client = sign_in(Client(), trainer)
    query = query.format(s2=world.s2.pk, kaname=world.kaname.pk)
    assert client.get(f"{NEW}?dashboard=classes&{query}").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(NEW, {"dashboard": "classes", "query": query}).status_code == 404
    assert not ExportJob.objects.exists()


def test_a_trainer_exports_their_own_class_and_only_the_filters_are_kept(
    world, trainer, django_capture_on_commit_callbacks
):
    client = sign_in(Client(), trainer)
    query = urlencode({"year": 2025, "series": world.s1.pk, "download": "x", "other": "y"})
    job = _ask(client, "classes", query, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert QueryDict(job.query) == QueryDict(f"year=2025&series={world.s1.pk}")
    assert job.status == ExportJob.Status.DONE


@pytest.mark.parametrize(("role", "dashboard"), [(Role.TRAINER, "reach"), (Role.STAFF, "classes")])
def test_a_dashboard_the_person_may_not_open_cannot_be_exported(make_user, role, dashboard):
    client = sign_in(Client(), make_user(role, mfa=True))
    assert client.get(f"{NEW}?dashboard={dashboard}").status_code == 403
    assert client.post(NEW, {"dashboard": dashboard, "query": ""}).status_code == 403
    assert not ExportJob.objects.exists()


def test_an_unknown_dashboard_is_not_found(admin):
    assert sign_in(Client(), admin).get(f"{NEW}?dashboard=nonexistent").status_code == 404


def test_a_second_factor_is_required(make_user):
    client = sign_in(Client(), make_user(Role.ADMIN, mfa=False))
    assert client.get(f"{NEW}?dashboard=classes").status_code == 302


def test_the_figures_are_computed_inside_reading(world, admin, monkeypatch):
    """The export's queries go to the read replica when there is one."""
    seen = []
    original = figures.venue_month_chart

    def spy(*args, **kwargs):
        seen.append(is_reading())
        return original(*args, **kwargs)

    monkeypatch.setattr(figures, "venue_month_chart", spy)
    job = ExportJob.objects.create(requested_by=admin, dashboard="classes", query="year=2025")
    assert exports.build_export(str(job.pk)) == ExportJob.Status.DONE
    assert seen == [True]


def test_a_failing_dashboard_marks_the_job_failed(world, admin, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(figures, "venue_month_chart", broken)
    job = ExportJob.objects.create(requested_by=admin, dashboard="classes", query="year=2025")
    assert exports.build_export(str(job.pk)) == ExportJob.Status.FAILED
    job.refresh_from_db()
    assert (job.status, job.error, job.file_name) == ("failed", "RuntimeError", "")
    # A finished job is not built again.
    assert exports.build_export(str(job.pk)) == ExportJob.Status.FAILED


def test_a_file_outside_the_askers_scope_now_is_not_handed_out(world, trainer):
    """Scope is checked again at download: a class that is no longer the trainer's is a 404."""
    job = ExportJob.objects.create(
        requested_by=trainer,
        dashboard="classes",
        query=f"year=2025&series={world.s2.pk}",
        status=ExportJob.Status.DONE,
        progress=100,
        file_name=storages["private"].save("analytics-exports/x.xlsx", io.BytesIO(b"x")),
    )
    client = sign_in(Client(), trainer)
    assert client.get(reverse("analytics:export_download", args=[job.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action="analytics.export.downloaded").exists()


def test_every_dashboard_links_to_its_whole_export_with_its_filters(admin, world):
    client = sign_in(Client(), admin)
    html = client.get(reverse("analytics:classes") + "?year=2025").content.decode()
    assert f'href="{NEW}?dashboard=classes&amp;year=2025"' in html
