"""Builders for the mandatory-training tests: staff, requirements, completions, activity."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group

from accounts.models import Department, User
from accounts.roles import GROUP_NAMES, Role
from courses.models import CoursePage
from learning.fiscal import fiscal_year
from learning.models import CourseCompletion, LessonProgress
from tests.learning.lesson_support import course as make_course
from tests.learning.lesson_support import lesson as make_lesson
from training.models import TrainingRequirement

TOKYO = ZoneInfo("Asia/Tokyo")
_counter = iter(range(1, 1_000_000))


def tokyo(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TOKYO)


def department(code: str, name: str = "", parent: Department | None = None) -> Department:
    return Department.objects.create(code=code, name=name or f"課{code}", parent=parent)


def staff(
    dept: Department | None = None,
    *,
    joined: dt.date = dt.date(2020, 4, 1),
    since: dt.date | None = None,
    role: Role | None = Role.STAFF,
    email: str | None = None,
    **fields,
) -> User:
    """A staff member whose account and department date are in the past (``joined``)."""
    n = next(_counter)
    user = User.objects.create_user(
        email=email if email is not None else f"staff{n}@example.jp",
        last_name=fields.pop("last_name", "豊島"),
        first_name=fields.pop("first_name", f"職員{n}"),
        last_name_kana=fields.pop("last_name_kana", f"トシマ{n:05d}"),
        department=dept,
        department_since=since or (joined if dept else None),
        date_joined=dt.datetime.combine(joined, dt.time(9), tzinfo=TOKYO),
        **fields,
    )
    if role is not None:
        user.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[role])[0])
    return user


def course_with_lesson(slug: str = "security", title: str = "情報セキュリティ研修") -> CoursePage:
    page = make_course(slug, title=title)
    make_lesson(page, f"{slug}-1", title="第1回")
    return CoursePage.objects.get(pk=page.pk)


def requirement(course: CoursePage, **fields) -> TrainingRequirement:
    fields.setdefault("due_rule", TrainingRequirement.DueRule.FIXED_DATE)
    if fields["due_rule"] == TrainingRequirement.DueRule.FIXED_DATE:
        fields.setdefault("due_month", 9)
        fields.setdefault("due_day", 30)
    departments = fields.pop("departments", [])
    roles = fields.pop("roles", [])
    people = fields.pop("people", [])
    req = TrainingRequirement.objects.create(course=course, **fields)
    req.departments.set(departments)
    req.roles.set([Group.objects.get_or_create(name=GROUP_NAMES[r])[0] for r in roles])
    req.people.set(people)
    return req


def complete(user: User, course: CoursePage, when: dt.datetime, score: float | None = 90.0):
    return CourseCompletion.objects.create(
        user=user,
        course=course,
        course_title=course.title,
        completed_at=when,
        fiscal_year=fiscal_year(when),
        score=score,
    )


def read_lesson(user: User, course: CoursePage, when: dt.datetime) -> LessonProgress:
    lesson = course.lessons().first()
    return LessonProgress.objects.create(user=user, lesson=lesson, read_at=when)
