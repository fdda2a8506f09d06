"""make run shows training data for this fiscal year (issue 14: マイ学習's 必修 and the
training reports were empty): a mandatory requirement for all staff, a 寺子屋ICT cohort of
this year with a path, and demo staff who completed, are in progress or are overdue.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from demo.analytics import COHORT_COURSES, COHORT_NAME
from demo.courses import SECURITY_SLUG
from demo.training import LEARNER, SAFETY_REQUIREMENT
from learning.fiscal import fiscal_year, fiscal_year_dates
from learning.models import CourseCompletion, LessonProgress
from learning.my_learning import learner_overview
from training.models import Cohort, CohortMember, TrainingRequirement
from training.status import learner_requirements, people_statuses

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        TrainingRequirement.objects.count(),
        Cohort.objects.count(),
        CohortMember.objects.count(),
        CourseCompletion.objects.count(),
        LessonProgress.objects.count(),
    )


def test_seed_demo_seeds_this_years_requirement_cohort_and_progress():
    call_command("seed_demo", allow_production_demo=True)
    first = _counts()
    call_command("seed_demo", allow_production_demo=True)
    assert _counts() == first

    today = timezone.localdate()
    year = fiscal_year(today)
    security = TrainingRequirement.objects.get(course__slug=SECURITY_SLUG)
    assert security.all_staff and security.active
    assert security.recurrence == TrainingRequirement.Recurrence.ANNUAL

    cohort = Cohort.objects.get(name=COHORT_NAME, fiscal_year=year)
    assert [step.course.slug for step in cohort.path.order_by("sort_order")] == COHORT_COURSES
    learner = User.objects.get(email=LEARNER)
    assert cohort.memberships.filter(user=learner).exists()
    assert cohort.memberships.count() == 13

    # マイ学習 of the demo learner: 必修 in progress, courses in progress, one completion.
    mine = {r.requirement.pk: r.status for r in learner_requirements(learner, today=today)}
    assert mine[security.pk] == "in_progress"
    overview = learner_overview(learner)
    assert {item.course.slug for item in overview.in_progress} >= {SECURITY_SLUG}
    assert [c.course.slug for c in overview.completions] == [COHORT_COURSES[0]]

    # The reports: completed, in progress and not started this year for the annual training,
    security_statuses = Counter(
        people_statuses(security, year, today=today).values_list("status", flat=True)
    )
    assert security_statuses["completed"] and security_statuses["in_progress"]
    assert security_statuses["not_started"]
    # and completed and overdue (due 60 days into the year) for the counter sections.
    safety = TrainingRequirement.objects.get(title=SAFETY_REQUIREMENT)
    safety_statuses = Counter(
        people_statuses(safety, year, today=today).values_list("status", flat=True)
    )
    assert safety_statuses["completed"] >= 1
    past_due = today > fiscal_year_dates(year)[0] + dt.timedelta(days=60)
    assert bool(safety_statuses["overdue"]) == past_due
