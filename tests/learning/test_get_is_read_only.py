"""A GET never writes: the course and lesson pages only read the learner's records.

A lesson's completion is recorded on the POSTs that complete it (xAPI statements and
読みました); the pages show what the rules say now, through learning/course_pages.py.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from learning.models import CourseCompletion, LessonActivity, LessonProgress
from tests.learning.lesson_support import course, h5p_block, lesson, package

pytestmark = pytest.mark.django_db

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if WRITE.match(q["sql"])]


def _records() -> tuple[list, int]:
    progress = list(LessonProgress.objects.values_list("lesson_id", "read_at", "completed_at"))
    return progress, CourseCompletion.objects.count()


def test_a_learners_get_of_a_lesson_that_has_become_complete_writes_nothing(client, make_user):
    learner = make_user(None)
    parent = course()
    page = lesson(parent, "l1", [h5p_block(package(title="クイズ"))])
    client.force_login(learner)
    # 読みました is recorded; the required quiz still decides, so the lesson is not complete.
    client.post(reverse("learning:read", args=[page.pk]))
    assert LessonProgress.objects.get().completed_at is None
    # An editor makes the quiz optional: by the rules the lesson is now complete (it was read).
    LessonActivity.objects.filter(lesson=page).update(required=False)
    before = _records()

    with CaptureQueriesContext(connection) as queries:
        response = client.get(page.url)

    assert response.status_code == 200
    assert _writes(queries) == []
    assert _records() == before
    # The page still shows what the rules say now.
    assert response.context["learner"] and response.context["lesson_complete"]
    assert "修了しました" in response.content.decode()


def test_a_learners_get_of_a_course_page_writes_nothing(client, make_user):
    learner = make_user(None)
    parent = course()
    reading = lesson(parent, "l1")
    client.force_login(learner)
    client.post(reverse("learning:read", args=[reading.pk]))
    assert CourseCompletion.objects.count() == 1
    before = _records()

    with CaptureQueriesContext(connection) as queries:
        response = client.get(parent.url)
        lesson_response = client.get(reading.url)

    assert response.status_code == lesson_response.status_code == 200
    assert _writes(queries) == []
    assert _records() == before
    assert response.context["progress"].complete
    assert reading.pk in response.context["progress"].completed_lesson_ids
    assert lesson_response.context["lesson_complete"]
