"""Two statements of one learner at the same moment start one attempt, not two (PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from learning.models import Attempt, XapiStatement
from learning.xapi import ingest_statement
from tests.learning.lesson_support import course, h5p_block, lesson, package, statement

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
    ),
]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_statements_share_one_attempt(make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    quiz = package("true-false-hello-world.h5p", title="正誤問題")
    page = lesson(course(pass_mark=80), "l1", [h5p_block(quiz)])
    learner = make_user(None)
    barrier = threading.Barrier(4)

    def send(_n: int):
        try:
            barrier.wait()
            return ingest_statement(learner, page, statement(quiz, "interacted"))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(send, range(4)))

    assert len(results) == 4
    assert XapiStatement.objects.filter(user=learner).count() == 4
    assert Attempt.objects.filter(user=learner).count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_course_evaluations_record_one_completion(make_user, settings, tmp_path):
    from learning.completion import evaluate_course, mark_lesson_read
    from learning.models import CourseCompletion

    settings.MEDIA_ROOT = tmp_path / "media"
    parent = course(certificate=True)
    reading = lesson(parent, "l1")
    learner = make_user(None)
    mark_lesson_read(learner, reading)
    CourseCompletion.objects.all().delete()  # as if the two requests below finished it
    barrier = threading.Barrier(4)

    def evaluate(_n: int):
        try:
            barrier.wait()
            return evaluate_course(learner, parent)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(evaluate, range(4)))

    assert CourseCompletion.objects.filter(user=learner).count() == 1
    assert len({completion.pk for completion in results}) == 1
