"""The server's verdict on H5P statements (issue 9): the forged quiz completions, reproduced.

Each test posts what a learner's browser could send to the xAPI endpoint and checks what the
server makes of it: the launch token is required, a scored activity never passes without a
score, the maximum is the package's, and for verified content types the score is recomputed
from the answers sent, the browser's claims being kept beside the server's verdict.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from learning.completion import evaluate_course, mark_lesson_read
from learning.h5p.content_types import VERIFIED, analyse
from learning.models import ActivityState, Attempt, CourseCompletion, H5PPackage, XapiStatement
from tests.learning.lesson_support import (
    course,
    h5p_block,
    lesson,
    package,
    post_statement,
    single_choice_set_run,
    statement,
    true_false_answer,
)

pytestmark = pytest.mark.django_db

MULTI_CHOICE = {
    "question": "<p>正しいものをすべて選んでください</p>",
    "answers": [
        {"text": "A", "correct": True},
        {"text": "B", "correct": False},
        {"text": "C", "correct": True},
    ],
    "behaviour": {"singlePoint": False},
}
QUESTION_SET = {
    "questions": [
        {"library": "H5P.TrueFalse 1.6", "params": {"correct": "true"}, "subContentId": "tf-1"},
        {"library": "H5P.MultiChoice 1.16", "params": MULTI_CHOICE, "subContentId": "mc-1"},
    ]
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def learner(make_user):
    return make_user(None)


def _as_content(pkg: H5PPackage, library: str, params: dict) -> H5PPackage:
    """Give a stored package another content (the registry's analysis of ``params``)."""
    H5PPackage.objects.filter(pk=pkg.pk).update(**analyse(library, params).as_fields())
    pkg.refresh_from_db()
    return pkg


@pytest.fixture
def certified(learner):
    """A certificate course: a reading lesson already read, and a quiz lesson (SCS, 3 questions)."""
    quiz = package("single-choice-set.h5p", title="確認テスト")
    parent = course("sec", pass_mark=80, certificate=True)
    reading = lesson(parent, "l1")
    page = lesson(parent, "l2", [h5p_block(quiz)])
    mark_lesson_read(learner, reading)
    assert not CourseCompletion.objects.exists()
    return parent, page, quiz


# --- finding 1: a scored quiz passed without a single answer -------------------------------


@pytest.mark.parametrize("verb", ["experienced", "completed"])
def test_a_statement_without_launch_is_refused_and_completes_nothing(
    client, learner, certified, verb
):
    parent, page, quiz = certified
    client.force_login(learner)
    response = post_statement(client, page, quiz, statement(quiz, verb), launch=False)
    assert response.status_code == 403 and response.json()["code"] == "launch_missing"
    assert not XapiStatement.objects.exists()
    assert not CourseCompletion.objects.exists()


@pytest.mark.parametrize("verb", ["experienced", "completed"])
def test_a_statement_without_score_does_not_pass_a_scored_quiz(client, learner, certified, verb):
    parent, page, quiz = certified
    client.force_login(learner)
    response = post_statement(client, page, quiz, statement(quiz, verb))
    assert response.status_code == 201
    assert response.json()["passed"] is False and response.json()["course_complete"] is None
    assert not CourseCompletion.objects.exists()
    assert evaluate_course(learner, parent) is None
    assert not CourseCompletion.objects.filter(certificate_code__isnull=False).exists()


def test_a_maximum_other_than_the_packages_is_refused(client, learner, certified):
    parent, page, quiz = certified
    client.force_login(learner)
    forged = statement(quiz, "completed", raw=1, max=1, success=True)
    response = post_statement(client, page, quiz, forged)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_max" and "満点" in response.json()["detail"]
    assert not XapiStatement.objects.exists() and not Attempt.objects.exists()
    assert not CourseCompletion.objects.exists()


def test_a_childs_maximum_is_the_questions(client, learner, certified):
    parent, page, quiz = certified
    client.force_login(learner)
    child = single_choice_set_run(quiz, correct=1)[0]
    child["result"]["score"].update(raw=5, max=5, scaled=1)
    response = post_statement(client, page, quiz, child)
    assert response.status_code == 400 and response.json()["code"] == "bad_max"


def test_the_real_run_still_completes_the_course_with_a_certificate(client, learner, certified):
    parent, page, quiz = certified
    client.force_login(learner)
    for data in single_choice_set_run(quiz, correct=3):
        response = post_statement(client, page, quiz, data)
    assert response.json()["passed"] is True and response.json()["course_complete"] is True
    done = CourseCompletion.objects.get()
    assert done.score == 100.0 and done.certificate_code


# --- verified content types: the score comes from the answers ------------------------------


def test_single_choice_set_wrong_answers_with_a_perfect_score_fail(client, learner, certified):
    parent, page, quiz = certified
    client.force_login(learner)
    run = single_choice_set_run(quiz, correct=3)
    for child in run[:-1]:
        child["result"]["response"] = "2"  # a wrong answer, sent with raw 1 and success true
    for data in run:
        response = post_statement(client, page, quiz, data)
    assert response.json()["passed"] is False
    top = XapiStatement.objects.get(top_level=True)
    assert (top.score_raw, top.score_max, top.scaled, top.success) == (0, 3, 0, False)
    assert (top.reported_raw, top.reported_success) == (3, True)
    assert set(
        XapiStatement.objects.filter(top_level=False).values_list("score_raw", flat=True)
    ) == {0}
    assert not CourseCompletion.objects.exists()


def test_single_choice_set_top_level_score_alone_scores_nothing(client, learner, certified):
    parent, page, quiz = certified
    client.force_login(learner)
    top = single_choice_set_run(quiz, correct=3)[-1]
    response = post_statement(client, page, quiz, top)
    assert response.status_code == 201 and response.json()["passed"] is False
    assert Attempt.objects.get().score_raw == 0


def test_single_choice_set_counts_each_question_once_by_its_latest_answer(client, learner):
    quiz = package("single-choice-set.h5p", title="確認テスト")
    page = lesson(course("c", pass_mark=60), "l1", [h5p_block(quiz)])
    client.force_login(learner)
    run = single_choice_set_run(quiz, correct=1)
    # The first question answered right three times does not make three points.
    for data in [run[0], run[0], run[0], *run[1:]]:
        response = post_statement(client, page, quiz, data)
    assert response.json()["passed"] is False
    assert Attempt.objects.get().score_raw == 1


def test_true_false_wrong_answer_with_a_correct_looking_score_fails(client, learner):
    quiz = package("true-false-hello-world.h5p", title="正誤")
    page = lesson(course("tf", pass_mark=80, certificate=True), "l1", [h5p_block(quiz)])
    client.force_login(learner)
    forged = true_false_answer(quiz, right=False)
    forged["result"].update(score={"min": 0, "raw": 1, "max": 1, "scaled": 1}, success=True)
    response = post_statement(client, page, quiz, forged)
    assert response.status_code == 201 and response.json()["passed"] is False
    stored = XapiStatement.objects.get()
    assert (stored.score_raw, stored.success, stored.reported_raw, stored.reported_success) == (
        0,
        False,
        1,
        True,
    )
    assert not CourseCompletion.objects.exists()
    # Without a response the server cannot see an answer: no points.
    no_answer = true_false_answer(quiz, right=True)
    del no_answer["result"]["response"]
    assert post_statement(client, page, quiz, no_answer).json()["passed"] is False
    right = post_statement(client, page, quiz, true_false_answer(quiz, right=True))
    assert right.json()["passed"] is True and right.json()["course_complete"] is True


@pytest.mark.parametrize(
    ("response", "passed"),
    [("0[,]2", True), ("2[,]0", True), ("0[,]1", False), ("0", False), ("0[,]0[,]2", False)],
)
def test_multi_choice_is_scored_from_the_chosen_answers(client, learner, response, passed):
    quiz = _as_content(package("true-false-hello-world.h5p"), "H5P.MultiChoice", MULTI_CHOICE)
    assert quiz.scoring == VERIFIED and quiz.max_score == 2
    page = lesson(course("mc", pass_mark=100), "l1", [h5p_block(quiz)])
    client.force_login(learner)
    data = statement(quiz, "answered", raw=2, max=2, success=True, response=response)
    assert post_statement(client, page, quiz, data).json()["passed"] is passed


def test_question_set_is_scored_from_its_questions_answers(client, learner):
    quiz = _as_content(package("true-false-hello-world.h5p"), "H5P.QuestionSet", QUESTION_SET)
    assert quiz.scoring == VERIFIED and quiz.max_score == 3
    page = lesson(course("qs", pass_mark=100), "l1", [h5p_block(quiz)])
    client.force_login(learner)

    def run(tf: str, mc: str) -> dict:
        children = [
            statement(quiz, "answered", raw=1, max=1, sub="tf-1", parent=True, response=tf),
            statement(quiz, "answered", raw=2, max=2, sub="mc-1", parent=True, response=mc),
        ]
        for data in children:
            post_statement(client, page, quiz, data)
        top = statement(quiz, "completed", raw=3, max=3, success=True)
        return post_statement(client, page, quiz, top).json()

    assert run("false", "0[,]2")["passed"] is False
    assert Attempt.objects.get(number=1).score_raw == 2
    assert run("true", "0[,]2")["passed"] is True


# --- launch token on state saves -----------------------------------------------------------


def test_state_save_without_launch_is_refused(client, learner, certified):
    parent, page, quiz = certified
    client.force_login(learner)
    response = client.post(
        reverse("learning:state", args=[page.pk, quiz.uuid]),
        json.dumps({"state": "{}"}),
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "launch_missing"
    assert not ActivityState.objects.exists()


def test_a_sets_last_answer_arriving_after_its_completed_still_counts(client, learner):
    """H5P.SingleChoiceSet reports an answer ~1.3 s after it counts it: 次の問題へ pressed at
    once on the last question sends the set's ``completed`` before that question's answer."""
    quiz = package("single-choice-set.h5p", title="確認テスト")
    page = lesson(course("c", pass_mark=100), "l1", [h5p_block(quiz)])
    client.force_login(learner)
    *children, top = single_choice_set_run(quiz, correct=3)
    for data in [*children[:-1], top]:
        response = post_statement(client, page, quiz, data)
    assert response.json()["passed"] is False  # 2 of 3 so far
    late = post_statement(client, page, quiz, children[-1])
    assert late.json()["passed"] is True and late.json()["lesson_complete"] is True
    attempt = Attempt.objects.get()
    assert (attempt.score_raw, attempt.passed) == (3, True)
    assert XapiStatement.objects.get(top_level=True).score_raw == 3
    # The next try's first answer (a question the finished try has) starts attempt 2.
    post_statement(client, page, quiz, children[0])
    assert Attempt.objects.count() == 2


def test_a_late_answer_only_counts_within_moments(client, learner):
    quiz = package("single-choice-set.h5p", title="確認テスト")
    page = lesson(course("c", pass_mark=100), "l1", [h5p_block(quiz)])
    client.force_login(learner)
    *children, top = single_choice_set_run(quiz, correct=3)
    for data in [*children[:-1], top]:
        post_statement(client, page, quiz, data)
    Attempt.objects.update(finished_at=timezone.now() - dt.timedelta(minutes=5))
    post_statement(client, page, quiz, children[-1])
    assert Attempt.objects.count() == 2
    assert Attempt.objects.get(number=1).score_raw == 2
