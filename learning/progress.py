"""What a learner has done in a course, for the course page and マイ学習 (read-only).

The rules themselves live in learning.completion; this module only reads their results
(LessonProgress.completed_at, CourseCompletion) in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from learning.completion import cycle_start
from learning.models import CourseCompletion, LessonProgress

if TYPE_CHECKING:
    from accounts.models import User
    from courses.models import CoursePage, LessonPage


@dataclass
class CourseProgress:
    completion: CourseCompletion | None
    completed_lesson_ids: set[int] = field(default_factory=set)
    missing_prerequisites: list[CoursePage] = field(default_factory=list)
    next_lesson: LessonPage | None = None

    @property
    def complete(self) -> bool:
        return self.completion is not None


def live_prerequisites(course: CoursePage) -> list[CoursePage]:
    """Return the course's live prerequisite courses as stored (not an unsaved draft's)."""
    from courses.models import CoursePage

    return list(CoursePage.objects.live().filter(required_for=course.pk).order_by("path"))


def missing_prerequisites(user: User, course: CoursePage) -> list[CoursePage]:
    """Return the live prerequisite courses the learner has not completed (ever)."""
    prerequisites = live_prerequisites(course)
    if not prerequisites or not user.is_authenticated:
        return prerequisites
    done = set(
        CourseCompletion.objects.filter(
            user=user, course__in=[p.pk for p in prerequisites]
        ).values_list("course_id", flat=True)
    )
    return [p for p in prerequisites if p.pk not in done]


def course_progress(
    user: User, course: CoursePage, lessons: list[LessonPage] | None = None
) -> CourseProgress:
    """Return the learner's completion, completed lessons (this cycle) and where to go next."""
    lessons = list(course.lessons()) if lessons is None else lessons
    if not user.is_authenticated:
        return CourseProgress(
            completion=None,
            missing_prerequisites=live_prerequisites(course),
            next_lesson=lessons[0] if lessons else None,
        )
    since: dt.datetime | None = cycle_start(user, course)
    completion = None if since is not None else course.completions.filter(user=user).first()
    rows = LessonProgress.objects.filter(
        user=user, lesson__in=[lesson.pk for lesson in lessons], completed_at__isnull=False
    )
    if since is not None:
        rows = rows.filter(completed_at__gt=since)
    done = set(rows.values_list("lesson_id", flat=True))
    upcoming = [lesson for lesson in lessons if lesson.pk not in done]
    return CourseProgress(
        completion=completion,
        completed_lesson_ids=done,
        missing_prerequisites=missing_prerequisites(user, course),
        next_lesson=(upcoming or lessons or [None])[0],
    )
