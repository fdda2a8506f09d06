"""The learner's part of the course and lesson pages, given to courses through its hooks.

courses sits below learning and imports nothing of it (courses/hooks.py,
docs/architecture.md); learning/wagtail_hooks.py registers these functions. They run while a
GET renders the page, so they only read: a lesson is recorded as complete on the POSTs that
complete it (xAPI statements and 読みました, learning/views.py), never by showing it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from learning.player import lesson_players
from learning.progress import course_progress, lesson_record

if TYPE_CHECKING:
    from django.http import HttpRequest

    from courses.models import CoursePage, LessonPage


def course_page_context(page: CoursePage, request: HttpRequest, context: dict) -> dict:
    """The learner's progress in the course (completion, lessons done, where to go next)."""
    return {"progress": course_progress(request.user, page, context["lessons"])}


def lesson_page_context(page: LessonPage, request: HttpRequest, context: dict) -> dict:
    """The H5P players of the lesson's blocks and whether the learner has completed it."""
    record = lesson_record(request.user, page)
    return {
        "block_players": lesson_players(request, page, record),
        "learner": record.learner,
        "has_required_activities": record.has_required_activities,
        "lesson_complete": record.learner and record.complete,
    }
