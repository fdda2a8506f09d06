"""Demo training of the current fiscal year: what マイ学習 and the training reports show today.

``demo.analytics`` seeds the past fiscal year (the annual security requirement, completions,
a finished 寺子屋ICT cohort). This adds, counted from ``today``:

- a second requirement with a due date already passed this year (区民向けのスマホ講座
  「スマートフォンを安全に使う」 for the sections that help residents at the counter, due 60
  days into the year), so the reports show 期限超過 next to 修了 and 受講中;
- lessons of 情報セキュリティ研修 done by some demo staff (受講中) and completions this year;
- a 寺子屋ICT cohort of this fiscal year with the demo learner (staff@example.jp) and twelve
  demo staff at every step of its path; the demo learner has finished the first course, is
  half-way through the second and has started 情報セキュリティ研修.

Idempotent: the requirement is found by title, and the rest is written only when this year's
cohort is missing (all in one transaction). Deterministic (``random.Random``).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from accounts.models import Department, User
from courses.models import CoursePage, LessonPage
from demo.analytics import COHORT_COURSES, COHORT_NAME, STAFF, staff_identity
from demo.courses import SECURITY_SLUG
from learning.fiscal import fiscal_year, fiscal_year_dates
from learning.models import CourseCompletion, LessonProgress
from training.models import Cohort, CohortCourse, CohortMember, TrainingRequirement

SEED = 20261
LEARNER = "staff@example.jp"
SAFETY_REQUIREMENT = "区民対応職員のスマホ安全講座（年度はじめから60日以内）"
SAFETY_COURSE = "b10"
SAFETY_SECTIONS = ["2010", "2020"]  # 区民活動推進課, 戸籍住民課
COHORT_SIZE = 12


def seed_current_training(today: dt.date | None = None) -> dict[str, int]:
    """Seed this fiscal year's demo training; return what exists afterwards."""
    today = today or timezone.localdate()
    year = fiscal_year(today)
    security = CoursePage.objects.filter(slug=SECURITY_SLUG).first()
    safety = CoursePage.objects.filter(slug=SAFETY_COURSE).first()
    with transaction.atomic():
        requirement = _safety_requirement(safety)
        if (
            security is not None
            and not Cohort.objects.filter(name=COHORT_NAME, fiscal_year=year).exists()
        ):
            _this_year(random.Random(SEED), year, today, security, safety)
    return {
        "requirements": TrainingRequirement.objects.filter(active=True).count(),
        "safety_requirement": int(requirement is not None),
        "cohort_members": CohortMember.objects.filter(cohort__fiscal_year=year).count(),
        "lessons_in_progress": LessonProgress.objects.filter(
            completed_at__date__gte=fiscal_year_dates(year)[0]
        ).count(),
    }


def _safety_requirement(course: CoursePage | None) -> TrainingRequirement | None:
    if course is None:
        return None
    requirement = TrainingRequirement.objects.filter(title=SAFETY_REQUIREMENT).first()
    if requirement is not None:
        return requirement
    requirement = TrainingRequirement.objects.create(
        course=course,
        title=SAFETY_REQUIREMENT,
        all_staff=False,
        due_rule=TrainingRequirement.DueRule.DAYS_AFTER_JOINING,
        due_days=60,
        recurrence=TrainingRequirement.Recurrence.ANNUAL,
    )
    requirement.departments.set(Department.objects.filter(code__in=SAFETY_SECTIONS))
    return requirement


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randint(0, 59)))
    )


def _day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max((last - first).days, 0)))


def _lessons(course: CoursePage | None) -> list[LessonPage]:
    return list(course.lessons()) if course is not None else []


def _this_year(
    rng: random.Random,
    year: int,
    today: dt.date,
    security: CoursePage,
    safety: CoursePage | None,
) -> None:
    start = fiscal_year_dates(year)[0]
    yesterday = today - dt.timedelta(days=1)
    if yesterday < start:  # the first day of the fiscal year: nothing happened yet
        return
    staff = {
        u.email: u
        for u in User.objects.filter(email__in=[staff_identity(n)[0] for n in range(1, STAFF + 1)])
    }
    learner = User.objects.filter(email=LEARNER).first()
    done_this_year = set(
        CourseCompletion.objects.filter(course=security, fiscal_year=year).values_list(
            "user_id", flat=True
        )
    )
    progress: list[LessonProgress] = []
    completions: list[CourseCompletion] = []
    security_lessons = _lessons(security)

    def lessons_done(
        user: User, lessons: list[LessonPage], count: int, *, completed: bool = True
    ) -> None:
        day = _day_between(rng, start, yesterday)
        for lesson in lessons[:count]:
            at = _at(day, rng)
            progress.append(
                LessonProgress(
                    user=user, lesson=lesson, read_at=at, completed_at=at if completed else None
                )
            )

    # 情報セキュリティ研修 受講中: a few lessons done by staff who have not finished this year.
    open_staff = [u for u in staff.values() if u.pk not in done_this_year]
    for user in open_staff[: len(open_staff) // 3]:
        lessons_done(user, security_lessons, rng.randint(2, 10))

    # スマホ安全講座 for the two counter sections: some done, some started, the rest overdue.
    if safety is not None:
        sections = set(
            Department.objects.filter(code__in=SAFETY_SECTIONS).values_list("pk", flat=True)
        )
        counter = sorted(
            (u for u in staff.values() if u.department_id in sections), key=lambda u: u.email
        )
        for user in counter[::2]:
            day = _day_between(rng, start, min(yesterday, start + dt.timedelta(days=55)))
            completions.append(_completion(user, safety, day, rng))

    # This year's 寺子屋ICT cohort: the demo learner and twelve staff along the path.
    by_slug = {c.slug: c for c in CoursePage.objects.filter(slug__in=COHORT_COURSES)}
    path = [by_slug[slug] for slug in COHORT_COURSES if slug in by_slug]
    cohort = Cohort.objects.create(
        name=COHORT_NAME,
        fiscal_year=year,
        description="デモ用の今年度の期です。 / This year's demo cohort.",
    )
    CohortCourse.objects.bulk_create(
        [CohortCourse(cohort=cohort, course=c, sort_order=i) for i, c in enumerate(path)]
    )
    members = sorted(staff.values(), key=lambda u: u.email)[-COHORT_SIZE:]
    if learner is not None:
        members = [learner, *members]
    joined = min(start + dt.timedelta(days=40), yesterday)
    CohortMember.objects.bulk_create(
        [CohortMember(cohort=cohort, user=u, joined_on=joined) for u in members]
    )
    for position, user in enumerate(members[1:] if learner is not None else members):
        for course in path[: position % (len(path) + 1)]:
            completions.append(_completion(user, course, _day_between(rng, joined, yesterday), rng))
    if learner is not None and path:
        completions.append(_completion(learner, path[0], _day_between(rng, joined, yesterday), rng))
        if len(path) > 1:
            # Read, its check not yet passed: 受講中 with nothing finished.
            lessons_done(learner, _lessons(path[1]), 1, completed=False)
        lessons_done(learner, security_lessons, 3)

    LessonProgress.objects.bulk_create(progress, ignore_conflicts=True)
    CourseCompletion.objects.bulk_create(completions)


def _completion(
    user: User, course: CoursePage, day: dt.date, rng: random.Random
) -> CourseCompletion:
    at = _at(day, rng)
    return CourseCompletion(
        user=user,
        course=course,
        course_title=course.title,
        completed_at=at,
        fiscal_year=fiscal_year(at),
        score=float(rng.choice([80, 90, 100])),
    )
