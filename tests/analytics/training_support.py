"""The hand-computed fixture of the 必修研修 dashboard tests (figures, page and browser)."""

from __future__ import annotations

import datetime as dt

from accounts.roles import Role
from tests.training.training_support import (
    complete,
    course_with_lesson,
    department,
    requirement,
    staff,
    tokyo,
)
from training.models import Cohort, CohortCourse, CohortMember, RequirementExemption

TODAY = dt.date(2026, 10, 5)  # a Monday in FY2026; the due date 30 September has passed


def build(make_user) -> dict:
    """FY2026, one requirement: all staff, every year, due 30 September, no grace days.

    政策経営部 (01) ── 情報管理課 (0101): a1 done 10 Apr (95), a2 done 5 Oct (72, overdue
                                          from 1 Oct until then), a3 not done (overdue)
                   ── b1 exempt, b2 done 20 May (40)
    区民部 (02): o1 done 1 Jun (100), o2 joined 20 Sep (due 20 Oct): not started
    admin: staff without a department, not done (overdue)
    """
    bureau = department("01", "政策経営部")
    section = department("0101", "情報管理課", parent=bureau)
    other = department("02", "区民部")
    course = course_with_lesson("security", "情報セキュリティ研修")
    p = {
        "a1": staff(section),
        "a2": staff(section),
        "a3": staff(section),
        "b1": staff(bureau),
        "b2": staff(bureau),
        "o1": staff(other),
        "o2": staff(other, joined=dt.date(2026, 9, 20)),
    }
    r1 = requirement(course, all_staff=True, title="情報セキュリティ研修（全職員）")
    complete(p["a1"], course, tokyo(2026, 4, 10), score=95.0)
    complete(p["a2"], course, tokyo(2026, 10, 5, 9), score=72.0)
    complete(p["b2"], course, tokyo(2026, 5, 20), score=40.0)
    complete(p["o1"], course, tokyo(2026, 6, 1), score=100.0)
    complete(p["a3"], course, tokyo(2026, 3, 31, 23, 30), score=80.0)  # FY2025: does not count
    RequirementExemption.objects.create(
        requirement=r1, user=p["b1"], fiscal_year=2026, reason="休職"
    )
    bureau_manager = make_user(None, mfa=True, email="bucho@example.jp")
    bureau.managers.add(bureau_manager)
    return {
        "bureau": bureau,
        "section": section,
        "other": other,
        "course": course,
        "r1": r1,
        "admin": make_user(Role.ADMIN, mfa=True, date_joined=tokyo(2020, 4, 1)),
        "bureau_manager": bureau_manager,
        **p,
    }


def build_cohort(world: dict) -> Cohort:
    """寺子屋ICT 第1期 (FY2026), two steps; a1, o1 and o2 are members.

    a1 has done step 1 (twice), o1 both steps, o2 nothing: step 1 2 of 3, step 2 1 of 3.
    """
    first = course_with_lesson("terakoya-1", "データ活用の基本")
    second = course_with_lesson("terakoya-2", "業務改善とRPA")
    cohort = Cohort.objects.create(name="寺子屋ICT 第1期", fiscal_year=2026)
    CohortCourse.objects.create(cohort=cohort, course=first, sort_order=0)
    CohortCourse.objects.create(cohort=cohort, course=second, sort_order=1)
    for name in ("a1", "o1", "o2"):
        CohortMember.objects.create(cohort=cohort, user=world[name])
    complete(world["a1"], first, tokyo(2026, 6, 15))
    complete(world["a1"], first, tokyo(2026, 6, 16))
    complete(world["o1"], first, tokyo(2026, 6, 20))
    complete(world["o1"], second, tokyo(2026, 7, 1))
    return cohort
