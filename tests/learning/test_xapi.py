"""learning.xapi.ingest_statement and the POST endpoint: what the server accepts and stores."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from courses.choices import Audience
from learning.models import Attempt, LessonActivity, LessonProgress, XapiStatement
from learning.player import make_launch
from learning.xapi import MAX_STATEMENT_BYTES, XapiError, ingest_statement
from tests.learning.lesson_support import (
    FORGED_ACTOR,
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


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # rate-limit counters of earlier tests


@pytest.fixture
def quiz():
    return package("true-false-hello-world.h5p", title="正誤問題")


@pytest.fixture
def page(quiz):
    return lesson(course(pass_mark=80), "l1", [h5p_block(quiz)])


@pytest.fixture
def learner(make_user):
    return make_user(None)


def _refused(user, lesson_page, data) -> str:
    with pytest.raises(XapiError) as info:
        ingest_statement(user, lesson_page, data)
    assert str(info.value.detail)  # a Japanese message for every code
    return info.value.code


def test_forged_actor_is_replaced_by_the_learner(learner, page, quiz):
    stored = ingest_statement(learner, page, statement(quiz, raw=1, max=1, success=True))
    assert stored.user == learner
    assert stored.raw["actor"]["account"]["name"] == str(learner.pk)
    assert "mbox" not in stored.raw["actor"] and stored.raw["actor"] != FORGED_ACTOR


def test_object_not_on_the_lesson_is_rejected(learner, page, quiz):
    other = package(title="別の教材")
    assert _refused(learner, page, statement(other, raw=1, max=1)) == "unknown_activity"
    forged = statement(quiz, raw=1, max=1)
    forged["object"]["id"] = "https://evil.example/h5p/" + str(quiz.uuid)
    assert _refused(learner, page, forged) == "unknown_activity"
    odd_query = statement(quiz, raw=1, max=1)
    odd_query["object"]["id"] += "?x=1"
    assert _refused(learner, page, odd_query) == "unknown_activity"
    assert not XapiStatement.objects.exists()


def test_activity_of_another_lesson_is_rejected(learner, page, quiz):
    other_page = lesson(page.get_parent().specific, "l2")
    assert _refused(learner, other_page, statement(quiz, raw=1, max=1)) == "unknown_activity"


def test_unknown_verb_is_rejected(learner, page, quiz):
    data = statement(quiz, raw=1, max=1)
    data["verb"]["id"] = "http://adlnet.gov/expapi/verbs/voided"
    assert _refused(learner, page, data) == "bad_verb"
    data["verb"]["id"] = "https://example.com/verbs/completed"
    assert _refused(learner, page, data) == "bad_verb"


@pytest.mark.parametrize(
    "score",
    [
        {"raw": 5, "max": 4},
        {"raw": -1, "max": 4},
        {"raw": 1, "max": 0},
        {"raw": 1, "max": -2},
        {"raw": 1, "max": 4, "min": 2},
        {"raw": "1", "max": 4},
        {"raw": True, "max": 4},
        {"max": 4},
    ],
)
def test_score_out_of_bounds_is_rejected(learner, page, quiz, score):
    data = statement(quiz)
    data["result"] = {"score": score}
    assert _refused(learner, page, data) == "bad_score"


@pytest.fixture
def blanks():
    return package("fill-in-the-blanks.h5p", title="穴埋め")


def test_scaled_is_recomputed(learner, blanks):
    page = lesson(course("b", pass_mark=80), "l1", [h5p_block(blanks)])
    stored = ingest_statement(learner, page, statement(blanks, raw=1, max=3, scaled=1.0))
    assert stored.scaled == pytest.approx(1 / 3)
    assert stored.success is False  # 33 % is below the 80 % pass mark
    assert Attempt.objects.get().passed is False


def test_success_is_derived_when_absent(learner, blanks):
    """Fill-in-the-blanks sends answered with a score but no success."""
    page = lesson(course("b", pass_mark=80), "l1", [h5p_block(blanks)])
    stored = ingest_statement(learner, page, statement(blanks, raw=3, max=3))
    assert "success" not in stored.raw["result"]
    assert stored.success is True and stored.reported_success is None
    attempt = Attempt.objects.get()
    assert attempt.completed and attempt.passed


def test_failed_never_passes(learner, page, quiz):
    data = true_false_answer(quiz, right=True)
    data["verb"]["id"] = "http://adlnet.gov/expapi/verbs/failed"
    stored = ingest_statement(learner, page, data)
    assert stored.success is False and stored.reported_success is True
    assert Attempt.objects.get().passed is False


def test_sub_content_is_stored_but_does_not_finish_the_attempt(learner):
    quiz = package("single-choice-set.h5p", title="クイズ")
    page = lesson(course("scs"), "l1", [h5p_block(quiz)])
    children = single_choice_set_run(quiz, correct=3)[:-1]
    for data in children:
        ingest_statement(learner, page, data)
    assert XapiStatement.objects.count() == 3
    assert not XapiStatement.objects.filter(top_level=True).exists()
    attempt = Attempt.objects.get()
    assert not attempt.completed and not attempt.passed
    # A statement with a parent context but no subContentId is a child too.
    ingest_statement(learner, page, statement(quiz, "completed", raw=3, max=3, parent=True))
    assert not Attempt.objects.get().completed


def test_oversize_statement_is_rejected(learner, page, quiz):
    data = statement(quiz, raw=1, max=1)
    data["result"]["response"] = "あ" * MAX_STATEMENT_BYTES
    assert _refused(learner, page, data) == "too_large"
    assert not XapiStatement.objects.exists()


def test_inactive_users_and_staff_courses(make_user, quiz):
    resident, staff = make_user(None), make_user(Role.STAFF)
    staff_page = lesson(course("s1", audience=Audience.STAFF), "l1", [h5p_block(quiz)])
    assert _refused(resident, staff_page, statement(quiz, raw=1, max=1)) == "not_allowed"
    assert ingest_statement(staff, staff_page, statement(quiz, raw=1, max=1)).pk
    staff.is_active = False
    staff.save()
    assert _refused(staff, staff_page, statement(quiz, raw=1, max=1)) == "not_allowed"


# --- the endpoint ---------------------------------------------------------------------------


def _post(client: Client, page, data, *, launch: bool = True) -> object:
    """POST to the page's endpoint with the signed-in learner's launch for its activity."""
    if not launch or "_auth_user_id" not in client.session:
        url = reverse("learning:xapi", args=[page.pk])
        body = data if isinstance(data, bytes) else json.dumps(data)
        return client.post(url, body, content_type="application/json")
    pkg = LessonActivity.objects.filter(lesson=page).first().package
    return post_statement(client, page, pkg, data)


def test_endpoint_answers_with_progress(client, learner, page, quiz):
    client.force_login(learner)
    response = _post(client, page, true_false_answer(quiz, right=True))
    assert response.status_code == 201
    assert response.json() == {
        "completed": True,
        "passed": True,
        "status": "passed",
        "label": "合格",
        "attempt_open": False,
        "lesson_complete": True,
        "course_complete": True,
    }


def test_statements_that_leave_the_try_open_do_not_re_evaluate_the_lesson(
    client, learner, page, quiz, django_assert_max_num_queries
):
    client.force_login(learner)
    with django_assert_max_num_queries(30):
        response = _post(client, page, statement(quiz, "progressed"))
    assert response.status_code == 201
    answer = response.json()
    assert answer["attempt_open"] is True
    assert answer["lesson_complete"] is None and answer["course_complete"] is None
    assert not LessonProgress.objects.filter(user=learner, completed_at__isnull=False).exists()


def test_endpoint_refusals_are_japanese_json(client, learner, page, quiz):
    client.force_login(learner)
    data = statement(quiz, raw=1, max=1)
    data["verb"]["id"] = "http://adlnet.gov/expapi/verbs/voided"
    response = _post(client, page, data)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_verb" and "記録" in response.json()["detail"]
    assert _post(client, page, b"{not json").json()["code"] == "bad_json"
    big = b'{"x": "' + b"a" * MAX_STATEMENT_BYTES + b'"}'
    assert _post(client, page, big).status_code == 413


def test_endpoint_anonymous_gets_403_json(client, page, quiz):
    response = _post(client, page, statement(quiz, raw=1, max=1))
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert not XapiStatement.objects.exists()


def test_endpoint_requires_the_csrf_token(learner, page, quiz):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert _post(client, page, statement(quiz, raw=1, max=1)).status_code == 403
    assert not XapiStatement.objects.exists()
    client.get(page.url)  # the lesson page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("learning:xapi", args=[page.pk]),
        json.dumps(statement(quiz, raw=1, max=1)),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
        HTTP_X_H5P_LAUNCH=make_launch(learner, page, quiz),
    )
    assert response.status_code == 201


def test_endpoint_is_rate_limited_per_user(client, settings, learner, page, quiz):
    settings.XAPI_RATE_LIMIT = "3/m"
    client.force_login(learner)
    codes = [_post(client, page, statement(quiz, "interacted")).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]


def test_endpoint_get_is_not_allowed(client, learner, page):
    client.force_login(learner)
    assert client.get(reverse("learning:xapi", args=[page.pk])).status_code == 405


def test_a_lesson_id_too_large_for_the_database_is_not_found(client, learner):
    client.force_login(learner)
    huge = 10**20
    xapi = client.post(f"/learning/lessons/{huge}/xapi/", "{}", content_type="application/json")
    assert xapi.status_code == 404
    assert client.post(f"/learning/lessons/{huge}/read/").status_code == 404
    state = f"/learning/lessons/{huge}/state/00000000-0000-4000-8000-000000000000/"
    assert client.post(state, "{}", content_type="application/json").status_code == 404


# --- malformed input: always a 400/413 JSON answer, never a 500 -----------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"verb": "\\u0000"}', "bad_text"),
        (b'{"verb": "\\ud800"}', "bad_text"),
        (b"[" * 2000 + b"]" * 2000, "too_deep"),
        (b'{"a": NaN}', "bad_json"),
        (b"\xff\xfe", "bad_json"),
    ],
)
def test_endpoint_refuses_malformed_json_with_400(client, learner, page, quiz, body, code):
    client.force_login(learner)
    response = _post(client, page, body)
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["detail"]
    assert not XapiStatement.objects.exists()
