"""The hand-checked fixture of the training report tests (pages and browser audits)."""

from __future__ import annotations

import datetime as dt

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

TODAY = dt.date(2026, 10, 5)  # FY2026: 30 September has passed


def build_world(make_user) -> dict:
    """Hand-checked statuses for FY2026 (today 5 October 2026), requirement: all staff,
    every year, due 30 September (30 days at least for people who join later).

    政策経営部 (01) ── 情報管理課 (0101): s1 completed, s2 overdue (completed in FY2025 only),
                                          s3 joined 20 Sep (due 20 Oct), read a lesson: in progress
                   ── b1 exempt (育児休業中), b2 overdue
    区民部 (02): o1 completed, o2 has left (inactive), o3 joined 25 Sep (due 25 Oct): not started
    """
    bureau = department("01", "政策経営部")
    section = department("0101", "情報管理課", parent=bureau)
    other = department("02", "区民部")
    security = course_with_lesson("security", "情報セキュリティ研修")
    p = {
        "s1": staff(section, last_name="一番", employee_number="100001"),
        "s2": staff(section, last_name="二番", employee_number="100002"),
        "s3": staff(section, last_name="三番", joined=dt.date(2026, 9, 20)),
        "b1": staff(bureau, last_name="部一"),
        "b2": staff(bureau, last_name="部二"),
        "o1": staff(other, last_name="区一"),
        "o2": staff(other, last_name="区二", is_active=False),
        "o3": staff(other, last_name="区三", joined=dt.date(2026, 9, 25)),
    }
    r1 = requirement(security, all_staff=True, title="情報セキュリティ研修（全職員）")
    complete(p["s1"], security, tokyo(2026, 5, 10), score=90.0)
    complete(p["s2"], security, tokyo(2026, 3, 31, 23, 30), score=75.0)
    read_lesson(p["s3"], security, tokyo(2026, 10, 1))
    RequirementExemption.objects.create(
        requirement=r1, user=p["b1"], fiscal_year=2026, reason="育児休業中"
    )
    complete(p["o1"], security, tokyo(2026, 6, 1), score=100.0)

    # The managers are not staff themselves (no role, no employee number); the admin is staff
    # without a department who has not taken the course (the 所属なし row, overdue).
    bureau_manager = make_user(None, mfa=True, email="bucho@example.jp")
    bureau.managers.add(bureau_manager)
    other_manager = make_user(None, mfa=True, email="kumin@example.jp")
    other.managers.add(other_manager)
    return {
        "bureau": bureau,
        "section": section,
        "other": other,
        "security": security,
        "r1": r1,
        "admin": make_user(Role.ADMIN, mfa=True, date_joined=tokyo(2020, 4, 1)),
        "bureau_manager": bureau_manager,
        "other_manager": other_manager,
        **p,
    }


def build_cohort(world: dict) -> Cohort:
    """A 寺子屋ICT cohort of two courses: s1 is on the second, o1 has finished."""
    w = world
    first = course_with_lesson("terakoya-1", "データ活用の基本")
    second = course_with_lesson("terakoya-2", "業務改善とRPA")
    cohort = Cohort.objects.create(name="寺子屋ICT 第1期", fiscal_year=2026)
    CohortCourse.objects.create(cohort=cohort, course=first, sort_order=0)
    CohortCourse.objects.create(cohort=cohort, course=second, sort_order=1)
    for name in ("s1", "o1"):
        CohortMember.objects.create(cohort=cohort, user=w[name])
    complete(w["s1"], first, tokyo(2026, 6, 15))
    complete(w["o1"], first, tokyo(2026, 6, 20))
    complete(w["o1"], second, tokyo(2026, 7, 1))
    return cohort
