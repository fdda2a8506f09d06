"""The learner's part of the course and lesson pages, given to courses through its hooks.

courses sits below learning and imports nothing of it (courses/hooks.py,
docs/architecture.md); learning/wagtail_hooks.py registers these functions. They run while a
GET renders the page, so they only read: a lesson is recorded as complete on the POSTs that
complete it (xAPI statements and 読みました, learning/views.py), never by showing it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from learning import completion
from learning.player import lesson_players
from learning.progress import course_progress
from learning.xapi import may_take_lesson

if TYPE_CHECKING:
    from django.http import HttpRequest

    from courses.models import CoursePage, LessonPage


def course_page_context(page: CoursePage, request: HttpRequest, context: dict) -> dict:
    """The learner's progress in the course (completion, lessons done, where to go next)."""
    return {"progress": course_progress(request.user, page, context["lessons"])}


def lesson_page_context(page: LessonPage, request: HttpRequest, context: dict) -> dict:
    """The H5P players of the lesson's blocks and whether the learner has completed it."""
    players = lesson_players(request, page)
    learner = may_take_lesson(request.user, page)
    return {
        "block_players": players,
        "learner": learner,
        "has_required_activities": completion.lesson_has_required_activities(page),
        "lesson_complete": learner and completion.lesson_is_complete(request.user, page),
    }
