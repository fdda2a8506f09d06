"""A staff learner takes a lesson with the keyboard only (WCAG 2.1.1, 2.1.2, 2.4.3, 2.4.7).

From マイ学習 to the course catalogue, the course, its first lesson (読みました), the next
lesson with a scored H5P question set, and back to the course, which then says it is finished.
Only Tab, Shift+Tab, Enter and Space move and act, and every element reached shows its focus.
Inside the H5P question the content type moves between the answers of one question with the
arrow keys (a roving focus, the ARIA pattern for a group of options: one Tab stop for the group),
so there the arrows choose and Enter answers. No mouse, no ``click()``, no ``goto`` after the
first page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from courses.choices import Audience
from learning.models import CourseCompletion, LessonProgress
from tests.browser.support import close_when_quiet, new_context
from tests.learning.lesson_support import course, h5p_block, lesson, package

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RIGHT = ["Wolfberries", "Asia", "Dried"]  # single-choice-set.h5p's right answers
MAX_TABS = 60

# What has the keyboard focus, through the app page and into the player frame; and whether
# it shows (the focus ring: an outline or a box-shadow, WCAG 2.4.7).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== 'none';
  return {tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || '').trim(),
          frame: el.tagName === 'IFRAME', visible: el.matches(':focus-visible') && ring,
          cls: el.className};
}"""


@pytest.fixture
def origins(live_server, settings, tmp_path):
    """The app and the H5P content on two origins, as in production (test_h5p_lesson.py)."""
    port = urlsplit(live_server.url).port
    app, content = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    settings.H5P_CONTENT_ORIGIN = content
    settings.H5P_APP_ORIGINS = [app]
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.MEDIA_ROOT = tmp_path / "media"
    return app, content


@pytest.fixture
def training(origins, site_pages):
    security = course("security", title="情報セキュリティ研修", audience=Audience.STAFF)
    reading = lesson(security, "rules", title="パスワードの決まり")
    quiz = lesson(
        security,
        "check",
        [h5p_block(package("single-choice-set.h5p", title="確認テスト"))],
        title="確認テスト",
    )
    return security, reading, quiz


def _focused(tab) -> dict | None:
    """The focused element; inside the player frame when the frame has the focus."""
    focused = tab.evaluate(FOCUSED)
    if focused and focused["frame"]:
        player = next(f for f in tab.frames if "/player/" in f.url)
        inner = player.evaluate(FOCUSED)
        return {**inner, "in_player": True} if inner else focused
    return focused


def _tab_to(tab, matches, what: str, *, key: str = "Tab") -> dict:
    """Press ``key`` until the focused element ``matches``; it must show its focus."""
    seen = []
    for _ in range(MAX_TABS):
        tab.keyboard.press(key)
        focused = _focused(tab)
        if focused is None:
            continue
        seen.append(focused["text"][:20] or focused["tag"])
        if matches(focused):
            assert focused["visible"], f"{what}: the focus is not visible ({focused})"
            return focused
    raise AssertionError(f"{what} not reached with {key} in {MAX_TABS} presses: {seen}")


def _text(text: str):
    return lambda focused: text in focused["text"] and not focused.get("in_player")


def test_a_staff_learner_takes_a_lesson_with_the_keyboard_only(
    chromium, origins, training, make_user
):
    app, _content = origins
    security, reading, quiz = training
    learner = make_user(Role.STAFF)
    context = new_context(chromium, app, learner)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto("/learning/my/")

    _tab_to(tab, _text("講座の一覧を見る"), "マイ学習's catalogue link")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    _tab_to(tab, _text("情報セキュリティ研修"), "the course on the catalogue")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert urlsplit(tab.url).path == security.url
    _tab_to(tab, _text("最初のレッスンから始める"), "the course's start button")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert urlsplit(tab.url).path == reading.url

    # A lesson without questions: 読みました, a button, acts on Space.
    _tab_to(tab, _text("読みました"), "読みました")
    with tab.expect_navigation():
        tab.keyboard.press("Space")
    expect(tab.locator("[data-lesson-complete]")).to_be_visible()
    assert LessonProgress.objects.get(user=learner, lesson=reading).completed_at is not None

    _tab_to(tab, _text("次のレッスン"), "次のレッスン")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert urlsplit(tab.url).path == quiz.url

    # The H5P question set, in its sandboxed frame on the content origin.
    frame = tab.frame_locator("iframe.h5p-activity__frame")
    for number, answer in enumerate(RIGHT, start=1):
        current = frame.locator(".h5p-sc-current-slide .h5p-sc-alternative")
        expect(current.filter(has_text=answer)).to_be_visible(timeout=20_000)
        focused = _focused(tab)
        if not (focused and focused.get("in_player") and "h5p-sc-alternative" in focused["cls"]):
            _tab_to(
                tab,
                lambda f: f.get("in_player") and "h5p-sc-alternative" in f["cls"],
                f"question {number}'s answers",
            )
        for _ in range(current.count()):
            before = _focused(tab)["text"]
            if before == answer:
                break
            tab.keyboard.press("ArrowDown")
            # The player moves the focus in its own frame: wait until it has (a loaded machine
            # may answer after the next look).
            for _poll in range(40):
                if _focused(tab)["text"] != before:
                    break
                tab.wait_for_timeout(25)
        assert _focused(tab)["text"] == answer, f"question {number}: {answer} not reached"
        tab.keyboard.press("Enter")

    status = tab.locator("[data-h5p-status-text]")
    expect(status).to_have_text("合格", timeout=20_000)
    expect(tab.locator("[data-lesson-complete]")).to_be_visible()

    # Back out of the player with Shift+Tab to the course link at the top of the lesson.
    _tab_to(tab, _text("情報セキュリティ研修"), "the course link above the lesson", key="Shift+Tab")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert urlsplit(tab.url).path == security.url
    expect(tab.locator(".course-status--done")).to_be_visible()
    assert CourseCompletion.objects.filter(user=learner, course=security).exists()
    assert errors == []
    close_when_quiet(context)
