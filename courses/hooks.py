"""The course pages' extension points for the apps above courses.

courses (the content) sits below learning (what people did with it) in the import graph
(docs/architecture.md): the page models import nothing of learning. What a page shows of the
signed-in learner (progress, the H5P players, the lesson's 修了 state) comes from functions that
an app above registers as Wagtail hooks, in its ``wagtail_hooks.py``::

    @hooks.register(LESSON_PAGE_CONTEXT)
    def add_learner(page, request, context) -> dict: ...

Each function gets the page, the request and the context built so far, and returns the values
to add (a dict). They run while a GET renders the page, so they only read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wagtail import hooks

if TYPE_CHECKING:
    from django.http import HttpRequest
    from wagtail.models import Page

# CoursePage: the context has ``lessons`` (the live lessons, in order); learning adds
# ``progress``.
COURSE_PAGE_CONTEXT = "courses_course_page_context"
# LessonPage: learning adds ``learner``, ``has_required_activities``, ``lesson_complete`` and
# ``block_players`` (block id → the H5P player of that block), which the page turns into
# ``body_blocks``.
LESSON_PAGE_CONTEXT = "courses_lesson_page_context"


def context_from_hooks(hook_name: str, page: Page, request: HttpRequest, context: dict) -> dict:
    """Return what the functions registered for ``hook_name`` add to a page's context."""
    extra: dict[str, Any] = {}
    for add in hooks.get_hooks(hook_name):
        extra.update(add(page, request, context) or {})
    return extra
