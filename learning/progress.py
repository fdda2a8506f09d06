"""What a learner has done in a course, for the course and lesson pages and マイ学習 (read-only).

The rules themselves live in learning.completion; this module only reads their results
(LessonProgress.completed_at, CourseCompletion, the attempts) in a fixed number of queries,
whatever the number of lessons or activities: one page view reads each table once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import router
from django.db.models import Count, Model, OuterRef, QuerySet, Subquery

from accounts.roles import has_role
from base.compiled_sql import CompiledRead
from courses.choices import STAFF_COURSE_ROLES, Audience
from courses.page_cache import cached
from learning.completion import ActivityStatus, counted_pair, grading_method, status_of
from learning.fiscal import fiscal_year
from learning.models import (
    ActivityState,
    Attempt,
    CourseCompletion,
    LessonActivity,
    LessonProgress,
)

if TYPE_CHECKING:
    from accounts.models import User
    from courses.models import CoursePage, LessonPage

UNANSWERED = ActivityStatus(False, False, None, 0)


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
    return course.live_prerequisites()


# The page's reads of the learner's rows run on every lesson and course view: their SQL is
# compiled once per process (base.compiled_sql), the rows become model instances here.


def _columns(model: type[Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _instances(model: type[Model], rows: list[dict], fields: list[str]) -> list:
    """Model instances from compiled rows of ``fields`` (attnames, in concrete-field order)."""
    db = router.db_for_read(model)
    return [model.from_db(db, fields, [row[name] for name in fields]) for row in rows]


COMPLETION_FIELDS = _columns(CourseCompletion)


def _completions_queryset(courses: int, **values: int) -> QuerySet:
    course_ids = [values[f"course{n}"] for n in range(courses)]
    return CourseCompletion.objects.filter(
        user_id=values["user_id"], course_id__in=course_ids
    ).values(*COMPLETION_FIELDS)


_COMPLETIONS = CompiledRead(_completions_queryset, model=CourseCompletion)


def _completions(user: User, course_ids: list[int]) -> dict[int, CourseCompletion]:
    """Return the learner's latest completion of each of the courses, in one query."""
    ids = {f"course{n}": pk for n, pk in enumerate(course_ids)}
    rows = _COMPLETIONS.rows(("completions", len(ids)), len(ids), user_id=user.pk, **ids)
    latest: dict[int, CourseCompletion] = {}
    # Newest first (Meta.ordering): the first row of a course is its latest, as .first() reads.
    for row in _instances(CourseCompletion, rows, COMPLETION_FIELDS):
        latest.setdefault(row.course_id, row)
    return latest


def cycle_from(latest: CourseCompletion | None) -> dt.datetime | None:
    """The learning.completion.cycle_start rule, from the latest completion already read."""
    if latest is None or latest.fiscal_year == fiscal_year():
        return None
    return latest.completed_at


@dataclass
class CourseRecord:
    """The learner's completions of a course and of its live prerequisites (one query)."""

    latest: CourseCompletion | None
    missing_prerequisites: list[CoursePage]

    @property
    def since(self) -> dt.datetime | None:
        return cycle_from(self.latest)


def course_record(user: User, course: CoursePage) -> CourseRecord:
    prerequisites = live_prerequisites(course)
    if not user.is_authenticated:
        return CourseRecord(None, prerequisites)
    latest = _completions(user, [course.pk, *(p.pk for p in prerequisites)])
    return CourseRecord(latest.get(course.pk), [p for p in prerequisites if p.pk not in latest])


def missing_prerequisites(user: User, course: CoursePage) -> list[CoursePage]:
    """Return the live prerequisite courses the learner has not completed (ever)."""
    return course_record(user, course).missing_prerequisites


def course_progress(
    user: User, course: CoursePage, lessons: list[LessonPage] | None = None
) -> CourseProgress:
    """Return the learner's completion, completed lessons (this cycle) and where to go next."""
    lessons = list(course.lessons()) if lessons is None else lessons
    record = course_record(user, course)
    if not user.is_authenticated:
        return CourseProgress(
            completion=None,
            missing_prerequisites=record.missing_prerequisites,
            next_lesson=lessons[0] if lessons else None,
        )
    since = record.since
    completion = record.latest if since is None else None
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
        missing_prerequisites=record.missing_prerequisites,
        next_lesson=(upcoming or lessons or [None])[0],
    )


# --- The lesson page --------------------------------------------------------------------


@dataclass
class LessonRecord:
    """What the lesson page shows of one learner, read in a fixed number of queries.

    ``learner``: whether the visitor may take (and is recorded in) the lesson, the rule of
    may_take; ``statuses`` and ``resume`` are keyed by package id.
    """

    learner: bool
    has_required_activities: bool
    complete: bool = False
    statuses: dict[int, ActivityStatus] = field(default_factory=dict)
    resume: dict[int, str] = field(default_factory=dict)


def may_take(
    user: User, lesson: LessonPage, course: CoursePage | None, missing: Callable[[], bool]
) -> bool:
    """The one rule of who may take (and is recorded in) a lesson, for learning.xapi and the
    lesson page: logged-in, active learners may take live lessons of live courses; staff
    courses need a staff role; a course with prerequisites needs them completed first.

    ``missing`` tells whether prerequisites are missing; it is called last, so the callers
    read the learner's completions only when everything else allows.
    """
    if not (user.is_authenticated and user.is_active and lesson.live):
        return False
    if course is None or not course.live:
        return False
    if course.audience == Audience.STAFF and not has_role(user, *STAFF_COURSE_ROLES):
        return False
    return not missing()


ATTEMPT_FIELDS = _columns(Attempt)
# What learning.completion.status_of and with_attempt read of the counted attempts.
POINTER_FIELDS = ["completed", "passed", "scaled"]


def _latest_attempts_queryset(user_id: int, lesson_id: int) -> QuerySet:
    latest_number = Attempt.objects.filter(
        user_id=user_id, lesson_id=lesson_id, package=OuterRef("package_id")
    ).order_by("-number")
    pointers = [f"{p}__{f}" for p in ("best", "last_finished") for f in POINTER_FIELDS]
    number = Subquery(latest_number.values("number")[:1])
    return (
        Attempt.objects.filter(user_id=user_id, lesson_id=lesson_id, number=number)
        .order_by()
        .values(*ATTEMPT_FIELDS, *pointers)
    )


_LATEST_ATTEMPTS = CompiledRead(_latest_attempts_queryset, model=Attempt)


def _latest_attempts(user_id: int, lesson_id: int) -> dict[int, Attempt]:
    """The learner's latest attempt of each activity of the lesson, with the counted-attempt
    pointers' scores (learning.completion.counted_pair): one row per activity, so the page
    does not grow with the learner's history."""
    rows = _LATEST_ATTEMPTS.rows("latest-attempts", user_id=user_id, lesson_id=lesson_id)
    last = {}
    for row, attempt in zip(rows, _instances(Attempt, rows, ATTEMPT_FIELDS), strict=True):
        for pointer in ("best", "last_finished"):
            pk = row[f"{pointer}_id"]
            if pk is not None:
                fields = [f"{pointer}__{f}" for f in POINTER_FIELDS]
                values = [pk, *(row[f] for f in fields)]
                counted = Attempt.from_db(attempt._state.db, ["id", *POINTER_FIELDS], values)
                setattr(attempt, pointer, counted)
        last[attempt.package_id] = attempt
    return last


def _states_queryset(user_id: int, lesson_id: int) -> QuerySet:
    # The oldest row last, so that it wins as .first() does in resume_state.
    return (
        ActivityState.objects.filter(user_id=user_id, lesson_id=lesson_id)
        .order_by("-id")
        .values("package_id", "state")
    )


_STATES = CompiledRead(_states_queryset, model=ActivityState)


def lesson_record(user: User, lesson: LessonPage) -> LessonRecord:
    """Read the learner's state in every activity of the lesson at once.

    Queries: the lesson's required activities, and for a learner the completions of the
    course and its prerequisites, the latest attempt of each activity with its stored
    counted-attempt pointers (learning.completion.counted_pair), the saved states of the
    lesson (and the lesson's progress row when it has no required activity) — the same for
    1 or 20 blocks and for 1 or 500 attempts.
    """
    required = cached(
        "required-activities",
        lambda: frozenset(
            LessonActivity.objects.filter(lesson=lesson, required=True).values_list(
                "package_id", flat=True
            )
        ),
        lesson.pk,
    )
    course = lesson.course()
    records: list[CourseRecord] = []

    def missing() -> bool:
        records.append(course_record(user, course))
        return bool(records[0].missing_prerequisites)

    if not may_take(user, lesson, course, missing):
        return LessonRecord(learner=False, has_required_activities=bool(required))
    since = records[0].since
    method = grading_method(course)
    last = _latest_attempts(user.pk, lesson.pk)
    if since is None:
        counts = {package_id: attempt.number for package_id, attempt in last.items()}
    else:
        counts = dict(
            Attempt.objects.filter(user=user, lesson=lesson, started_at__gt=since)
            .values("package_id")
            .annotate(n=Count("pk"))
            .values_list("package_id", "n")
        )
    statuses = {}
    for package_id, attempt in last.items():
        n = counts.get(package_id, 0)
        if n == 0:
            # Attempted only in an earlier cycle: nothing counts yet, as before.
            continue
        pair = counted_pair(user, lesson, package_id, attempt, since)
        statuses[package_id] = status_of(pair, method, n)
    # A saved state resumes only while the latest attempt is open (or none was started):
    # learning.player.resume_state.
    resume = {
        row["package_id"]: row["state"]
        for row in _STATES.rows("states", user_id=user.pk, lesson_id=lesson.pk)
        if row["package_id"] not in last or last[row["package_id"]].finished_at is None
    }
    if required:
        complete = all(statuses.get(p, UNANSWERED).passed for p in required)
    else:
        progress = LessonProgress.objects.filter(user=user, lesson=lesson).first()
        complete = (
            progress is not None
            and progress.read_at is not None
            and (since is None or progress.read_at > since)
        )
    return LessonRecord(
        learner=True,
        has_required_activities=bool(required),
        complete=complete,
        statuses=statuses,
        resume=resume,
    )
