"""training.status: audiences, due dates, statuses, the department report, scoping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from tests.training.training_support import (
    complete,
    course_with_lesson,
    department,
    read_lesson,
    requirement,
    staff,
    tokyo,
)
from training.models import Cohort, CohortCourse, CohortMember, RequirementExemption
from training.status import (
    Status,
    audience,
    cohort_board,
    department_report,
    learner_requirements,
    people_statuses,
    training_history,
    visible_departments,
    visible_people,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 10, 5)  # FY2026


def statuses(req, year, today=TODAY, **kwargs) -> dict[int, str]:
    return {
        u.pk: u.status for u in people_statuses(req, year, today=today, **kwargs).order_by("pk")
    }


def person(req, user, year, today=TODAY):
    return people_statuses(req, year, today=today).get(pk=user.pk)


@pytest.fixture
def world():
    """The hand-checked fixture (see the comments for each person's expected status)."""
    bureau = department("01", "政策経営部")
    section = department("0101", "情報管理課", parent=bureau)
    other = department("02", "区民部")
    security = course_with_lesson("security", "情報セキュリティ研修")
    privacy = course_with_lesson("privacy", "個人情報保護研修")
    admin = staff(role=Role.ADMIN)  # staff too, without a department: overdue on R1
    p = {
        "s1": staff(section),
        "s2": staff(section),
        "s3": staff(section),
        "s4": staff(section),
        "b1": staff(bureau),
        "b2": staff(bureau, joined=dt.date(2026, 9, 15)),
        "o1": staff(other),
        "o2": staff(other, is_active=False),
        "o3": staff(other, joined=dt.date(2026, 9, 20)),
        "n1": staff(None),
        "resident": staff(None, role=None),
    }
    # R1: everyone on the staff, every year, due 30 September.
    r1 = requirement(security, all_staff=True)
    complete(p["s1"], security, tokyo(2026, 5, 10))  # s1 completed
    complete(p["s2"], security, tokyo(2026, 3, 31, 23, 30))  # FY2025 only: s2 overdue
    complete(p["s3"], security, tokyo(2026, 4, 1, 0, 10))  # first minutes of FY2026: completed
    read_lesson(p["s4"], security, tokyo(2026, 9, 1))  # started but past due: overdue
    RequirementExemption.objects.create(
        requirement=r1, user=p["b1"], fiscal_year=2026, reason="育児休業中"
    )  # b1 exempt
    RequirementExemption.objects.create(
        requirement=r1, user=p["b2"], fiscal_year=2025, reason="前年度のみ"
    )
    read_lesson(p["b2"], security, tokyo(2026, 9, 20))  # b2 joined 15 Sep: due 15 Oct, in progress
    # o1 overdue; o2 left (inactive); o3 joined 20 Sep: due 20 Oct, not started
    complete(p["n1"], security, tokyo(2026, 7, 1))  # n1 (no department) completed
    complete(p["resident"], security, tokyo(2026, 7, 1))  # not staff: not counted

    # R2: the bureau and its sections, 30 days after joining (1 April for those already there).
    r2 = requirement(
        privacy,
        departments=[bureau],
        due_rule="days_after_joining",
        due_days=30,
    )
    complete(p["s1"], privacy, tokyo(2026, 6, 1))  # late but completed
    # s2, s3, s4, b1 overdue (due 1 May); b2 joined 15 Sep: due 15 Oct, not started
    return {
        "bureau": bureau,
        "section": section,
        "other": other,
        "security": security,
        "privacy": privacy,
        "admin": admin,
        "r1": r1,
        "r2": r2,
        **p,
    }


def test_people_statuses_on_the_hand_checked_fixture(world):
    w = world
    got = statuses(w["r1"], 2026)
    expected = {
        "s1": Status.COMPLETED,
        "s2": Status.OVERDUE,
        "s3": Status.COMPLETED,
        "s4": Status.OVERDUE,
        "b1": Status.EXEMPT,
        "b2": Status.IN_PROGRESS,
        "o1": Status.OVERDUE,
        "o3": Status.NOT_STARTED,
        "n1": Status.COMPLETED,
        "admin": Status.OVERDUE,
    }
    assert got == {w[name].pk: status for name, status in expected.items()}

    s1 = person(w["r1"], w["s1"], 2026)
    assert s1.due_date == dt.date(2026, 9, 30)
    assert s1.completed_at == tokyo(2026, 5, 10)
    assert s1.completion_score == 90.0
    assert person(w["r1"], w["b1"], 2026).exemption_reason == "育児休業中"
    assert person(w["r1"], w["b2"], 2026).due_date == dt.date(2026, 10, 15)
    assert person(w["r1"], w["o3"], 2026).due_date == dt.date(2026, 10, 20)

    got = statuses(w["r2"], 2026)
    expected = {
        "s1": Status.COMPLETED,
        "s2": Status.OVERDUE,
        "s3": Status.OVERDUE,
        "s4": Status.OVERDUE,
        "b1": Status.OVERDUE,
        "b2": Status.NOT_STARTED,
    }
    assert got == {w[name].pk: status for name, status in expected.items()}
    assert person(w["r2"], w["s2"], 2026).due_date == dt.date(2026, 5, 1)


def counts_tuple(c):
    return (c.total, c.completed, c.in_progress, c.not_started, c.overdue, c.exempt, c.percent)


def test_department_report_counts_roll_up_subtrees(world, django_assert_max_num_queries):
    w = world
    with django_assert_max_num_queries(1 + 3 * 2):
        rows = department_report([w["r1"], w["r2"]], 2026, today=TODAY)
    by_code = {r.department.code if r.department else None: r for r in rows}
    assert [r.department.code if r.department else None for r in rows] == [
        "01",
        "0101",
        "02",
        None,
    ]
    assert [r.depth for r in rows] == [0, 1, 0, 0]
    # (total, completed, in progress, not started, overdue, exempt, %)
    assert counts_tuple(by_code["0101"].counts[0]) == (4, 2, 0, 0, 2, 0, 50.0)
    assert counts_tuple(by_code["01"].counts[0]) == (6, 2, 1, 0, 2, 1, 40.0)
    assert counts_tuple(by_code["02"].counts[0]) == (2, 0, 0, 1, 1, 0, 0.0)
    # n1 completed; the admin (no department) is overdue.
    assert counts_tuple(by_code[None].counts[0]) == (2, 1, 0, 0, 1, 0, 50.0)
    assert counts_tuple(by_code["0101"].counts[1]) == (4, 1, 0, 0, 3, 0, 25.0)
    assert counts_tuple(by_code["01"].by_requirement[w["r2"].pk]) == (6, 1, 0, 1, 4, 0, 16.7)
    assert by_code["02"].counts[1].total == 0
    assert by_code["02"].counts[1].percent is None

    rows = department_report([w["r1"]], 2026, root=w["section"], today=TODAY)
    assert [(r.department.code, r.depth) for r in rows] == [("0101", 0)]
    assert rows[0].counts[0].total == 4


def test_report_queries_do_not_grow_with_people(world):
    w = world
    reqs = [w["r1"], w["r2"]]
    with CaptureQueriesContext(connection) as before:
        department_report(reqs, 2026, today=TODAY)
    for n in range(25):
        user = staff([w["section"], w["bureau"], w["other"]][n % 3])
        if n % 2:
            complete(user, w["security"], tokyo(2026, 6, 1))
    with CaptureQueriesContext(connection) as after:
        rows = department_report(reqs, 2026, today=TODAY)
    assert len(after) == len(before)
    assert rows[0].counts[0].total == 6 + 17  # 9 + 8 of the 25 are in the bureau's subtree


def test_subdepartments_can_be_left_out(world):
    w = world
    w["r2"].include_subdepartments = False
    w["r2"].save()
    assert set(statuses(w["r2"], 2026)) == {w["b1"].pk, w["b2"].pk}


def test_fiscal_year_boundary_31_march_and_1_april_tokyo(world):
    w = world
    # s2 completed at 23:30 on 31 March (JST; 14:30 UTC): it counts for FY2025, not FY2026.
    assert person(w["r1"], w["s2"], 2025).status == Status.COMPLETED
    assert person(w["r1"], w["s2"], 2026).status == Status.OVERDUE
    # s3 completed ten minutes into 1 April JST (still 31 March in UTC): FY2026.
    assert person(w["r1"], w["s3"], 2026).status == Status.COMPLETED
    assert person(w["r1"], w["s3"], 2025).status == Status.OVERDUE


def test_annual_requirement_recurs_into_the_next_year(world):
    w = world
    early = dt.date(2027, 4, 10)
    s1 = person(w["r1"], w["s1"], 2027, today=early)
    assert (s1.status, s1.due_date, s1.completed_at) == (
        Status.NOT_STARTED,
        dt.date(2027, 9, 30),
        None,
    )
    assert person(w["r1"], w["s1"], 2027, today=dt.date(2027, 10, 1)).status == Status.OVERDUE
    complete(w["s1"], w["security"], tokyo(2027, 6, 1))
    assert person(w["r1"], w["s1"], 2027, today=dt.date(2027, 10, 1)).status == Status.COMPLETED
    # Reading in FY2026 is not progress in FY2027.
    assert person(w["r1"], w["s4"], 2027, today=early).status == Status.NOT_STARTED


def test_a_due_date_in_the_past_year(world):
    w = world
    # FY2025 seen from FY2026: its due date (30 September 2025) is long past.
    o1 = person(w["r1"], w["o1"], 2025)
    assert (o1.status, o1.due_date) == (Status.OVERDUE, dt.date(2025, 9, 30))
    # Joined after FY2025 ended: not in that year's cycle at all.
    assert w["b2"].pk not in statuses(w["r1"], 2025)
    # A due date set in one fiscal year that falls in the next: joined 10 March, 60 days.
    late = staff(w["section"], joined=dt.date(2026, 3, 10))
    w["r2"].due_days = 60
    w["r2"].save()
    row = person(w["r2"], late, 2025, today=dt.date(2026, 5, 1))
    assert (row.due_date, row.status) == (dt.date(2026, 5, 9), Status.NOT_STARTED)
    assert person(w["r2"], late, 2025, today=dt.date(2026, 5, 10)).status == Status.OVERDUE


def test_grace_period_delays_overdue(world):
    w = world
    w["r1"].grace_days = 7
    w["r1"].save()
    assert person(w["r1"], w["o1"], 2026, today=dt.date(2026, 10, 7)).status == Status.NOT_STARTED
    assert person(w["r1"], w["o1"], 2026, today=dt.date(2026, 10, 8)).status == Status.OVERDUE


def test_moving_department_gives_the_new_requirements_a_fresh_due_date(world):
    w = world
    mover = w["o1"]
    assert mover.pk not in statuses(w["r2"], 2026)
    mover.department = w["section"]
    mover.department_since = dt.date(2026, 8, 1)
    mover.save()
    row = person(w["r2"], mover, 2026, today=dt.date(2026, 8, 20))
    assert (row.due_date, row.status) == (dt.date(2026, 8, 31), Status.NOT_STARTED)
    # All-staff R1 counts from the account, not the move: still due 30 September.
    assert person(w["r1"], mover, 2026).due_date == dt.date(2026, 9, 30)
    # With a fixed date, a late mover gets at least 30 days (or due_days when set).
    fixed = requirement(w["security"], departments=[w["section"]])
    mover.department_since = dt.date(2026, 9, 20)
    mover.save()
    assert person(fixed, mover, 2026).due_date == dt.date(2026, 10, 20)
    # due_days 0 means no extra time after a late move: the joining date itself, not the
    # 30-day default.
    no_extra = requirement(w["security"], departments=[w["section"]], due_days=0)
    mover.department_since = dt.date(2026, 10, 5)
    mover.save()
    assert person(no_extra, mover, 2026).due_date == dt.date(2026, 10, 5)
    assert person(fixed, mover, 2026).due_date == dt.date(2026, 11, 4)
    mover.department_since = dt.date(2026, 9, 20)
    mover.save()
    # Moving away takes the person out of the old department's requirement.
    leaver = w["s2"]
    leaver.department = w["other"]
    leaver.save()
    assert leaver.pk not in statuses(w["r2"], 2026)


def test_a_completion_before_joining_the_audience_counts_in_the_same_cycle(world):
    w = world
    newcomer = w["o1"]
    complete(newcomer, w["privacy"], tokyo(2026, 5, 1))
    newcomer.department = w["section"]
    newcomer.department_since = dt.date(2026, 8, 1)
    newcomer.save()
    assert person(w["r2"], newcomer, 2026).status == Status.COMPLETED


def test_leavers_drop_out_of_audience_and_figures(world):
    w = world
    assert w["o2"].pk not in set(audience(w["r1"]).values_list("pk", flat=True))
    w["o1"].is_active = False
    w["o1"].save()
    rows = department_report([w["r1"]], 2026, today=TODAY)
    other = next(r for r in rows if r.department == w["other"])
    assert counts_tuple(other.counts[0]) == (1, 0, 0, 1, 0, 0, 0.0)


def test_exemptions_for_one_year_or_every_year(world):
    w = world
    # b1's exemption is for FY2026 only; b2's for FY2025 only.
    assert person(w["r1"], w["b1"], 2027, today=dt.date(2027, 5, 1)).status == Status.NOT_STARTED
    assert person(w["r1"], w["b2"], 2026).status == Status.IN_PROGRESS
    RequirementExemption.objects.create(
        requirement=w["r1"], user=w["o1"], fiscal_year=2025, reason="長期療養"
    )
    assert person(w["r1"], w["o1"], 2025).status == Status.EXEMPT
    assert person(w["r1"], w["o1"], 2026).status == Status.OVERDUE
    RequirementExemption.objects.create(requirement=w["r2"], user=w["s1"], reason="専門職")
    for year in (2025, 2026, 2027):
        row = person(w["r2"], w["s1"], year)
        assert (row.status, row.exemption_reason) == (Status.EXEMPT, "専門職")
    # Exempt is stronger than completed; other people and requirements are untouched.
    assert person(w["r1"], w["s1"], 2026).status == Status.COMPLETED


def test_once_requirement_counts_any_earlier_completion(world):
    w = world
    once = requirement(w["privacy"], people=[w["o1"], w["o3"]], recurrence="once")
    complete(w["o1"], w["privacy"], tokyo(2024, 6, 1))
    assert person(once, w["o1"], 2026).status == Status.COMPLETED
    complete(w["o3"], w["privacy"], tokyo(2027, 6, 1))
    # A later completion does not show in an earlier year's report.
    assert person(once, w["o3"], 2026, today=dt.date(2026, 10, 1)).status == Status.NOT_STARTED
    assert person(once, w["o3"], 2027, today=dt.date(2027, 7, 1)).status == Status.COMPLETED


def test_roles_and_named_people_are_in_the_audience(world):
    w = world
    trainer = staff(None, role=Role.TRAINER)
    named = staff(None, role=None)
    req = requirement(w["privacy"], roles=[Role.TRAINER], people=[named])
    assert set(audience(req)) == {trainer, named}
    assert set(audience(w["r1"])) >= {w["admin"], w["n1"]}  # all staff, admins included
    assert w["resident"] not in set(audience(w["r1"]))
    partner = staff(None, role=Role.TRAINER, organisation="協力会社")
    assert partner not in set(audience(w["r1"]))
    assert partner in set(audience(req))


def test_visible_departments_and_people(world):
    w = world
    manager = staff(w["other"])
    w["bureau"].managers.add(manager)
    assert set(visible_departments(manager)) == {w["bureau"], w["section"]}
    assert w["o1"] not in set(visible_people(manager))
    assert w["s1"] in set(visible_people(manager))
    assert set(visible_departments(w["admin"])) == {w["bureau"], w["section"], w["other"]}
    assert not visible_departments(w["s1"]).exists()
    manager.is_active = False
    assert not visible_departments(manager).exists()
    manager.is_active = True

    rows = department_report([w["r1"]], 2026, within=visible_departments(manager), today=TODAY)
    assert [r.department.code for r in rows] == ["01", "0101"]
    assert rows[0].counts[0].total == 6


def test_learner_requirements_lists_what_applies_most_urgent_first(world):
    w = world
    items = learner_requirements(w["s2"], today=TODAY)
    assert [(i.requirement, i.status) for i in items] == [
        (w["r1"], Status.OVERDUE),
        (w["r2"], Status.OVERDUE),
    ][::-1]  # both overdue: the earlier due date (1 May) first
    assert items[0].due_date == dt.date(2026, 5, 1)
    assert items[0].course == w["privacy"]
    done = learner_requirements(w["s1"], today=TODAY)
    assert {i.status for i in done} == {Status.COMPLETED}
    assert learner_requirements(w["resident"], today=TODAY) == []


def test_training_history_lists_completions_and_past_years(world):
    w = world
    history = training_history(w["s2"], today=TODAY)
    assert [c.fiscal_year for c in history.completions] == [2025]
    years = {
        y.fiscal_year: {i.requirement.pk: i.status for i in y.requirements} for y in history.years
    }
    assert years[2026] == {w["r1"].pk: Status.OVERDUE, w["r2"].pk: Status.OVERDUE}
    assert years[2025][w["r1"].pk] == Status.COMPLETED
    assert list(years)[0] == 2026 and min(years) == 2021


def test_cohort_board_places_each_member_on_the_path(world):
    w = world
    basics = course_with_lesson("basics", "ICT基礎")
    cohort = Cohort.objects.create(name="寺子屋ICT 第1期", fiscal_year=2026)
    for position, course in enumerate([basics, w["security"], w["privacy"]]):
        CohortCourse.objects.create(cohort=cohort, course=course, sort_order=position)
    for name in ("s1", "s3", "o1"):
        CohortMember.objects.create(cohort=cohort, user=w[name], joined_on=dt.date(2026, 4, 1))
    complete(w["s1"], basics, tokyo(2026, 4, 20))
    complete(w["o1"], w["security"], tokyo(2026, 4, 20))  # skipped the first step

    board = cohort_board(cohort)
    assert [s.course for s in board.steps] == [basics, w["security"], w["privacy"]]
    rows = {r.member: r for r in board.rows}
    assert (rows[w["s1"]].position, rows[w["s1"]].done, rows[w["s1"]].finished) == (3, 3, True)
    assert rows[w["s1"]].completed[0] == tokyo(2026, 4, 20)
    assert (rows[w["s3"]].position, rows[w["s3"]].done) == (0, 1)
    assert (rows[w["o1"]].position, rows[w["o1"]].done) == (0, 1)


def test_people_deactivated_by_the_roster_import_drop_out(world):
    from accounts.roster import import_roster, parse_roster
    from learning.fiscal import fiscal_year

    w = world
    header = "職員番号,氏名,氏名カナ,メールアドレス,所属コード,所属名"
    rows = [f"{n},豊島 {n},トシマ {n},roster{n}@example.jp,0101,情報管理課" for n in (9001, 9002)]
    year = fiscal_year()  # the imported staff join today
    import_roster(parse_roster("\n".join([header, *rows])))
    before = department_report([w["r1"]], year, root=w["section"])[0].counts[0]
    assert before.total == 4 + 2

    import_roster(parse_roster("\n".join([header, rows[0]])), deactivate_missing=True)
    after = department_report([w["r1"]], year, root=w["section"])[0].counts[0]
    assert after.total == 4 + 1
