"""A real H5P question set in Chromium, with the app and the content on separate origins.

The live server answers as the app at http://127.0.0.1:<port> and as the H5P content origin at
http://localhost:<port>: two sites, so the session cookie never reaches the player, as in
production with a separate domain. The fixture single-choice-set.h5p asks three questions
whose right answers are Wolfberries, Asia and Dried (the first answer of each in its
content.json; the player shuffles them).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from playwright.sync_api import expect

from accounts.roles import Role
from courses.choices import Audience
from learning.models import ActivityState, Attempt, LessonProgress
from tests.browser.support import close_when_quiet, new_context
from tests.learning.lesson_support import course, h5p_block, lesson, package

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RIGHT = ["Wolfberries", "Asia", "Dried"]
WRONG = ["Catberries", "Africa", "Pickled"]
EVIL_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>document.title = "pwned";'
    b"parent.postMessage(document.cookie, '*');</script><text y='20'>x</text></svg>"
)


@pytest.fixture
def origins(live_server, settings, tmp_path):
    port = urlsplit(live_server.url).port
    app, content = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    settings.H5P_CONTENT_ORIGIN = content
    settings.H5P_APP_ORIGINS = [app]
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.MEDIA_ROOT = tmp_path / "media"
    return app, content


@pytest.fixture
def quiz_lesson(origins, site_pages):
    quiz = package("single-choice-set.h5p", title="クコの実クイズ")
    staff_course = course("security", title="情報セキュリティ研修", audience=Audience.STAFF)
    page = lesson(staff_course, "quiz", [h5p_block(quiz)], title="理解度テスト")
    return page, quiz


def _player(tab):
    """Wait for the player frame to show its first question; return the frame."""
    tab.locator("iframe.h5p-activity__frame").scroll_into_view_if_needed()
    frame = tab.frame_locator("iframe.h5p-activity__frame")
    expect(frame.locator(".h5p-sc-current-slide .h5p-sc-alternative").first).to_be_visible(
        timeout=20_000
    )
    return frame


def _choice(frame, text: str):
    return frame.locator(".h5p-sc-current-slide .h5p-sc-alternative", has_text=text)


def _answer(frame, answers: list[str]) -> None:
    for text in answers:
        choice = _choice(frame, text)
        expect(choice).to_be_visible(timeout=10_000)
        choice.click()


def _state_saved_at(progress: int):
    """Match the answer to the page's state save that holds question ``progress``."""

    def matches(response) -> bool:
        request = response.request
        if request.method != "POST" or "/state/" not in request.url:
            return False
        return json.loads(request.post_data_json["state"]).get("progress") == progress

    return matches


def _open(chromium, origins, user, page):
    app, _content = origins
    context = new_context(chromium, app, user)
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.goto(page.url)
    return context, tab


def test_staff_pass_then_another_fails(chromium, origins, quiz_lesson, make_user):
    """Right answers: 合格 and the lesson complete; wrong ones: 不合格, lesson not complete."""
    page, quiz = quiz_lesson
    app, content = origins
    learner = make_user(Role.STAFF)
    context, tab = _open(chromium, origins, learner, page)
    iframe = tab.locator("iframe.h5p-activity__frame")
    assert iframe.get_attribute("sandbox") == "allow-scripts allow-same-origin"
    assert iframe.get_attribute("loading") == "lazy"
    assert iframe.get_attribute("src").startswith(f"{content}/learning/h5p/{quiz.uuid}/player/")
    status = tab.locator("[data-h5p-status-text]")
    expect(status).to_have_text("未回答")

    frame = _player(tab)
    # The player runs on the content origin and sees none of the app's cookies.
    player = next(f for f in tab.frames if "/player/" in f.url)
    assert urlsplit(player.url).hostname == "localhost"
    assert player.evaluate("document.cookie") == ""
    assert any(c["name"] == "sessionid" for c in context.cookies(app))
    _answer(frame, RIGHT)

    expect(status).to_have_text("合格", timeout=20_000)
    expect(tab.locator("[data-lesson-complete]")).to_be_visible()
    attempt = Attempt.objects.get(user=learner, lesson=page, package=quiz)
    assert attempt.passed and attempt.score_raw == 3 and attempt.score_max == 3
    assert LessonProgress.objects.get(user=learner, lesson=page).completed_at is not None
    assert tab.errors == []
    close_when_quiet(context)

    other = make_user(Role.STAFF)
    context, tab = _open(chromium, origins, other, page)
    status = tab.locator("[data-h5p-status-text]")
    _answer(_player(tab), WRONG)
    expect(status).to_have_text("不合格", timeout=20_000)
    expect(tab.locator("[data-lesson-complete]")).to_be_hidden()
    attempt = Attempt.objects.get(user=other, lesson=page, package=quiz)
    assert attempt.completed and not attempt.passed and attempt.score_raw == 0
    progress = LessonProgress.objects.filter(user=other, lesson=page).first()
    assert progress is None or progress.completed_at is None

    # Reloading shows the server's answer, not a fresh 未回答.
    tab.reload()
    expect(tab.locator("[data-h5p-status-text]")).to_have_text("不合格")
    close_when_quiet(context)


def test_resume_where_the_learner_left_off(chromium, origins, quiz_lesson, make_user):
    """After one answer and a reload the set continues at question 2, not at question 1."""
    page, _quiz = quiz_lesson
    learner = make_user(Role.STAFF)
    context, tab = _open(chromium, origins, learner, page)
    frame = _player(tab)
    # The player saves its state again once the set has moved on to question 2 (2.5 s after
    # the answer): wait for the server's answer to that save.
    with tab.expect_response(_state_saved_at(progress=1), timeout=20_000) as saved:
        _answer(frame, RIGHT[:1])
        expect(_choice(frame, "Asia")).to_be_visible(timeout=10_000)
    assert saved.value.status == 204
    state = ActivityState.objects.get(user=learner, lesson=page).state
    assert json.loads(state)["progress"] == 1
    tab.reload()
    frame = _player(tab)
    expect(_choice(frame, "Asia")).to_be_visible(timeout=10_000)
    close_when_quiet(context)


def test_package_files_opened_directly_are_sandboxed(chromium, origins, quiz_lesson):
    """An SVG opened on the content origin gets CSP sandbox: its script does not run."""
    _page, quiz = quiz_lesson
    app, content = origins
    default_storage.save(f"{quiz.content_path}images/evil.svg", ContentFile(EVIL_SVG))
    context = new_context(chromium, content)
    tab = context.new_page()
    response = tab.goto(f"{content}/learning/h5p/{quiz.uuid}/content/images/evil.svg")
    assert response.status == 200
    assert response.headers["content-security-policy"].startswith("sandbox")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in response.headers
    assert tab.title() != "pwned"
    library_svg = tab.goto(
        f"{content}/learning/h5p/{quiz.uuid}/libraries/H5P.Question-1.4/images/plus-one.svg"
    )
    assert library_svg.status == 200
    assert library_svg.headers["content-security-policy"].startswith("sandbox")
    # The app's own host does not serve package files while a content origin is set.
    assert tab.goto(f"{app}/learning/h5p/{quiz.uuid}/content/images/evil.svg").status == 404
    context.close()


def test_opaque_sandbox_without_a_content_origin(
    chromium, origins, quiz_lesson, make_user, settings
):
    """With no content origin the app serves the player in an opaque sandbox; it still records."""
    settings.H5P_CONTENT_ORIGIN = ""
    settings.H5P_DEV_CONTENT_ORIGIN = False
    page, quiz = quiz_lesson
    learner = make_user(Role.STAFF)
    context, tab = _open(chromium, origins, learner, page)
    assert tab.locator("iframe.h5p-activity__frame").get_attribute("sandbox") == "allow-scripts"
    frame = _player(tab)
    player = next(f for f in tab.frames if "/player/" in f.url)
    assert urlsplit(player.url).hostname == "127.0.0.1"
    # An opaque origin: the frame may not even ask for cookies or storage of the app.
    assert "SecurityError" in player.evaluate(
        "() => { try { return document.cookie } catch (e) { return e.name } }"
    )
    _answer(frame, RIGHT)
    expect(tab.locator("[data-h5p-status-text]")).to_have_text("合格", timeout=20_000)
    assert Attempt.objects.get(user=learner, lesson=page, package=quiz).passed
    assert tab.errors == []
    close_when_quiet(context)
