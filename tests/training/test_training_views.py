"""Training report pages: scoping of managers (by URL and export), the fiscal-year filter,
drill-down statuses on a small hand-checked fixture, exports, history and the cohort board."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from base.models import AuditEntry
from tests.gates.support import sign_in
from tests.training.training_support import (
    complete,
    course_with_lesson,
    department,
    requirement,
    tokyo,
)
from tests.training.training_views_support import TODAY, build_cohort, build_world
from training import views as training_views

pytestmark = pytest.mark.django_db

REPORT = reverse("training:report")
OVERDUE = reverse("training:overdue")
EXPORT = reverse("training:export")


def dept_url(department) -> str:
    return reverse("training:department", args=[department.pk])


def person_url(user) -> str:
    return reverse("training:person", args=[user.pk])


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(training_views, "local_today", lambda: TODAY)


@pytest.fixture
def world(make_user):
    return build_world(make_user)


def client_for(user) -> Client:
    return sign_in(Client(), user)


def with_factor(user):
    """The world's staff have no second factor; every role needs one to reach マイ学習."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    return user


def percent_by_code(report) -> dict[str | None, float | None]:
    return {
        (row.department.code if row.department else None): row.counts[0].percent for row in report
    }


# --- Access ---------------------------------------------------------------------------------


def test_anonymous_goes_to_login_and_plain_staff_get_403(world, make_user):
    response = Client().get(REPORT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    for role in (Role.STAFF, Role.TRAINER, Role.COUNTER):
        user = make_user(role, mfa=True)
        for url in (REPORT, OVERDUE, dept_url(world["bureau"]), EXPORT + "?what=people&format=csv"):
            assert client_for(user).get(url).status_code == 403, (role, url)


def test_a_manager_needs_a_second_factor(world, make_user):
    manager = make_user(Role.STAFF, mfa=False)
    world["bureau"].managers.add(manager)
    response = client_for(manager).get(REPORT)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")
    response = client_for(manager).get(EXPORT + "?what=people&format=csv")
    assert response["Location"] == reverse("mfa_index")


# --- Department report and fiscal-year filter ------------------------------------------------


def test_admin_report_shows_every_department_with_hand_checked_percentages(world):
    response = client_for(world["admin"]).get(REPORT, {"year": 2026})
    assert response.status_code == 200
    assert response.context["year"] == 2026
    # 01 rolls up its section: s1 done of s1, s2, s3, b2 (b1 exempt) = 25 %.
    assert percent_by_code(response.context["report"]) == {
        "01": 25.0,
        "0101": 33.3,
        "02": 50.0,
        None: 0.0,
    }
    counts = {r.department.code: r.counts[0] for r in response.context["report"] if r.department}
    assert (counts["01"].total, counts["01"].exempt, counts["01"].overdue) == (5, 1, 2)
    assert (counts["02"].total, counts["02"].not_started) == (2, 1)  # o2 has left
    html = response.content.decode()
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert "2026年度 所属別の修了率" in html
    assert f'href="{dept_url(world["other"])}?year=2026"' in html


def test_manager_report_holds_only_their_department_and_below(world):
    response = client_for(world["bureau_manager"]).get(REPORT, {"year": 2026})
    assert response.status_code == 200
    assert percent_by_code(response.context["report"]) == {"01": 25.0, "0101": 33.3}
    assert "区民部" not in response.content.decode()
    response = client_for(world["other_manager"]).get(REPORT, {"year": 2026})
    assert percent_by_code(response.context["report"]) == {"02": 50.0}


def test_fiscal_year_filter_defaults_to_the_current_year_and_reads_past_years(world):
    client = client_for(world["admin"])
    assert client.get(REPORT).context["year"] == 2026
    response = client.get(REPORT, {"year": 2025})
    assert response.context["year"] == 2025
    # FY2025: s2 completed (31 March 2026 23:30 Tokyo); s1 and b1, b2 overdue; s3 and o3
    # joined after FY2025 and are not in that cycle; b1's exemption is for FY2026 only.
    assert percent_by_code(response.context["report"]) == {
        "01": 25.0,
        "0101": 50.0,
        "02": 0.0,
        None: 0.0,
    }
    assert "2025年度 所属別の修了率" in response.content.decode()


@pytest.mark.parametrize("bad", ["abc", "1999", "2028", "２０２６", "2026.5"])
def test_a_bad_fiscal_year_gets_a_clear_message_and_the_current_year(world, bad):
    response = client_for(world["admin"]).get(REPORT, {"year": bad})
    assert response.status_code == 200
    html = response.content.decode()
    assert "年度は一覧から選んでください（2017年度から2027年度まで）。" in html
    assert "2026年度を表示しています。" in html
    assert response.context["year"] == 2026
    assert '<option value="2026" selected>' in html


# --- Drill-down ----------------------------------------------------------------------------------


def test_drill_down_lists_each_persons_status_due_date_completion_and_score(world):
    w = world
    params = {"year": 2026, "scope": "all"}
    response = client_for(w["admin"]).get(dept_url(w["bureau"]), params)
    assert response.status_code == 200
    (group,) = response.context["groups"]
    got = {row.person.pk: row for row in group.rows}
    expected = {
        "s1": "completed",
        "s2": "overdue",
        "s3": "in_progress",
        "b1": "exempt",
        "b2": "overdue",
    }
    assert {pk: row.status for pk, row in got.items()} == {
        w[name].pk: status for name, status in expected.items()
    }
    s1 = got[w["s1"].pk]
    assert (s1.due_date, s1.completed_at, s1.score) == (
        dt.date(2026, 9, 30),
        tokyo(2026, 5, 10),
        90.0,
    )
    assert got[w["s3"].pk].due_date == dt.date(2026, 10, 20)
    html = response.content.decode()
    assert "育児休業中" in html
    assert "2026年10月20日" in html
    assert "2026年5月10日 修了（90%）" in html
    assert "期限 2026年10月20日" in html
    # One line per person, in department then kana order (s1, s2, s3 of the section last).
    names = [line.person.last_name for line in response.context["lines"]]
    assert names[:2] == ["部一", "部二"] and sorted(names[2:]) == ["一番", "三番", "二番"]
    # The sub-department table shows the section under the bureau.
    assert [r.department.code for r in response.context["report"]] == ["01", "0101"]
    # Looking at people's results is recorded.
    entry = AuditEntry.objects.get(action="learning.training.department_viewed")
    assert entry.user == w["admin"] and entry.object_id == str(w["bureau"].pk)


def test_drill_down_shows_the_departments_own_people_unless_asked_for_all(world):
    w = world
    client = client_for(w["bureau_manager"])
    response = client.get(dept_url(w["bureau"]), {"year": 2026})
    assert {line.person.pk for line in response.context["lines"]} == {w["b1"].pk, w["b2"].pk}
    assert "scope" in response.context["form"].fields
    # A section without sections below has no choice to make.
    response = client.get(dept_url(w["section"]), {"year": 2026, "scope": "all"})
    assert len(response.context["lines"]) == 3
    assert "scope" not in response.context["form"].fields
    # The export of the page holds the same people.
    own = read_csv(
        client.get(
            EXPORT, {"year": 2026, "what": "people", "format": "csv", "department": w["bureau"].pk}
        )
    )
    assert sorted(r[5] for r in own[1:]) == sorted(
        [w["b1"].get_full_name(), w["b2"].get_full_name()]
    )


def test_drill_down_shows_people_a_page_at_a_time_and_counts_everyone(world, monkeypatch):
    w = world
    monkeypatch.setattr(training_views, "PEOPLE_PER_PAGE", 2)
    client = client_for(w["bureau_manager"])
    first = client.get(dept_url(w["section"]), {"year": 2026, "status": ""})
    html = first.content.decode()
    assert len(first.context["page_obj"].object_list) == 2
    assert "（3人）" in html  # the caption counts everyone
    assert "1 / 2 ページ" in html and "page=2" in html and "year=2026" in html
    second = client.get(dept_url(w["section"]), {"year": 2026, "page": 2})
    shown = {line.person.pk for line in first.context["page_obj"].object_list}
    shown |= {line.person.pk for line in second.context["page_obj"].object_list}
    assert shown == {line.person.pk for line in first.context["lines"]}
    # A page number out of range shows the last page instead of an error.
    assert client.get(dept_url(w["section"]), {"year": 2026, "page": 99}).status_code == 200


def test_drill_down_filters_by_status_and_refuses_an_unknown_status(world):
    w = world
    client = client_for(w["bureau_manager"])
    params = {"year": 2026, "scope": "all"}
    response = client.get(dept_url(w["bureau"]), {**params, "status": "overdue"})
    (group,) = response.context["groups"]
    assert {row.person.pk for row in group.rows} == {w["s2"].pk, w["b2"].pk}
    assert len(response.context["lines"]) == 2
    response = client.get(dept_url(w["bureau"]), {**params, "status": "nonsense"})
    assert response.status_code == 200
    assert "状況は一覧から選んでください。" in response.content.decode()
    assert len(response.context["groups"][0].rows) == 5
    response = client.get(dept_url(w["bureau"]), {"year": 2026, "scope": "everyone"})
    assert "表示する職員は一覧から選んでください。" in response.content.decode()
    assert len(response.context["lines"]) == 2


def test_a_manager_cannot_open_another_department_by_url(world):
    w = world
    client = client_for(w["bureau_manager"])
    assert client.get(dept_url(w["section"])).status_code == 200
    assert client.get(dept_url(w["other"])).status_code == 404
    assert client.get(reverse("training:department", args=[999999])).status_code == 404
    assert client_for(w["other_manager"]).get(dept_url(w["bureau"])).status_code == 404


def test_overdue_list_is_scoped_and_counts_days(world):
    w = world
    response = client_for(w["bureau_manager"]).get(OVERDUE, {"year": 2026})
    rows = response.context["rows"]
    assert {row.person.pk for row, _days in rows} == {w["s2"].pk, w["b2"].pk}
    assert {days for _row, days in rows} == {5}
    assert "区民部" not in response.content.decode()
    response = client_for(w["other_manager"]).get(OVERDUE, {"year": 2026})
    assert response.context["rows"] == []


# --- Exports -------------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def test_people_export_as_csv_and_excel_holds_the_same_rows(world):
    w = world
    client = client_for(w["admin"])
    params = {"year": 2026, "what": "people", "department": w["bureau"].pk, "scope": "all"}
    csv_rows = read_csv(client.get(EXPORT, {**params, "format": "csv"}))
    xlsx_response = client.get(EXPORT, {**params, "format": "xlsx"})
    assert xlsx_response["Content-Type"].startswith("application/vnd.openxmlformats")
    xlsx_rows = read_xlsx(xlsx_response)
    assert csv_rows[0] == xlsx_rows[0]
    assert csv_rows[0][:8] == [
        "年度",
        "研修",
        "所属コード",
        "所属名",
        "職員番号",
        "氏名",
        "氏名（カナ）",
        "状況",
    ]
    assert len(csv_rows) == len(xlsx_rows) == 1 + 5
    s1_csv = next(r for r in csv_rows if r[4] == "100001")
    assert s1_csv[:4] == ["2026", "情報セキュリティ研修（全職員）", "0101", "情報管理課"]
    assert s1_csv[7:] == ["修了", "2026-09-30", "2026-05-10 12:00", "90", ""]
    s1_xlsx = next(r for r in xlsx_rows if r[4] == "100001")
    assert s1_xlsx[7:] == ["修了", dt.datetime(2026, 9, 30), dt.datetime(2026, 5, 10, 12), 90, ""]
    for csv_row, xlsx_row in zip(csv_rows[1:], xlsx_rows[1:], strict=True):
        assert csv_row[1:8] == [str(v) for v in xlsx_row[1:8]]
    assert [r[11] for r in csv_rows[1:] if r[11]] == ["育児休業中"]
    entries = AuditEntry.objects.filter(action="learning.training.exported")
    assert sorted(e.data["format"] for e in entries) == ["csv", "xlsx"]
    assert {(e.data["rows"], e.data["what"], e.user_id) for e in entries} == {
        (5, "people", w["admin"].pk)
    }


def test_summary_export_matches_the_page(world):
    client = client_for(world["bureau_manager"])
    rows = read_csv(client.get(EXPORT, {"year": 2026, "what": "summary", "format": "csv"}))
    assert rows[0][-1] == "修了率（%）"
    assert [(r[1], r[5], r[6], r[9], r[10], r[11]) for r in rows[1:]] == [
        ("01", "5", "1", "2", "1", "25"),
        ("0101", "3", "1", "1", "0", "33.3"),
    ]
    xlsx = read_xlsx(client.get(EXPORT, {"year": 2026, "what": "summary", "format": "xlsx"}))
    assert [r[1] for r in xlsx[1:]] == ["01", "0101"]


def test_a_manager_cannot_export_another_department(world):
    w = world
    client = client_for(w["bureau_manager"])
    for what in ("people", "summary", "overdue"):
        response = client.get(
            EXPORT, {"year": 2026, "what": what, "format": "csv", "department": w["other"].pk}
        )
        assert response.status_code == 404, what
    # Without a department the export holds the manager's scope only.
    rows = read_csv(client.get(EXPORT, {"year": 2026, "what": "people", "format": "csv"}))
    assert {r[2] for r in rows[1:]} == {"01", "0101"}
    rows = read_xlsx(client.get(EXPORT, {"year": 2026, "what": "overdue", "format": "xlsx"}))
    assert sorted(r[5] for r in rows[1:]) == sorted(
        [w["s2"].get_full_name(), w["b2"].get_full_name()]
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"what": "people", "format": "pdf"}, "ファイルの形式はCSVかExcelを選んでください。"),
        ({"what": "all", "format": "csv"}, "出力する内容を一覧から選んでください。"),
        ({"format": "csv"}, "出力する内容を選んでください。"),
        ({"what": "people", "format": "csv", "year": "x"}, "年度は一覧から選んでください"),
        ({"what": "people", "format": "csv", "department": "x"}, "所属の指定が正しくありません。"),
    ],
)
def test_a_bad_export_request_is_refused_with_a_message(world, params, message):
    client = client_for(world["admin"])
    response = client.get(EXPORT, params, follow=True)
    assert response.redirect_chain[-1][0] == REPORT
    assert message in response.content.decode()
    assert not AuditEntry.objects.filter(action="learning.training.exported").exists()


# --- History and cohort board ------------------------------------------------------------------


def test_person_history_shows_each_fiscal_year_and_completions(world):
    w = world
    response = client_for(w["bureau_manager"]).get(person_url(w["s2"]))
    assert response.status_code == 200
    years = {y.fiscal_year: y for y in response.context["history"].years}
    assert years[2026].requirements[0].status == "overdue"
    assert years[2025].requirements[0].status == "completed"
    html = response.content.decode()
    assert "2025年度" in html and "2026年3月31日" in html and "75%" in html
    assert AuditEntry.objects.filter(
        action="learning.training.history_viewed", object_id=str(w["s2"].pk)
    ).exists()


def test_person_history_is_scoped_like_the_departments(world):
    w = world
    assert client_for(w["other_manager"]).get(person_url(w["s2"])).status_code == 404
    assert client_for(w["bureau_manager"]).get(person_url(w["o1"])).status_code == 404
    assert client_for(w["admin"]).get(person_url(w["o1"])).status_code == 200


@pytest.fixture
def cohort(world):
    return build_cohort(world)


def test_cohort_board_shows_each_members_next_course_and_dates(world, cohort):
    w = world
    url = reverse("training:cohort", args=[cohort.pk])
    response = client_for(w["admin"]).get(url)
    assert response.status_code == 200
    rows = {
        row.member.pk: (row, cells, next_step) for row, cells, next_step in response.context["rows"]
    }
    s1_row, s1_cells, s1_next = rows[w["s1"].pk]
    assert s1_row.position == 1 and s1_next.course.title == "業務改善とRPA"
    assert [completed for _step, completed in s1_cells] == [tokyo(2026, 6, 15), None]
    assert rows[w["o1"].pk][2] is None  # finished the path
    html = response.content.decode()
    assert "2／2：業務改善とRPA" in html and "すべて修了" in html and "2026年6月15日" in html


def test_managers_see_only_their_staff_on_the_board_and_only_their_cohorts(
    world, cohort, make_user
):
    w = world
    url = reverse("training:cohort", args=[cohort.pk])
    response = client_for(w["bureau_manager"]).get(url)
    assert [row.member.pk for row, _c, _n in response.context["rows"]] == [w["s1"].pk]
    assert "ほかの所属の参加者 1人は表示していません。" in response.content.decode()
    listing = client_for(w["bureau_manager"]).get(reverse("training:cohorts"))
    assert [c.pk for c in listing.context["cohorts"]] == [cohort.pk]
    # A manager with nobody in the cohort does not see it at all.
    third = department("03", "子ども家庭部")
    manager = make_user(None, mfa=True)
    third.managers.add(manager)
    assert client_for(manager).get(url).status_code == 404
    listing = client_for(manager).get(reverse("training:cohorts"))
    assert listing.context["cohorts"] == []


# --- マイ学習: the learner's own requirements ----------------------------------------------


@pytest.fixture
def learner_requirements_today(monkeypatch):
    """learner_requirements reads today from training.status's clock: fix it at TODAY."""
    from types import SimpleNamespace

    from django.utils import timezone

    clock = SimpleNamespace(localdate=lambda *args, **kwargs: TODAY, now=timezone.now)
    monkeypatch.setattr("training.status.timezone", clock)


def test_my_learning_lists_each_requirement_with_due_date_status_and_link(
    world, learner_requirements_today
):
    """s3 (joined 20 Sep) reads a lesson: in progress; more requirements give the others."""
    w = world
    learner = w["s3"]
    privacy = course_with_lesson("privacy", "個人情報保護研修")
    dx = course_with_lesson("dx", "窓口DX研修")
    rpa = course_with_lesson("rpa", "RPA研修")
    requirement(privacy, people=[learner], title="個人情報保護研修")  # due 30 Sep + 30 days
    requirement(dx, people=[learner], due_rule="days_after_joining", due_days=1)  # overdue
    done = requirement(rpa, departments=[w["section"]])
    complete(learner, rpa, tokyo(2026, 10, 2), score=88.0)
    html = client_for(with_factor(learner)).get("/learning/my/").content.decode()
    section = html[html.index('id="requirements-title"') : html.index('id="in-progress-title"')]
    assert "情報セキュリティ研修（全職員）" in section  # in progress, due 20 October
    assert "受講中" in section and "続きから受講する" in section
    assert "2026年10月20日" in section
    assert "個人情報保護研修" in section and "受講を始める" in section  # not started
    assert "期限超過" in section and "今すぐ受講する" in section  # 窓口DX研修, due 21 Sep
    assert done.display_title in section and "（得点 88%）" in section  # completed, no button
    assert section.count('class="button"') == 3
    assert f'href="{w["security"].url}"' in section
    assert reverse("training:report") not in section


def test_my_learning_shows_exemptions_and_links_managers_to_their_report(
    world, learner_requirements_today
):
    w = world
    w["section"].managers.add(w["s1"])
    html = client_for(with_factor(w["b1"])).get("/learning/my/").content.decode()
    assert "対象外" in html and "育児休業中" in html
    assert "今すぐ受講する" not in html and "受講を始める" not in html
    html = client_for(with_factor(w["s1"])).get("/learning/my/").content.decode()
    assert reverse("training:report") in html


def test_report_queries_do_not_grow_with_departments_or_people(world):
    """Set-based: more departments and staff, the same number of queries per page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.training.training_support import staff as make_staff

    w = world
    client = client_for(w["admin"])
    urls = [f"{REPORT}?year=2026", f"{dept_url(w['bureau'])}?year=2026&scope=all"]
    before = []
    for url in urls:
        client.get(url)  # warm-up (session, content types)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        before.append(len(queries))
    for n in range(6):
        section = department(f"01{n + 10}", f"課{n}", parent=w["bureau"])
        for _ in range(4):
            complete(make_staff(section), w["security"], tokyo(2026, 6, 1))
    after = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        after.append(len(queries))
    assert after == before
    assert len(response.context["lines"]) == 5 + 24
