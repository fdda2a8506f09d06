"""The completion rules, all in one place.

- An attempt is *completed* when a top-level statement finishes it (completed or answered, or
  passed/failed); it is *passed* only when its scaled score reaches the course's pass mark, and
  never when the verb is ``failed``. Content without a score (an accordion, a presentation
  without a summary) counts as completed and passed when it reports completion.
- Every attempt is kept. The course's grading method picks which one counts: the best or the
  last finished attempt. An optional attempt limit caps how many attempts may be started.
- A lesson is complete when all its required activities are passed; a lesson without required
  activities when the learner has pressed 読みました.
- A course is complete when all its required live lessons are complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from courses.choices import GradingMethod
from learning.models import Attempt, LessonActivity, LessonProgress

if TYPE_CHECKING:
    from accounts.models import User
    from courses.models import CoursePage, LessonPage
    from learning.models import H5PPackage

FINISHING_VERBS = frozenset({"completed", "answered", "passed", "failed"})
# Verbs that finish informational content (no score) when sent at the top level.
INFORMATIONAL_VERBS = frozenset({"completed", "experienced"})


@dataclass(frozen=True)
class ActivityStatus:
    completed: bool
    passed: bool
    scaled: float | None
    attempts: int


def pass_threshold(course: CoursePage | None) -> float:
    """Return the course pass mark as a fraction (80 % → 0.8)."""
    return (course.pass_mark if course is not None else 100) / 100


def attempt_passes(verb: str, scaled: float | None, course: CoursePage | None) -> bool:
    """Decide whether a finished attempt is passed (scores are self-reported; we judge them)."""
    if verb == "failed":
        return False
    if scaled is None:
        return verb in INFORMATIONAL_VERBS
    return scaled >= pass_threshold(course) - 1e-9


def finishes_attempt(verb: str, has_score: bool) -> bool:
    """Whether a top-level statement with this verb ends the attempt."""
    return verb in FINISHING_VERBS or (verb in INFORMATIONAL_VERBS and not has_score)


def counted_attempt(attempts: list[Attempt], method: str) -> Attempt | None:
    """Return the finished attempt the grading method counts (best or last)."""
    finished = [a for a in attempts if a.completed]
    if not finished:
        return None
    if method == GradingMethod.LAST:
        return max(finished, key=lambda a: a.number)
    return max(finished, key=lambda a: (a.passed, a.scaled if a.scaled is not None else -1))


def evaluate_activity(user: User, lesson: LessonPage, package: H5PPackage) -> ActivityStatus:
    """Return the learner's status in one activity of a lesson."""
    course = lesson.course()
    attempts = list(Attempt.objects.filter(user=user, lesson=lesson, package=package))
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
def evaluate_lesson(user: User, lesson: LessonPage) -> bool:
    """Return whether the lesson is complete for the learner, and record when it became so."""
    activities = required_activities(lesson)
    progress = LessonProgress.objects.filter(user=user, lesson=lesson).first()
    if activities:
        complete = all(evaluate_activity(user, lesson, a.package).passed for a in activities)
    else:
        complete = progress is not None and progress.read_at is not None
    if complete and (progress is None or progress.completed_at is None):
        progress, _created = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
        progress.completed_at = timezone.now()
        progress.save(update_fields=["completed_at"])
    return complete


def evaluate_course(user: User, course: CoursePage) -> bool:
    """Return whether every required live lesson of the course is complete for the learner."""
    lessons = [lesson for lesson in course.lessons() if lesson.required]
    return bool(lessons) and all(evaluate_lesson(user, lesson) for lesson in lessons)


def lesson_has_required_activities(lesson: LessonPage) -> bool:
    return LessonActivity.objects.filter(lesson=lesson, required=True).exists()


@transaction.atomic
def mark_lesson_read(user: User, lesson: LessonPage) -> bool:
    """Record that the learner pressed 読みました; return whether the lesson is now complete.

    Reading completes only lessons without required activities; for the others it is recorded
    but the activities still decide.
    """
    progress, _created = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    if progress.read_at is None:
        progress.read_at = timezone.now()
        progress.save(update_fields=["read_at"])
    return evaluate_lesson(user, lesson)
