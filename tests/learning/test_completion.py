"""learning.completion: attempts, grading, lesson and course completion, 読みました."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import reverse

from courses.choices import GradingMethod
from learning.completion import (
    evaluate_activity,
    evaluate_course,
    evaluate_lesson,
    mark_lesson_read,
)
from learning.models import Attempt, LessonProgress, XapiStatement
from learning.xapi import XapiError, ingest_statement
from tests.learning.lesson_support import (
    course,
    h5p_block,
    lesson,
    package,
    single_choice_set_run,
    statement,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def learner(make_user):
    return make_user(None)


@pytest.fixture
def quiz_set():
    return package("single-choice-set.h5p", title="クイズ")


def _send(user, page, statements) -> None:
    for data in statements:
        ingest_statement(user, page, data)


def test_single_choice_set_children_are_kept_only_the_top_level_statement_counts(learner, quiz_set):
    page = lesson(course(pass_mark=80), "l1", [h5p_block(quiz_set)])
    _send(learner, page, single_choice_set_run(quiz_set, correct=1))
    assert XapiStatement.objects.filter(top_level=False).count() == 3
    status = evaluate_activity(learner, page, quiz_set)
    assert status.completed and not status.passed
    assert status.scaled == pytest.approx(1 / 3)
    assert not evaluate_lesson(learner, page)

    _send(learner, page, single_choice_set_run(quiz_set, correct=3))
    assert Attempt.objects.count() == 2
    assert evaluate_activity(learner, page, quiz_set).passed
    assert evaluate_lesson(learner, page)
    assert LessonProgress.objects.get().completed_at is not None


def test_children_all_correct_do_not_pass_without_the_top_level_statement(learner, quiz_set):
    page = lesson(course(), "l1", [h5p_block(quiz_set)])
    _send(learner, page, single_choice_set_run(quiz_set, correct=3)[:-1])
    status = evaluate_activity(learner, page, quiz_set)
    assert not status.completed and not status.passed
    assert not evaluate_lesson(learner, page)


def test_pass_mark_decides_not_the_content(learner, quiz_set):
    page = lesson(course(pass_mark=60), "l1", [h5p_block(quiz_set)])
    # 2/3 is 67 %: the content says not successful, the course's 60 % says passed.
    _send(learner, page, single_choice_set_run(quiz_set, correct=2))
    top = XapiStatement.objects.get(top_level=True)
    assert top.reported_success is False and top.success is True
    assert evaluate_activity(learner, page, quiz_set).passed


@pytest.mark.parametrize(
    ("method", "expected"), [(GradingMethod.BEST, True), (GradingMethod.LAST, False)]
)
def test_retake_best_vs_last(learner, quiz_set, method, expected):
    page = lesson(course(grading_method=method), "l1", [h5p_block(quiz_set)])
    _send(learner, page, single_choice_set_run(quiz_set, correct=3))
    _send(learner, page, single_choice_set_run(quiz_set, correct=1))
    status = evaluate_activity(learner, page, quiz_set)
    assert status.attempts == 2
    assert status.passed is expected
    assert evaluate_lesson(learner, page) is expected


def test_attempt_limit_refuses_the_statement_that_would_start_one_more(learner, quiz_set):
    page = lesson(course(attempt_limit=2), "l1", [h5p_block(quiz_set)])
    _send(learner, page, single_choice_set_run(quiz_set, correct=0))
    _send(learner, page, single_choice_set_run(quiz_set, correct=1))
    with pytest.raises(XapiError) as info:
        ingest_statement(learner, page, single_choice_set_run(quiz_set, correct=3)[0])
    assert info.value.code == "attempt_limit" and info.value.status == 409
    assert Attempt.objects.count() == 2
    assert not evaluate_activity(learner, page, quiz_set).passed


def test_informational_content_without_score_counts_when_completed(learner):
    reading = package("minimal-valid-greetingcard.h5p", title="あいさつ")
    assert reading.scored is False
    page = lesson(course(), "l1", [h5p_block(reading)])
    _send(learner, page, [statement(reading, "progressed"), statement(reading, "interacted")])
    assert not evaluate_lesson(learner, page)
    _send(learner, page, [statement(reading, "completed")])
    status = evaluate_activity(learner, page, reading)
    assert status.completed and status.passed and status.scaled is None
    assert evaluate_lesson(learner, page)


@pytest.mark.parametrize("verb", ["experienced", "completed", "answered", "passed"])
def test_scored_content_never_passes_on_a_statement_without_score(learner, quiz_set, verb):
    # Finding 1: informational completion passed any activity, a scored quiz included.
    page = lesson(course(), "l1", [h5p_block(quiz_set)])
    _send(learner, page, [statement(quiz_set, verb)])
    status = evaluate_activity(learner, page, quiz_set)
    assert not status.completed and not status.passed
    assert Attempt.objects.get().finished_at is None  # recorded; the try stays open
    assert not evaluate_lesson(learner, page)


def test_a_presentation_with_questions_is_scored(learner):
    slides = package("course-presentation-all-libraries.h5p", title="スライド")
    assert slides.scored is True and slides.content_type == "H5P.CoursePresentation"
    page = lesson(course(), "l1", [h5p_block(slides)])
    _send(learner, page, [statement(slides, "completed"), statement(slides, "experienced")])
    assert not evaluate_activity(learner, page, slides).passed


def test_optional_activities_do_not_block_the_lesson(learner, quiz_set):
    required, optional = package(title="必須"), quiz_set
    page = lesson(course(), "l1", [h5p_block(required), h5p_block(optional, required=False)])
    _send(learner, page, [statement(required, "answered", raw=1, max=1)])
    assert evaluate_lesson(learner, page)


def test_lesson_without_activities_completes_when_read(learner):
    page = lesson(course(), "l1", [{"type": "paragraph", "value": "<p>本文</p>"}])
    assert not evaluate_lesson(learner, page)
    assert mark_lesson_read(learner, page)
    progress = LessonProgress.objects.get()
    assert progress.read_at is not None and progress.completed_at is not None


def test_reading_does_not_complete_a_lesson_with_required_activities(learner, quiz_set):
    page = lesson(course(), "l1", [h5p_block(quiz_set)])
    assert not mark_lesson_read(learner, page)
    assert LessonProgress.objects.get().completed_at is None


def test_course_completes_when_all_required_lessons_are_complete(learner, quiz_set):
    parent = course()
    quiz_lesson = lesson(parent, "l1", [h5p_block(quiz_set)])
    reading_lesson = lesson(parent, "l2")
    optional_lesson = lesson(parent, "l3", required=False)
    assert not evaluate_course(learner, parent)
    _send(learner, quiz_lesson, single_choice_set_run(quiz_set, correct=3))
    assert not evaluate_course(learner, parent)
    mark_lesson_read(learner, reading_lesson)
    assert evaluate_course(learner, parent)
    assert not evaluate_lesson(learner, optional_lesson)


def test_progress_is_per_learner(make_user, quiz_set):
    alice, bob = make_user(None), make_user(None)
    page = lesson(course(), "l1", [h5p_block(quiz_set)])
    _send(alice, page, single_choice_set_run(quiz_set, correct=3))
    assert evaluate_lesson(alice, page)
    assert not evaluate_lesson(bob, page)


# --- the 読みました endpoint --------------------------------------------------------------


def test_read_button_completes_the_lesson_and_redirects_back(client, learner):
    page = lesson(course(), "l1")
    client.force_login(learner)
    response = client.post(reverse("learning:read", args=[page.pk]))
    assert response.status_code == 302 and response.url == page.url
    assert [m.message for m in get_messages(response.wsgi_request)] == [
        "このレッスンを修了しました。"
    ]
    assert LessonProgress.objects.get(user=learner, lesson=page).completed_at is not None


def test_read_button_anonymous_goes_to_login(client):
    page = lesson(course(), "l1")
    response = client.post(reverse("learning:read", args=[page.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert not LessonProgress.objects.exists()


def test_read_button_needs_post_and_a_live_lesson(client, learner):
    page = lesson(course(), "l1")
    client.force_login(learner)
    assert client.get(reverse("learning:read", args=[page.pk])).status_code == 405
    page.unpublish()
    assert client.post(reverse("learning:read", args=[page.pk])).status_code == 404
