"""マイ学習: a learner's courses in progress, completions and certificates (read-only).

The same reading of the rules as learning.progress.course_progress (which serves one course
page), but for every course the learner has touched at once, in a fixed number of queries
whatever the number of courses and lessons: completions, lesson progress, attempts, saved
H5P states, the courses, their lessons.

A course is *in progress* when the learner has done something in one of its live lessons in
the current cycle (learning.completion.cycle_start: after the latest completion once its
fiscal year is over) and has no completion in the current fiscal year.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING

from django.db.models import Max, Q
from wagtail.models import Page

from courses.models import CourseIndexPage, CoursePage, LessonPage
from learning.certificates import display_code
from learning.fiscal import fiscal_year
from learning.models import ActivityState, Attempt, CourseCompletion, LessonProgress

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class CourseInProgress:
    course: CoursePage
    lessons_done: int
    lessons_total: int
    resume: LessonPage | None
    last_activity: dt.datetime

    @property
    def percent(self) -> int:
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0


@dataclass(frozen=True)
class CertificateItem:
    completion: CourseCompletion
    shown_code: str  # grouped for reading: ACDEF-GHJKM


@dataclass(frozen=True)
class MyLearning:
    in_progress: list[CourseInProgress]
    completions: list[CourseCompletion]
    certificates: list[CertificateItem]
    catalogue: CourseIndexPage | None

    @property
    def empty(self) -> bool:
        return not (self.in_progress or self.completions)


def _parent_path(path: str) -> str:
    return path[: -Page.steplen]


def _latest(*values: dt.datetime | None) -> dt.datetime | None:
    present = [value for value in values if value is not None]
    return max(present) if present else None


def _activity_by_lesson(user: User) -> tuple[dict[int, dt.datetime], dict[int, str], dict]:
    """Return, per lesson the learner touched, the latest activity and the lesson's path.

    Also the learner's LessonProgress rows by lesson id (read and completion times).
    """
    latest: dict[int, dt.datetime] = {}
    paths: dict[int, str] = {}
    progress: dict[int, tuple[dt.datetime | None, dt.datetime | None]] = {}

    def note(lesson_id: int, path: str, when: dt.datetime | None) -> None:
        paths[lesson_id] = path
        if when is not None and (lesson_id not in latest or when > latest[lesson_id]):
            latest[lesson_id] = when

    for lesson_id, path, read_at, completed_at in LessonProgress.objects.filter(
        user=user
    ).values_list("lesson_id", "lesson__path", "read_at", "completed_at"):
        progress[lesson_id] = (read_at, completed_at)
        note(lesson_id, path, _latest(read_at, completed_at))
    for model, field in ((Attempt, "started_at"), (ActivityState, "updated_at")):
        rows = (
            model.objects.filter(user=user)
            .values("lesson_id", "lesson__path")
            .annotate(last=Max(field))
            .values_list("lesson_id", "lesson__path", "last")
        )
        for lesson_id, path, when in rows:
            note(lesson_id, path, when)
    return latest, paths, progress


def learner_overview(user: User) -> MyLearning:
    """Return what マイ学習 shows for the learner (seven queries, however much they did)."""
    completions = list(
        CourseCompletion.objects.filter(user=user)
        .select_related("course")
        .order_by("-completed_at", "-pk")
    )
    latest_completion: dict[int, CourseCompletion] = {}
    for completion in completions:
        if completion.course_id is not None:
            latest_completion.setdefault(completion.course_id, completion)

    latest, paths, progress = _activity_by_lesson(user)
    courses = list(
        CoursePage.objects.live().filter(path__in={_parent_path(p) for p in paths.values()})
    )
    lessons_by_course: dict[str, list[LessonPage]] = {course.path: [] for course in courses}
    if courses:
        children = reduce(
            operator.or_,
            (Q(path__startswith=c.path, depth=c.depth + 1) for c in courses),
        )
        for lesson in LessonPage.objects.live().filter(children).order_by("path"):
            lessons_by_course[_parent_path(lesson.path)].append(lesson)

    this_year = fiscal_year()
    in_progress = []
    for course in courses:
        done_before = latest_completion.get(course.pk)
        if done_before is not None and done_before.fiscal_year == this_year:
            continue  # complete for this fiscal year
        since = done_before.completed_at if done_before is not None else None
        lessons = lessons_by_course[course.path]
        last = _latest(*(latest.get(lesson.pk) for lesson in lessons))
        if last is None or (since is not None and last <= since):
            continue
        done = {
            lesson.pk
            for lesson in lessons
            if (completed_at := progress.get(lesson.pk, (None, None))[1]) is not None
            and (since is None or completed_at > since)
        }
        required = [lesson for lesson in lessons if lesson.required] or lessons
        upcoming = [lesson for lesson in lessons if lesson.pk not in done]
        in_progress.append(
            CourseInProgress(
                course=course,
                lessons_done=sum(1 for lesson in required if lesson.pk in done),
                lessons_total=len(required),
                resume=(upcoming or lessons or [None])[0],
                last_activity=last,
            )
        )
    in_progress.sort(key=lambda item: item.last_activity, reverse=True)

    return MyLearning(
        in_progress=in_progress,
        completions=completions,
        certificates=[
            CertificateItem(c, display_code(c.certificate_code))
            for c in completions
            if c.certificate_code
        ],
        catalogue=CourseIndexPage.objects.live().order_by("path").first(),
    )
