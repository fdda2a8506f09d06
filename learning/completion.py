"""The completion rules, all in one place.

- An attempt is *completed* when a top-level statement finishes it (completed or answered, or
  passed/failed); it is *passed* only when the server's scaled score (learning/xapi.py,
  learning/h5p/content_types.py) reaches the course's pass mark, and never when the verb is
  ``failed``. In a scored activity only a statement with a score finishes a try. Content the
  server knows to be unscored (an accordion, a presentation without questions) counts as
  completed and passed when it reports completion.
- Every attempt is kept. The course's grading method picks which one counts: the best or the
  last finished attempt. An optional attempt limit caps how many attempts may be started.
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
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

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
    return max(finished, key=lambda a: (a.passed, a.scaled if a.scaled is not None else -1))


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
    if latest is None or latest[1] == fiscal_year():
        return None
    return latest[0]


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
    attempts = Attempt.objects.filter(user=user, lesson=lesson, package=package)
    if since is not None:
        attempts = attempts.filter(started_at__gt=since)
    attempts = list(attempts)
    method = course.grading_method if course is not None else GradingMethod.BEST
    counted = counted_attempt(attempts, method)
    if counted is None:
        return ActivityStatus(False, False, None, len(attempts))
    return ActivityStatus(True, counted.passed, counted.scaled, len(attempts))


def required_activities(lesson: LessonPage) -> list[LessonActivity]:
    return list(
        LessonActivity.objects.filter(lesson=lesson, required=True).select_related("package")
    )


@transaction.atomic
def evaluate_lesson(
    user: User, lesson: LessonPage, *, since: dt.datetime | None | object = ...
) -> bool:
    """Return whether the lesson is complete for the learner, and record when it became so.

    Called on the POSTs that can complete a lesson (xAPI statements, 読みました) and by
    evaluate_course; a page that only shows the state uses lesson_is_complete.
    """
    if since is ...:
        since = cycle_start(user, lesson.course())
    complete, progress = _lesson_state(user, lesson, since)
    stale = progress is None or progress.completed_at is None
    if not stale and since is not None:
        stale = progress.completed_at <= since
    if complete and stale:
        progress, _created = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
        progress.completed_at = timezone.now()
        progress.save(update_fields=["completed_at"])
    return complete


def lesson_is_complete(
    user: User, lesson: LessonPage, *, since: dt.datetime | None | object = ...
) -> bool:
    """Return whether the lesson is complete for the learner, recording nothing (for GETs)."""
    if since is ...:
        since = cycle_start(user, lesson.course())
    return _lesson_state(user, lesson, since)[0]


def _lesson_state(
    user: User, lesson: LessonPage, since: dt.datetime | None
) -> tuple[bool, LessonProgress | None]:
    """Return whether the lesson is complete in the cycle from ``since``, and the progress row."""
    activities = required_activities(lesson)
    progress = LessonProgress.objects.filter(user=user, lesson=lesson).first()
    if activities:
        complete = all(
            evaluate_activity(user, lesson, a.package, since=since).passed for a in activities
        )
    else:
        complete = (
            progress is not None
            and progress.read_at is not None
            and (since is None or progress.read_at > since)
        )
    return complete, progress


def evaluate_course(user: User, course: CoursePage) -> CourseCompletion | None:
    """Return the learner's completion of the course for now, recording a new one if due.

    A new CourseCompletion is recorded when every required live lesson is complete in the
    current cycle (see the module docstring); during the fiscal year of the latest completion,
    that completion is returned as it is.
    """
    with transaction.atomic():
        # Two requests finishing the last lessons together (two activities on one page, two
        # tabs) must record one completion: lock the learner's row, as ingest_statement does.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        return _evaluate_course_locked(user, course)


def _evaluate_course_locked(user: User, course: CoursePage) -> CourseCompletion | None:
    latest = CourseCompletion.objects.filter(user=user, course=course).first()
    if latest is not None and latest.fiscal_year == fiscal_year():
        return latest
    since = latest.completed_at if latest is not None else None
    lessons = [lesson for lesson in course.lessons() if lesson.required]
    if not lessons or not all(evaluate_lesson(user, lesson, since=since) for lesson in lessons):
        return None
    return record_completion(user, course, lessons, since=since)


def completion_score(
    user: User, lessons: list[LessonPage], since: dt.datetime | None
) -> float | None:
    """Return the mean score (%) of the counted attempts of the lessons' required activities."""
    scores = []
    for lesson in lessons:
        for activity in required_activities(lesson):
            status = evaluate_activity(user, lesson, activity.package, since=since)
            if status.scaled is not None:
                scores.append(status.scaled)
    return round(100 * sum(scores) / len(scores), 1) if scores else None


def new_certificate_code() -> str:
    """Return a random certificate verification code (unambiguous letters and digits)."""
    return "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(CERTIFICATE_CODE_LENGTH))


def record_completion(
    user: User, course: CoursePage, lessons: list[LessonPage], *, since: dt.datetime | None
) -> CourseCompletion:
    """Store one completion of the course (called by evaluate_course only)."""
    now = timezone.now()
    score = completion_score(user, lessons, since)
    for _try in range(5):
        code = new_certificate_code() if course.certificate else None
        try:
            with transaction.atomic():
                return CourseCompletion.objects.create(
                    user=user,
                    course=course,
                    course_title=course.title,
                    completed_at=now,
                    fiscal_year=fiscal_year(now),
                    score=score,
                    certificate_code=code,
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
