"""The H5P player on lesson pages: launch tokens, saved state, status, access to staff lessons."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from courses.choices import Audience
from learning import player
from learning.models import ActivityState, LessonProgress
from tests.gates.support import sign_in
from tests.learning.lesson_support import (
    course,
    h5p_block,
    lesson,
    package,
    post_statement,
    single_choice_set_run,
    statement,
)

pytestmark = pytest.mark.django_db

STATE = json.dumps({"progress": 1, "answers": {"corrects": 1, "wrongs": 0}})


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.H5P_DEV_CONTENT_ORIGIN = False
    cache.clear()


@pytest.fixture
def quiz():
    return package("single-choice-set.h5p", title="クイズ")


@pytest.fixture
def page(quiz):
    return lesson(course("res", pass_mark=80), "l1", [h5p_block(quiz)], title="レッスン1")


@pytest.fixture
def learner(make_user):
    return make_user(None)


def _launch(user, page, pkg) -> str:
    return player.make_launch(user, page, pkg)


def _save(client: Client, page, pkg, state, launch: str, **extra):
    return client.post(
        reverse("learning:state", args=[page.pk, pkg.uuid]),
        data=json.dumps({"state": state}),
        content_type="application/json",
        HTTP_X_H5P_LAUNCH=launch,
        **extra,
    )


def _config(html: str) -> dict:
    match = re.search(r'<script type="application/json">(.*?)</script>', html, re.S)
    assert match, "no player settings on the page"
    return json.loads(unescape(match.group(1)))


# --- Launch tokens ----------------------------------------------------------------------


def test_launch_binds_user_lesson_and_package(learner, make_user, page, quiz):
    token = _launch(learner, page, quiz)
    assert player.check_launch(token, learner, page, quiz).user_id == learner.pk
    with pytest.raises(player.PlayerError) as other:
        player.check_launch(token, make_user(None), page, quiz)
    assert other.value.code == "launch_other"
    other_pkg = package(title="別の教材")
    with pytest.raises(player.PlayerError) as wrong:
        player.check_launch(token, learner, page, other_pkg)
    assert wrong.value.code == "launch_bad"


def test_tampered_launch_is_refused(learner, page, quiz):
    token = _launch(learner, page, quiz)
    forged = signing.dumps({"u": learner.pk + 1, "l": page.pk, "p": quiz.uuid.hex}, salt="x")
    for bad in [
        token[:-2] + "xx",
        token.replace(token[2], "A" if token[2] != "A" else "B"),
        forged,
    ]:
        with pytest.raises(player.PlayerError) as info:
            player.read_launch(bad)
        assert info.value.code == "launch_bad"
    with pytest.raises(player.PlayerError) as info:
        player.read_launch("")
    assert info.value.code == "launch_missing"


def test_expired_launch_is_refused(settings, learner, page, quiz):
    token = _launch(learner, page, quiz)
    settings.H5P_LAUNCH_MAX_AGE = -1
    with pytest.raises(player.PlayerError) as info:
        player.read_launch(token)
    assert info.value.code == "launch_expired"
    assert "再読み込み" in info.value.detail


def test_player_page_refuses_a_bad_launch(client, learner, page, quiz):
    url = reverse("learning:h5p_player", args=[quiz.uuid])
    good = client.get(url, {"origin": "http://testserver", "launch": _launch(learner, page, quiz)})
    assert good.status_code == 200
    bad = client.get(url, {"origin": "http://testserver", "launch": "nope"})
    assert bad.status_code == 403
    assert "ページを再読み込み" in bad.content.decode()
    other_pkg = package(title="別の教材")
    other = client.get(
        reverse("learning:h5p_player", args=[other_pkg.uuid]),
        {"origin": "http://testserver", "launch": _launch(learner, page, quiz)},
    )
    assert other.status_code == 403


def test_statement_with_someone_elses_launch_is_refused(client, learner, make_user, page, quiz):
    someone = make_user(None)
    client.force_login(learner)
    url = reverse("learning:xapi", args=[page.pk])
    data = json.dumps(single_choice_set_run(quiz, correct=3)[0])
    refused = client.post(
        url, data, content_type="application/json", HTTP_X_H5P_LAUNCH=_launch(someone, page, quiz)
    )
    assert refused.status_code == 403 and refused.json()["code"] == "launch_other"
    other_pkg = package(title="別の教材")
    mismatched = client.post(
        url,
        data,
        content_type="application/json",
        HTTP_X_H5P_LAUNCH=_launch(learner, page, other_pkg),
    )
    assert mismatched.status_code == 403 and mismatched.json()["code"] == "launch_bad"
    accepted = client.post(
        url, data, content_type="application/json", HTTP_X_H5P_LAUNCH=_launch(learner, page, quiz)
    )
    assert accepted.status_code == 201
    assert accepted.json()["attempt_open"] is True
    missing = client.post(url, data, content_type="application/json")
    assert missing.status_code == 403 and missing.json()["code"] == "launch_missing"


# --- Saved state ------------------------------------------------------------------------


def test_state_is_saved_and_offered_on_the_next_visit(client, learner, page, quiz):
    client.force_login(learner)
    assert _save(client, page, quiz, STATE, _launch(learner, page, quiz)).status_code == 204
    assert ActivityState.objects.get(user=learner, lesson=page, package=quiz).state == STATE
    config = _config(client.get(page.url).content.decode())
    assert config["state"] == STATE and config["recording"] is True


def test_state_is_bounded(client, settings, learner, page, quiz):
    settings.H5P_STATE_MAX_BYTES = 1024
    client.force_login(learner)
    launch = _launch(learner, page, quiz)
    big = json.dumps({"x": "あ" * 400})  # 1,200 bytes in UTF-8
    response = _save(client, page, quiz, big, launch)
    assert response.status_code == 413 and response.json()["code"] == "state_too_large"
    huge = _save(client, page, quiz, json.dumps({"x": "a" * 5000}), launch)
    assert huge.status_code == 413
    assert _save(client, page, quiz, "{not json", launch).status_code == 400
    assert not ActivityState.objects.exists()


def test_state_needs_csrf_login_and_launch(learner, make_user, page, quiz):
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(learner)
    assert _save(checked, page, quiz, STATE, _launch(learner, page, quiz)).status_code == 403
    anonymous = Client()
    assert _save(anonymous, page, quiz, STATE, "").status_code == 403
    client = Client()
    client.force_login(learner)
    assert _save(client, page, quiz, STATE, "").status_code == 403
    someone = make_user(None)
    assert _save(client, page, quiz, STATE, _launch(someone, page, quiz)).status_code == 403
    other_pkg = package(title="別の教材")
    assert (
        _save(client, page, other_pkg, STATE, _launch(learner, page, other_pkg)).status_code == 404
    )
    assert not ActivityState.objects.exists()


def test_state_is_cleared_when_the_attempt_finishes(client, learner, page, quiz):
    client.force_login(learner)
    launch = _launch(learner, page, quiz)
    run = single_choice_set_run(quiz, correct=2)
    post_statement(client, page, quiz, run[0])
    assert _save(client, page, quiz, STATE, launch).status_code == 204
    for data in run[1:]:
        post_statement(client, page, quiz, data)
    assert not ActivityState.objects.exists()
    # A late save of the finished try is not kept: the next visit starts fresh.
    assert _save(client, page, quiz, STATE, launch).status_code == 204
    assert not ActivityState.objects.exists()
    assert _config(client.get(page.url).content.decode())["state"] is None


# --- The lesson page --------------------------------------------------------------------


def test_lesson_page_embeds_a_lazy_sandboxed_player(client, learner, page, quiz):
    client.force_login(learner)
    html = client.get(page.url).content.decode()
    assert 'loading="lazy"' in html
    assert 'sandbox="allow-scripts"' in html  # no content origin: opaque sandbox
    assert 'allow="fullscreen"' in html and 'title="H5P 教材「クイズ」"' in html
    assert "<noscript>" in html
    assert 'aria-live="polite"' in html and "未回答" in html
    config = _config(html)
    assert config["origin"] == "null"
    assert player.check_launch(config["launch"], learner, page, quiz)
    assert config["xapiUrl"] == reverse("learning:xapi", args=[page.pk])


def test_lesson_page_uses_the_content_origin_when_set(client, settings, learner, page, quiz):
    settings.H5P_CONTENT_ORIGIN = "https://h5p.example.test"
    client.force_login(learner)
    html = client.get(page.url).content.decode()
    assert 'sandbox="allow-scripts allow-same-origin"' in html
    assert f'src="https://h5p.example.test/learning/h5p/{quiz.uuid}/player/?' in html
    assert _config(html)["origin"] == "https://h5p.example.test"


@pytest.mark.parametrize(("correct", "label"), [(3, "合格"), (1, "不合格")])
def test_status_comes_from_the_server(client, learner, page, quiz, correct, label):
    client.force_login(learner)
    for data in single_choice_set_run(quiz, correct=correct):
        response = post_statement(client, page, quiz, data)
    assert response.json()["label"] == label
    html = client.get(page.url).content.decode()
    assert f"<strong data-h5p-status-text>{label}</strong>" in html
    assert ("修了しました" in html and "data-lesson-complete hidden" not in html) == (correct == 3)


def test_informational_content_shows_done(client, learner, quiz):
    greeting = package(title="あいさつ")
    page = lesson(course("info"), "l1", [h5p_block(greeting)])
    client.force_login(learner)
    post_statement(client, page, greeting, statement(greeting, "completed"))
    assert "<strong data-h5p-status-text>修了</strong>" in client.get(page.url).content.decode()


def test_anonymous_visitors_play_without_recording(client, page, quiz):
    html = client.get(page.url).content.decode()
    config = _config(html)
    assert config["launch"] == "" and config["recording"] is False
    assert "xapiUrl" not in config and "csrf" not in config
    assert "ログインすると記録されます" in html
    assert "launch=" not in html


def test_read_button_only_without_required_activities(client, learner, page):
    plain = lesson(page.get_parent().specific, "l2", [])
    client.force_login(learner)
    assert "読みました" not in client.get(page.url).content.decode()
    html = client.get(plain.url).content.decode()
    assert "読みました" in html and reverse("learning:read", args=[plain.pk]) in html
    client.post(reverse("learning:read", args=[plain.pk]))
    html = client.get(plain.url).content.decode()
    assert "修了しました" in html and ">読みました<" not in html
    assert LessonProgress.objects.get(user=learner, lesson=plain).completed_at is not None


# --- Staff-course access ----------------------------------------------------------------


@pytest.fixture
def staff_lesson(quiz):
    staff_course = course("sec", audience=Audience.STAFF)
    return lesson(staff_course, "s1", [h5p_block(quiz)])


def test_staff_lessons_need_a_staff_role(client, make_user, staff_lesson):
    anonymous = client.get(staff_lesson.url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    resident = sign_in(Client(), make_user(None))
    assert resident.get(staff_lesson.url).status_code == 403
    staff = sign_in(Client(), make_user(Role.STAFF))
    response = staff.get(staff_lesson.url)
    assert response.status_code == 200
    assert _config(response.content.decode())["recording"] is True


def test_staff_course_page_stays_in_the_catalogue(client, staff_lesson):
    assert client.get(staff_lesson.get_parent().url).status_code == 200


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"state": "\\u0000"}', "bad_text"),
        (b'{"state": "\\ud800"}', "bad_text"),
        (b"[" * 2000 + b"]" * 2000, "too_deep"),
        (b'{"state": NaN}', "bad_json"),
    ],
)
def test_state_refuses_malformed_json_with_400(client, learner, page, quiz, body, code):
    client.force_login(learner)
    response = client.post(
        reverse("learning:state", args=[page.pk, quiz.uuid]),
        data=body,
        content_type="application/json",
        HTTP_X_H5P_LAUNCH=_launch(learner, page, quiz),
    )
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["detail"]
    assert not ActivityState.objects.exists()


def test_state_text_nested_too_deeply_is_refused(client, learner, page, quiz):
    client.force_login(learner)
    deep = "[" * 2000 + "]" * 2000
    response = _save(client, page, quiz, deep, _launch(learner, page, quiz))
    assert response.status_code == 400 and response.json()["code"] == "state_bad"
    assert not ActivityState.objects.exists()
