"""必修研修 dashboard (/analytics/training/): hand-computed figures on a small fixture, fiscal-year
edges in Tokyo time, managers' scope (404 for another department, downloads too), downloads
equal to the shown tables and audited, and queries that do not grow with the staff."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from analytics.training_figures import (
    TrainingScope,
    cohort_progress,
    completion_by_department,
    days_to_completion,
    due_line,
    score_distribution,
    weekly_status,
)
from analytics.views_training import TrainingDashboardView
from base.models import AuditEntry
from tests.analytics.training_support import TODAY, build, build_cohort
from tests.gates.support import sign_in
from tests.training.training_support import (
    complete,
    course_with_lesson,
    requirement,
    staff,
    tokyo,
)
from training.models import Cohort, CohortCourse, CohortMember

pytestmark = pytest.mark.django_db

URL = reverse("analytics:training")


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(TrainingDashboardView, "today", lambda self: TODAY)


@pytest.fixture
def world(make_user):
    return build(make_user)


def client_for(user) -> Client:
    return sign_in(Client(), user)


def charts_of(response) -> dict:
    return {chart.slug: chart for chart in response.context["charts"]}


# --- Figures ----------------------------------------------------------------------------------


def test_completion_percent_per_department_in_tree_order(world):
    frame = completion_by_department([world["r1"]], TrainingScope(year=2026, today=TODAY))
    title = "情報セキュリティ研修（全職員）"
    # 01 rolls up 0101: a1, a2, b2 done of a1, a2, a3, b2 (b1 exempt) = 75 %.
    assert frame[["code", "depth", title]].values.tolist() == [
        ["01", 0, 75.0],
        ["0101", 1, 66.7],
        ["02", 0, 50.0],
        ["", 0, 0.0],  # 所属なし: the admin
    ]


def test_weekly_curve_and_overdue_equal_hand_computed_values(world):
    frame = weekly_status(world["r1"], TrainingScope(year=2026, today=TODAY))
    by_week = frame.set_index("week")
    # 28 weeks: the first cut at 1 April (Wednesday), the last the current week (5 October).
    assert len(frame) == 28
    assert frame["week"].iloc[0] == dt.date(2026, 4, 1)
    assert frame["week"].iloc[-1] == dt.date(2026, 10, 5)
    assert set(frame["required"]) == {7}
    expected_completed = {
        dt.date(2026, 4, 1): 0,
        dt.date(2026, 4, 6): 1,
        dt.date(2026, 5, 11): 1,
        dt.date(2026, 5, 18): 2,
        dt.date(2026, 6, 1): 3,
        dt.date(2026, 9, 28): 3,
        dt.date(2026, 10, 5): 4,
    }
    for week, completed in expected_completed.items():
        assert by_week.loc[week, "completed"] == completed, week
    assert by_week.loc[dt.date(2026, 6, 1), "percent"] == 42.9
    assert by_week.loc[dt.date(2026, 10, 5), "percent"] == 57.1
    # Overdue from 1 October: a2 (until she completed on 5 October), a3 and the admin.
    assert by_week.loc[dt.date(2026, 9, 21), "overdue"] == 0
    assert by_week.loc[dt.date(2026, 9, 28), "overdue"] == 3
    assert by_week.loc[dt.date(2026, 10, 5), "overdue"] == 2
    assert due_line(world["r1"], 2026) == dt.date(2026, 9, 30)


def test_scores_and_days_to_completion(world):
    scope = TrainingScope(year=2026, today=TODAY)
    scores = score_distribution(world["r1"], scope).set_index("band")["people"]
    assert scores.to_dict() == {0: 0, 1: 0, 2: 0, 3: 0, 4: 1, 5: 0, 6: 0, 7: 1, 8: 0, 9: 2}
    days = days_to_completion(world["r1"], scope)
    # From 1 April: a1 9 days, b2 49, o1 61, a2 187.
    assert days["people"].tolist() == [0, 1, 0, 1, 1, 0, 1]


def test_a_score_of_100_is_in_the_top_band_and_no_score_is_its_own(make_user):
    course = course_with_lesson("security", "情報セキュリティ研修")
    r1 = requirement(course, all_staff=True)
    for score in (100.0, 90.0, 89.9, None, 0.0):
        complete(staff(), course, tokyo(2026, 6, 1), score=score)
    frame = score_distribution(r1, TrainingScope(year=2026, today=TODAY))
    people = dict(zip(frame["band"][:-1], frame["people"][:-1], strict=True))
    assert (people[9], people[8], people[0]) == (2, 1, 1)
    assert pd.isna(frame["band"].iloc[-1]) and frame["people"].iloc[-1] == 1


def test_a_completion_at_2330_on_31_march_belongs_to_the_ending_year(make_user):
    course = course_with_lesson("security", "情報セキュリティ研修")
    r1 = requirement(course, all_staff=True)
    late, early = staff(), staff()
    complete(late, course, tokyo(2027, 3, 31, 23, 30))  # 14:30 UTC, 31 March
    complete(early, course, tokyo(2027, 4, 1, 0, 10))  # 15:10 UTC, still 31 March in UTC
    today = dt.date(2027, 5, 10)

    fy2026 = weekly_status(r1, TrainingScope(year=2026, today=today))
    assert fy2026["week"].iloc[-1] == dt.date(2027, 3, 29)  # Monday of the last week
    assert fy2026["completed"].iloc[-1] == 1
    assert fy2026["completed"].iloc[-2] == 0
    assert fy2026["percent"].iloc[-1] == 50.0

    fy2027 = weekly_status(r1, TrainingScope(year=2027, today=today))
    assert fy2027["week"].iloc[0] == dt.date(2027, 4, 1)  # the first week starts on 1 April
    assert fy2027["completed"].iloc[0] == 1
    assert fy2027["percent"].iloc[0] == 50.0
    days = days_to_completion(r1, TrainingScope(year=2027, today=today))
    assert days["people"].tolist() == [1, 0, 0, 0, 0, 0, 0]  # 1 April: day 0


def test_cohort_progress_counts_members_per_step(world):
    build_cohort(world)
    Cohort.objects.create(name="寺子屋ICT 前年度", fiscal_year=2025)

    frame = cohort_progress(TrainingScope(year=2026, today=TODAY))
    assert frame[["step", "course", "members", "completed", "percent"]].values.tolist() == [
        [1, "データ活用の基本", 3, 2, 66.7],
        [2, "業務改善とRPA", 3, 1, 33.3],
    ]
    bureau_only = TrainingScope(
        year=2026, today=TODAY, users=world["a1"].__class__.objects.filter(pk=world["a1"].pk)
    )
    assert cohort_progress(bureau_only)["completed"].tolist() == [1, 0]


# --- The page ---------------------------------------------------------------------------------


def test_admin_page_shows_every_figure_and_links_to_the_reports(world):
    response = client_for(world["admin"]).get(URL, {"year": 2026})
    assert response.status_code == 200
    charts = charts_of(response)
    assert list(charts) == ["completion", "curve", "overdue", "scores", "days", "cohorts"]
    table = charts["completion"].table
    assert table.iloc[:, 0].tolist() == ["政策経営部", "　情報管理課", "区民部", "所属なし"]
    assert table.iloc[:, 2].tolist() == [75.0, 66.7, 50.0, 0.0]
    assert charts["curve"].figure is not None
    html = response.content.decode()
    assert f'href="{reverse("training:report")}?year=2026"' in html
    assert f'href="{reverse("training:overdue")}?year=2026"' in html
    # No names on the page.
    for name in ("a1", "a2", "o1"):
        assert world[name].get_full_name() not in html
        assert world[name].email not in html


def test_without_requirements_or_cohorts_the_page_says_there_is_nothing(make_user):
    admin = make_user(Role.ADMIN, mfa=True)
    response = client_for(admin).get(URL)
    assert response.status_code == 200
    assert all(chart.is_empty for chart in response.context["charts"])
    assert "この条件のデータはありません。" in response.content.decode()


def test_other_roles_are_refused_and_anonymous_go_to_login(world, make_user):
    assert Client().get(URL).status_code == 302
    for role in (Role.STAFF, Role.TRAINER, Role.COUNTER):
        assert client_for(make_user(role, mfa=True)).get(URL).status_code == 403


def test_manager_sees_only_their_departments(world):
    client = client_for(world["bureau_manager"])
    response = client.get(URL, {"year": 2026})
    assert response.status_code == 200
    charts = charts_of(response)
    assert charts["completion"].table.iloc[:, 1].tolist() == ["01", "0101"]
    curve = charts["curve"].table
    # a1, a2, a3, b2 (b1 exempt): a1, a2 and b2 done by 5 October.
    assert curve.iloc[-1, 2:].tolist() == [3, 4, 75.0]
    assert charts["overdue"].table.iloc[-1, 2] == 1  # a3 only; the admin is not theirs
    assert "区民部" not in response.content.decode()

    response = client.get(URL, {"year": 2026, "department": world["section"].pk})
    assert response.status_code == 200
    charts = charts_of(response)
    assert charts["completion"].table.iloc[:, 1].tolist() == ["0101"]
    assert charts["curve"].table.iloc[-1, 2:].tolist() == [2, 3, 66.7]
    html = response.content.decode()
    assert reverse("training:department", args=[world["section"].pk]) in html


def test_another_department_by_url_is_404_on_the_page_and_for_downloads(world):
    client = client_for(world["bureau_manager"])
    other = world["other"].pk
    assert client.get(URL, {"department": other}).status_code == 404
    for fmt in ("csv", "xlsx"):
        response = client.get(URL, {"department": other, "download": "completion", "format": fmt})
        assert response.status_code == 404
    assert client.get(URL, {"department": 999999}).status_code == 404
    assert not AuditEntry.objects.filter(action="analytics.training.downloaded").exists()


def _shown(value) -> str:
    """A table cell as the CSV writer spells it."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@pytest.mark.parametrize("slug", ["completion", "curve", "overdue", "scores", "days"])
def test_csv_download_equals_the_shown_table_and_is_audited(world, slug):
    client = client_for(world["admin"])
    chart = charts_of(client.get(URL, {"year": 2026}))[slug]
    response = client.get(URL, {"year": 2026, "download": slug, "format": "csv"})
    assert response.status_code == 200
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == chart.columns
    data = rows[1 : 1 + len(chart.table)]
    assert data == [[_shown(v) for v in row] for row in chart.table.itertuples(index=False)]
    entry = AuditEntry.objects.get(action="analytics.training.downloaded")
    assert entry.user == world["admin"]
    assert entry.data["chart"] == slug
    assert entry.data["format"] == "csv"


def test_excel_download_equals_the_shown_table_and_is_audited(world):
    client = client_for(world["bureau_manager"])
    params = {"year": 2026, "department": world["bureau"].pk}
    chart = charts_of(client.get(URL, params))["completion"]
    response = client.get(URL, {**params, "download": "completion", "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, row in enumerate(values) if row[0] == chart.columns[0])
    assert values[header_at][: len(chart.columns)] == chart.columns
    shown = values[header_at + 1 : header_at + 1 + len(chart.table)]
    assert [row[: len(chart.columns)] for row in shown] == [
        list(row) for row in chart.table.itertuples(index=False)
    ]
    entry = AuditEntry.objects.get(action="analytics.training.downloaded")
    assert entry.user == world["bureau_manager"]
    assert entry.data["format"] == "xlsx"


def test_track_filter_narrows_to_one_requirement(world):
    other_course = course_with_lesson("privacy", "個人情報保護研修")
    r2 = requirement(other_course, departments=[world["other"]], title="個人情報保護研修")
    complete(world["o1"], other_course, tokyo(2026, 7, 1), score=88.0)
    client = client_for(world["admin"])
    charts = charts_of(client.get(URL, {"year": 2026}))
    assert charts["completion"].table.shape[1] == 4  # 所属, コード and two requirements
    charts = charts_of(client.get(URL, {"year": 2026, "track": r2.pk}))
    completion = charts["completion"].table
    assert completion.shape[1] == 3
    assert [None if pd.isna(v) else v for v in completion.iloc[:, 2]] == [None, None, 50.0]
    assert set(charts["curve"].table.iloc[:, 1]) == {"個人情報保護研修"}
    assert client.get(URL, {"track": 999999}).status_code == 404


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"year": 2026}).status_code == 200
    return len(queries)


def test_queries_do_not_grow_with_the_staff(world):
    client = client_for(world["admin"])
    first = course_with_lesson("terakoya-1", "データ活用の基本")
    cohort = Cohort.objects.create(name="寺子屋ICT 第1期", fiscal_year=2026)
    CohortCourse.objects.create(cohort=cohort, course=first, sort_order=0)
    CohortMember.objects.create(cohort=cohort, user=world["a1"])
    client.get(URL, {"year": 2026})  # warm caches (site, content types)
    before = _page_queries(client)
    for index, dept in enumerate([world["section"], world["bureau"], world["other"]] * 3):
        person = staff(dept)
        complete(person, world["course"], tokyo(2026, 5 + index % 5, 3 + index), score=60.0)
        CohortMember.objects.create(cohort=cohort, user=person)
        complete(person, first, tokyo(2026, 8, 1))
    assert _page_queries(client) == before


def test_the_figures_are_read_inside_reading_for_the_replica(world, monkeypatch):
    """Figures go through analytics.routers.reading() (the read replica when configured)."""
    from analytics import views_training
    from analytics.routers import is_reading

    seen = []
    for name in ("completion_heatmap_chart", "weekly_charts", "score_chart", "days_chart"):
        real = getattr(views_training, name)
        monkeypatch.setattr(
            views_training,
            name,
            lambda *args, real=real: (seen.append(is_reading()), real(*args))[1],
        )
    assert client_for(world["admin"]).get(URL, {"year": 2026}).status_code == 200
    assert seen == [True] * 4
