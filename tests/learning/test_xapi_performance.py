"""xAPI ingestion in a fixed number of queries, whatever the learner's history (issue 12).

Counted through the endpoint as the player sends them (session, CSRF, launch), BEGIN and
COMMIT included, as bench/xapi_ingest.py --in-process does.
"""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from courses.choices import Audience, GradingMethod
from learning.completion import counted_attempt, evaluate_activity
from learning.models import Attempt, CourseCompletion, LessonProgress
from learning.player import make_launch
from tests.learning.lesson_support import (
    course,
    h5p_block,
    lesson,
    package,
    statement,
    true_false_answer,
)

pytestmark = pytest.mark.django_db

# Session, the user with their roles and second factor (accounts.backends), lesson with
# activity and package, BEGIN, the locked latest attempt (with the learner's cycle and saved
# state), the statement, COMMIT; the course with its prerequisites comes from the shared cache.
OPEN_STATEMENT_QUERIES = 7
# ... and the new attempt's INSERT.
OPENING_STATEMENT_QUERIES = 8
# A statement that finishes a try and completes the lesson and the course: the above, the
# learner's lock, the latest completion, the course's lessons with progress, their required
# activities with the latest attempts, the lesson's progress and the completion (the lock is
# a query of its own: see test_xapi_concurrency). The learner's very first try of an
# activity reads the cycle in a query of its own (no attempt to read it with): one more.
COMPLETING_STATEMENT_QUERIES = 14


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # rate-limit counters


@pytest.fixture
def quiz():
    return package("true-false-hello-world.h5p", title="正誤問題")


@pytest.fixture
def staff_lesson(quiz):
    return lesson(course("staff", pass_mark=80, audience=Audience.STAFF), "l1", [h5p_block(quiz)])


@pytest.fixture
def learner(client, make_user):
    user = make_user(Role.STAFF)
    client.force_login(user)
    return user


def _queries(client, page, pkg, data) -> int:
    """POST as lesson_support.post_statement does, counting only the request's queries."""
    user = get_user_model().objects.get(pk=client.session["_auth_user_id"])
    launch = make_launch(user, page, pkg)
    url = reverse("learning:xapi", args=[page.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            url, json.dumps(data), content_type="application/json", HTTP_X_H5P_LAUNCH=launch
        )
    assert response.status_code == 201, response.content
    return len(queries)


def _answer(client, page, pkg, right: bool) -> int:
    return _queries(client, page, pkg, true_false_answer(pkg, right=right))


def test_a_statement_that_leaves_the_attempt_open_takes_few_queries(
    client, learner, staff_lesson, quiz
):
    _answer(client, staff_lesson, quiz, right=False)
    opening = _queries(client, staff_lesson, quiz, statement(quiz, "interacted"))
    following = _queries(client, staff_lesson, quiz, statement(quiz, "interacted"))
    assert opening <= OPENING_STATEMENT_QUERIES
    assert following <= OPEN_STATEMENT_QUERIES


def test_a_statement_completing_attempt_lesson_and_course_takes_few_queries(
    client, learner, staff_lesson, quiz
):
    first = _answer(client, staff_lesson, quiz, right=False)
    assert first <= COMPLETING_STATEMENT_QUERIES + 1
    count = _answer(client, staff_lesson, quiz, right=True)
    assert count <= COMPLETING_STATEMENT_QUERIES
    assert LessonProgress.objects.get(user=learner).completed_at is not None
    assert CourseCompletion.objects.filter(user=learner).count() == 1


def test_queries_do_not_grow_with_the_learners_history(client, learner, staff_lesson, quiz):
    _answer(client, staff_lesson, quiz, right=True)  # the course is complete from here on
    early = [_answer(client, staff_lesson, quiz, right=n % 2 == 0) for n in range(2)]
    for n in range(6):
        _answer(client, staff_lesson, quiz, right=n % 2 == 0)
    late = [_answer(client, staff_lesson, quiz, right=n % 2 == 0) for n in range(2)]
    assert Attempt.objects.filter(user=learner).count() == 11
    assert late == early
    opening_early = _queries(client, staff_lesson, quiz, statement(quiz, "interacted"))
    _answer(client, staff_lesson, quiz, right=False)
    for _n in range(5):
        _answer(client, staff_lesson, quiz, right=False)
    opening_late = _queries(client, staff_lesson, quiz, statement(quiz, "interacted"))
    assert opening_late == opening_early


@pytest.mark.parametrize("method", [GradingMethod.BEST, GradingMethod.LAST])
def test_the_counted_attempt_is_kept_as_each_try_finishes(client, learner, quiz, method):
    page = lesson(
        course("m", pass_mark=80, audience=Audience.STAFF, grading_method=method),
        "l1",
        [h5p_block(quiz)],
    )
    for right in (False, True, False, False):
        _answer(client, page, quiz, right=right)
    status = evaluate_activity(learner, page, quiz)
    assert status.attempts == 4
    assert status.passed is (method == GradingMethod.BEST)
    attempts = list(Attempt.objects.filter(user=learner))
    assert status.scaled == counted_attempt(attempts, method).scaled


def test_the_data_migration_fills_the_pointers_of_existing_attempts(learner, staff_lesson, quiz):
    """Attempts stored before the pointers existed read the same after the migration."""
    for number, (passed, scaled) in enumerate([(False, 0.5), (True, 0.9), (True, 0.8)], 1):
        Attempt.objects.create(
            user=learner,
            lesson=staff_lesson,
            package=quiz,
            number=number,
            completed=True,
            passed=passed,
            scaled=scaled,
        )
    Attempt.objects.create(user=learner, lesson=staff_lesson, package=quiz, number=4)
    migration = importlib.import_module("learning.migrations.0007_attempt_counted_pointers")
    migration.tally_existing_attempts(apps, connection.schema_editor())

    last = Attempt.objects.get(number=4)
    assert last.tallied and last.cycle_start is None
    assert (last.best.number, last.last_finished.number) == (2, 3)
    assert Attempt.objects.get(number=1).best is None  # nothing before the first
    status = evaluate_activity(learner, staff_lesson, quiz)
    assert (status.completed, status.passed, status.scaled, status.attempts) == (
        True,
        True,
        0.9,
        4,
    )
