"""The completion rules, all in one place.

- An attempt is *completed* when a top-level statement finishes it (completed or answered, or
  passed/failed); it is *passed* only when the server's scaled score (learning/xapi.py,
  learning/h5p/content_types.py) reaches the course's pass mark, and never when the verb is
  ``failed``. In a scored activity only a statement with a score finishes a try. Content the
  server knows to be unscored (an accordion, a presentation without questions) counts as
  completed and passed when it reports completion.
- Every attempt is kept. The course's grading method picks which one counts: the best or the
  last finished attempt. An optional attempt limit caps how many attempts may be started.
  Both candidates are kept as pointers on the learner's latest attempt row (``tally``), so
  reading an activity's status reads one row whatever the learner's history
  (``counted_pair``; recomputed from the attempts only when the cycle changed).
- A lesson is complete when all its required activities are passed; a lesson without required
  activities when the learner has pressed 読みました.
- A course is complete when all its required live lessons are complete. Each completion is
  recorded as a CourseCompletion row (with a certificate code when the course issues
  certificates) and counts for the fiscal year (年度) in which it happened.
- Cycles: once a course has been completed in an earlier fiscal year, only work done after that
  completion counts towards the next one, so yearly recertification means taking the course
  again. Within the fiscal year of the latest completion the course stays complete and no
  second completion is recorded.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from base.compiled_sql import CompiledRead
from courses.choices import GradingMethod
from learning.fiscal import fiscal_year
from learning.models import Attempt, CourseCompletion, LessonActivity, LessonProgress

if TYPE_CHECKING:
    from accounts.models import User
    from courses.models import CoursePage, LessonPage
    from learning.models import H5PPackage

FINISHING_VERBS = frozenset({"completed", "answered", "passed", "failed"})
# Verbs that finish informational content (no score) when sent at the top level.
INFORMATIONAL_VERBS = frozenset({"completed", "experienced"})
# Certificate codes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B look-alikes, so they can be read out by phone.
CERTIFICATE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CERTIFICATE_CODE_LENGTH = 10


@dataclass(frozen=True)
class ActivityStatus:
    completed: bool
    passed: bool
    scaled: float | None
    attempts: int


def pass_threshold(course: CoursePage | None) -> float:
    """Return the course pass mark as a fraction (80 % → 0.8)."""
    return (course.pass_mark if course is not None else 100) / 100


def attempt_passes(
    verb: str, scaled: float | None, course: CoursePage | None, *, scored: bool = True
) -> bool:
    """Decide whether a finished attempt is passed, from the server's scaled score.

    A scored activity passes only with a score at the pass mark; informational completion
    (``completed``/``experienced`` without a score) passes only unscored activities.
    """
    if verb == "failed":
        return False
    if scaled is None:
        return not scored and verb in INFORMATIONAL_VERBS
    return scaled >= pass_threshold(course) - 1e-9


def finishes_attempt(verb: str, has_score: bool, *, scored: bool = True) -> bool:
    """Whether a top-level statement with this verb ends the attempt.

    In a scored activity only a statement with a score (or ``failed``) ends it; the others
    are recorded and leave the try open.
    """
    if scored:
        return verb == "failed" or (verb in FINISHING_VERBS and has_score)
    return verb in FINISHING_VERBS or (verb in INFORMATIONAL_VERBS and not has_score)


def counted_attempt(attempts: list[Attempt], method: str) -> Attempt | None:
    """Return the finished attempt the grading method counts (best or last)."""
    finished = [a for a in attempts if a.completed]
    if not finished:
        return None
    if method == GradingMethod.LAST:
        return max(finished, key=lambda a: a.number)
    return max(finished, key=_rank)


def _rank(attempt: Attempt) -> tuple[bool, float]:
    return (attempt.passed, attempt.scaled if attempt.scaled is not None else -1)


def cycle_start(user: User, course: CoursePage | None) -> dt.datetime | None:
    """Return the moment from which work counts towards the learner's next completion.

    None (all work counts) until the course is completed and during the fiscal year of the
    latest completion; after that year, the time of the latest completion.
    """
    if course is None:
        return None
    latest = (
        CourseCompletion.objects.filter(user=user, course=course)
        .order_by("-completed_at")
        .values_list("completed_at", "fiscal_year")
        .first()
    )
    return cycle_from(latest)


def cycle_from(latest: tuple[dt.datetime, int] | None) -> dt.datetime | None:
    """cycle_start from the latest completion's (completed_at, fiscal_year), if any."""
    if latest is None or latest[0] is None or latest[1] == fiscal_year():
        return None
    return latest[0]


def last_attempt(user: User, lesson: LessonPage, package: H5PPackage) -> Attempt | None:
    """The learner's latest attempt of the activity, with its counted-attempt pointers."""
    return (
        Attempt.objects.filter(user=user, lesson=lesson, package=package)
        .select_related("best", "last_finished")
        .order_by("-number")
        .first()
    )


def counted_pair(
    user: User,
    lesson: LessonPage | int,
    package: H5PPackage | int,
    last: Attempt | None,
    since: dt.datetime | None,
) -> tuple[Attempt | None, Attempt | None]:
    """Return (best, latest finished) attempt in the cycle from ``since``.

    ``last`` is the learner's latest attempt: its pointers hold the pair among the earlier
    attempts, to which it adds itself once finished. When the pointers are for another cycle
    (or the row was made without ``tally``) the pair is computed from the cycle's attempts.
    """
    if last is None:
        return None, None
    if last.tallied and last.cycle_start == since:
        return with_attempt((last.best, last.last_finished), last)
    attempts = Attempt.objects.filter(user=user, lesson=lesson, package=package)
    if since is not None:
        attempts = attempts.filter(started_at__gt=since)
    finished = [a for a in attempts.order_by("number") if a.completed]
    return (
        counted_attempt(finished, GradingMethod.BEST),
        counted_attempt(finished, GradingMethod.LAST),
    )


def with_attempt(
    pair: tuple[Attempt | None, Attempt | None], attempt: Attempt
) -> tuple[Attempt | None, Attempt | None]:
    """The pair once ``attempt`` (later than both) is counted too: it becomes the best only
    when strictly better, so ties keep the earlier one, as counted_attempt does."""
    best, latest = pair
    if attempt.completed:
        if best is None or _rank(attempt) > _rank(best):
            best = attempt
        latest = attempt
    return best, latest


def tally(
    attempt: Attempt,
    pair: tuple[Attempt | None, Attempt | None],
    since: dt.datetime | None,
) -> None:
    """Store on a new attempt the (best, latest finished) pair of the attempts before it."""
    attempt.best, attempt.last_finished = pair
    attempt.cycle_start, attempt.tallied = since, True


def status_of(
    pair: tuple[Attempt | None, Attempt | None], method: str, attempts: int
) -> ActivityStatus:
    """The activity status from (best, latest finished) under the grading method."""
    counted = pair[1] if method == GradingMethod.LAST else pair[0]
    if counted is None:
        return ActivityStatus(False, False, None, attempts)
    return ActivityStatus(True, counted.passed, counted.scaled, attempts)


def attempts_in_cycle(
    user: User,
    lesson: LessonPage,
    package: H5PPackage,
    last: Attempt | None,
    since: dt.datetime | None,
) -> int:
    """How many attempts the learner started in the cycle (attempt numbers have no gaps)."""
    if last is None:
        return 0
    if since is None:
        return last.number
    return Attempt.objects.filter(
        user=user, lesson=lesson, package=package, started_at__gt=since
    ).count()


def grading_method(course: CoursePage | None) -> str:
    return course.grading_method if course is not None else GradingMethod.BEST


def evaluate_activity(
    user: User,
    lesson: LessonPage,
    package: H5PPackage,
    *,
    since: dt.datetime | None | object = ...,
) -> ActivityStatus:
    """Return the learner's status in one activity of a lesson (in the current cycle)."""
    course = lesson.course()
    if since is ...:
        since = cycle_start(user, course)
    last = last_attempt(user, lesson, package)
    pair = counted_pair(user, lesson, package, last, since)
    attempts = attempts_in_cycle(user, lesson, package, last, since)
    return status_of(pair, grading_method(course), attempts)


def required_activities(lesson: LessonPage) -> list[LessonActivity]:
    return list(
        LessonActivity.objects.filter(lesson=lesson, required=True).select_related("package")
    )


@dataclass
class LessonState:
    """A lesson's completion for the learner in a cycle, and its progress row (if any)."""

    complete: bool
    progress: LessonProgress | None
    statuses: list[ActivityStatus]


def lesson_states(
    user: User,
    lessons: Sequence[LessonPage | LessonRow],
    since: dt.datetime | None,
    method: str,
    *,
    known: dict[tuple[int, int], ActivityStatus] | None = None,
    progress: dict[int, LessonProgress] | None = None,
) -> dict[int, LessonState]:
    """Return the state of each lesson in the cycle from ``since``, in three queries.

    ``known``: statuses already in hand, keyed by (lesson id, package id) (the activity a
    statement has just finished); ``progress``: the progress rows by lesson id, when read
    already.
    """
    if not lessons:
        return {}
    known = known or {}
    ids = [lesson.pk for lesson in lessons]
    latest = Attempt.objects.filter(
        user=user, lesson=OuterRef("lesson_id"), package=OuterRef("package_id")
    ).order_by("-number")
    # (lesson id, package id, latest attempt id) rows: no model instances to build.
    activities = list(
        LessonActivity.objects.filter(lesson_id__in=ids, required=True)
        .annotate(last_id=Subquery(latest.values("pk")[:1]))
        .order_by("lesson_id", "sort_order", "pk")
        .values_list("lesson_id", "package_id", "last_id")
    )
    wanted = [
        last_id
        for lesson_id, package_id, last_id in activities
        if last_id is not None and (lesson_id, package_id) not in known
    ]
    lasts = (
        Attempt.objects.select_related("best", "last_finished").in_bulk(wanted) if wanted else {}
    )
    if progress is None:
        rows = LessonProgress.objects.filter(user=user, lesson_id__in=ids)
        progress = {p.lesson_id: p for p in rows}
    by_lesson: dict[int, list[ActivityStatus]] = {pk: [] for pk in ids}
    for lesson_id, package_id, last_id in activities:
        status = known.get((lesson_id, package_id))
        if status is None:
            last = lasts.get(last_id)
            pair = counted_pair(user, lesson_id, package_id, last, since)
            status = status_of(pair, method, last.number if last else 0)
        by_lesson[lesson_id].append(status)
    states = {}
    for pk in ids:
        row = progress.get(pk)
        statuses = by_lesson[pk]
        if statuses:
            complete = all(status.passed for status in statuses)
        else:
            complete = (
                row is not None
                and row.read_at is not None
                and (since is None or row.read_at > since)
            )
        states[pk] = LessonState(complete, row, statuses)
    return states


def record_lesson(
    user: User, lesson_id: int, state: LessonState, since: dt.datetime | None
) -> None:
    """Record when a complete lesson became so (once per cycle)."""
    progress = state.progress
    stale = progress is None or progress.completed_at is None
    if not stale and since is not None:
        stale = progress.completed_at <= since
    if not (state.complete and stale):
        return
    now = timezone.now()
    if progress is None:
        # Read under the learner's lock; a 読みました racing in makes this fail on the unique
        # constraint and the statement is tried again (learning.xapi.record_statement).
        state.progress = LessonProgress.objects.create(
            user=user, lesson_id=lesson_id, completed_at=now
        )
        return
    progress.completed_at = now
    progress.save(update_fields=["completed_at"])
    state.progress = progress


@transaction.atomic
def evaluate_lesson(
    user: User, lesson: LessonPage, *, since: dt.datetime | None | object = ...
) -> bool:
    """Return whether the lesson is complete for the learner, and record when it became so.

    Called on the POSTs that can complete a lesson (xAPI statements, 読みました) and by
    evaluate_course; a page that only shows the state uses lesson_is_complete.
    """
    course = lesson.course()
    if since is ...:
        since = cycle_start(user, course)
    state = lesson_states(user, [lesson], since, grading_method(course))[lesson.pk]
    record_lesson(user, lesson.pk, state, since)
    return state.complete


def lesson_is_complete(
    user: User, lesson: LessonPage, *, since: dt.datetime | None | object = ...
) -> bool:
    """Return whether the lesson is complete for the learner, recording nothing (for GETs)."""
    course = lesson.course()
    if since is ...:
        since = cycle_start(user, course)
    return lesson_states(user, [lesson], since, grading_method(course))[lesson.pk].complete


@dataclass(frozen=True)
class LessonRow:
    """A live lesson of a course as evaluate_course_locked reads it, with the learner's progress."""

    pk: int
    required: bool
    progress_id: int | None
    progress_read_at: dt.datetime | None
    progress_completed_at: dt.datetime | None


@dataclass(frozen=True)
class CourseVerdict:
    """What evaluate_course_locked decided: the completion that stands (a new one, or the id of
    this fiscal year's) and whether the lesson it was asked about is complete."""

    completion: CourseCompletion | None
    completion_id: int | None
    lesson_complete: bool | None = None


def _learner_lock_query(*, user_id: int):
    return get_user_model().objects.select_for_update().filter(pk=user_id).values("pk")[:1]


def _latest_completion_query(*, user_id: int, course_id: int):
    return (
        CourseCompletion.objects.filter(user_id=user_id, course_id=course_id)
        .order_by("-completed_at", "-pk")
        .values("pk", "completed_at", "fiscal_year")[:1]
    )


@functools.cache
def _lock_reads() -> tuple[CompiledRead, CompiledRead]:
    """lock_learner's two reads, their SQL compiled once per process (base.compiled_sql)."""
    return (
        CompiledRead(_learner_lock_query, model=get_user_model(), for_write=True),
        CompiledRead(_latest_completion_query, model=CourseCompletion, for_write=True),
    )


def lock_learner(
    user: User, course: CoursePage | None = None
) -> tuple[int, dt.datetime, int] | None:
    """Take the learner's row lock (inside a transaction): completions are decided under it.

    With a course, then read the learner's latest completion of it, as
    (id, completed_at, fiscal_year), or None. Not in the locking query: that one's snapshot
    is taken before it waits for the lock, so it would miss a completion recorded meanwhile.
    """
    lock, latest = _lock_reads()
    lock.run("learner-lock", user_id=user.pk)
    if course is None:
        return None
    row = latest.run("latest-completion", user_id=user.pk, course_id=course.pk)
    return None if row is None else (row["pk"], row["completed_at"], row["fiscal_year"])


def evaluate_course(user: User, course: CoursePage) -> CourseCompletion | None:
    """Return the learner's completion of the course for now, recording a new one if due.

    A new CourseCompletion is recorded when every required live lesson is complete in the
    current cycle (see the module docstring); during the fiscal year of the latest completion,
    that completion is returned as it is.
    """
    with transaction.atomic():
        # Two requests finishing the last lessons together (two activities on one page, two
        # tabs) must record one completion: lock the learner's row, as ingest_statement does.
        verdict = evaluate_course_locked(user, course, lock_learner(user, course))
    if verdict.completion is not None or verdict.completion_id is None:
        return verdict.completion
    return CourseCompletion.objects.get(pk=verdict.completion_id)


def evaluate_course_locked(
    user: User,
    course: CoursePage,
    latest: tuple[int, dt.datetime, int] | None,
    *,
    lesson: LessonPage | None = None,
    known: dict[tuple[int, int], ActivityStatus] | None = None,
) -> CourseVerdict:
    """Evaluate the course (and ``lesson`` of it) under the learner's lock, in a fixed number
    of queries; ``latest`` is lock_learner's reading of the latest completion.

    The lesson is evaluated (and recorded) in the current cycle; the course only when the
    lesson is complete (or no lesson is given), as the xAPI endpoint and 読みました do.
    """
    current = latest is not None and latest[2] == fiscal_year()
    since = None if latest is None or current else latest[1]
    progress = LessonProgress.objects.filter(user=user, lesson=OuterRef("pk"))
    # The lessons as (pk, required) with the learner's progress: rows, not pages, whose
    # building was most of this read's time.
    lessons = [
        LessonRow(**row)
        for row in course.lessons().values(
            "pk",
            "required",
            progress_id=Subquery(progress.values("pk")[:1]),
            progress_read_at=Subquery(progress.values("read_at")[:1]),
            progress_completed_at=Subquery(progress.values("completed_at")[:1]),
        )
    ]
    rows = {
        page.pk: LessonProgress(
            pk=page.progress_id,
            user=user,
            lesson_id=page.pk,
            read_at=page.progress_read_at,
            completed_at=page.progress_completed_at,
        )
        for page in lessons
        if page.progress_id is not None
    }
    required = [page for page in lessons if page.required]
    wanted = list(required)
    if lesson is not None and all(page.pk != lesson.pk for page in wanted):
        wanted.append(lesson)
        rows.update(
            (p.lesson_id, p) for p in LessonProgress.objects.filter(user=user, lesson=lesson)
        )
    states = lesson_states(user, wanted, since, course.grading_method, known=known, progress=rows)
    lesson_complete = None
    if lesson is not None:
        state = states[lesson.pk]
        record_lesson(user, lesson.pk, state, since)
        lesson_complete = state.complete
        if not lesson_complete:
            return CourseVerdict(None, None, False)
    if current:
        return CourseVerdict(None, latest[0], lesson_complete)
    # As evaluate_lesson for each required lesson in turn, up to the first incomplete one.
    for page in required:
        if not states[page.pk].complete:
            return CourseVerdict(None, None, lesson_complete)
        record_lesson(user, page.pk, states[page.pk], since)
    if not required:
        return CourseVerdict(None, None, lesson_complete)
    scores = [
        status.scaled
        for page in required
        for status in states[page.pk].statuses
        if status.scaled is not None
    ]
    score = round(100 * sum(scores) / len(scores), 1) if scores else None
    done = record_completion(user, course, required, since=since, score=score)
    return CourseVerdict(done, done.pk, lesson_complete)


def completion_score(
    user: User, lessons: list[LessonPage], since: dt.datetime | None
) -> float | None:
    """Return the mean score (%) of the counted attempts of the lessons' required activities."""
    course = lessons[0].course() if lessons else None
    states = lesson_states(user, lessons, since, grading_method(course))
    scores = [
        status.scaled
        for state in states.values()
        for status in state.statuses
        if status.scaled is not None
    ]
    return round(100 * sum(scores) / len(scores), 1) if scores else None


def new_certificate_code() -> str:
    """Return a random certificate verification code (unambiguous letters and digits)."""
    return "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(CERTIFICATE_CODE_LENGTH))


def record_completion(
    user: User,
    course: CoursePage,
    lessons: Sequence[LessonPage | LessonRow],
    *,
    since: dt.datetime | None,
    score: float | None | object = ...,
) -> CourseCompletion:
    """Store one completion of the course (called by evaluate_course only).

    ``lessons``: the required lessons; pages when ``score`` is not given (it is computed).
    """
    now = timezone.now()
    if score is ...:
        score = completion_score(user, lessons, since)
    fields = {
        "user": user,
        "course": course,
        "course_title": course.title,
        "completed_at": now,
        "fiscal_year": fiscal_year(now),
        "score": score,
    }
    if not course.certificate:
        # No code, so nothing can collide: no savepoint needed.
        return CourseCompletion.objects.create(**fields)
    for _try in range(5):
        try:
            with transaction.atomic():
                return CourseCompletion.objects.create(
                    **fields, certificate_code=new_certificate_code()
                )
        except IntegrityError:
            # A code collision (1 in 25^10) — draw another.
            continue
    raise RuntimeError("could not draw a unique certificate code")


def lesson_has_required_activities(lesson: LessonPage) -> bool:
    return LessonActivity.objects.filter(lesson=lesson, required=True).exists()


@transaction.atomic
def mark_lesson_read(user: User, lesson: LessonPage) -> bool:
    """Record that the learner pressed 読みました; return whether the lesson is now complete.

    Reading completes only lessons without required activities; for the others it is recorded
    but the activities still decide.
    """
    progress, _created = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    since = cycle_start(user, lesson.course())
    if progress.read_at is None or (since is not None and progress.read_at <= since):
        progress.read_at = timezone.now()
        progress.save(update_fields=["read_at"])
    complete = evaluate_lesson(user, lesson, since=since)
    course = lesson.course()
    if complete and course is not None:
        evaluate_course(user, course)
    return complete
