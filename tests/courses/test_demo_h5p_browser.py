"""The seeded demo activities play in Chromium and decide the lesson, as `make run` shows them.

The app answers at http://127.0.0.1:<port> and the H5P content at http://localhost:<port>, as in
tests/browser/test_h5p_lesson.py. In the demo SingleChoiceSet the first answer of each question
is the right one (demo/h5p/src/content/security-quiz/content/content.json).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.roles import Role
from courses.models import LessonPage
from demo.h5p.build import CONTENT_SRC
from learning.models import Attempt, H5PPackage
from tests.browser.support import close_when_quiet, new_context
from tests.gates.support import ensure_home_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server, settings, tmp_path):
    port = urlsplit(live_server.url).port
    app, content = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    settings.H5P_CONTENT_ORIGIN = content
    settings.H5P_APP_ORIGINS = [app]
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_home_page()
    call_command("seed_demo", allow_production_demo=True)
    return app


def _open(chromium, app, user, slug):
    context = new_context(chromium, app, user)
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.goto(LessonPage.objects.get(slug=slug).url)
    tab.locator("iframe.h5p-activity__frame").scroll_into_view_if_needed()
    return context, tab, tab.frame_locator("iframe.h5p-activity__frame")


def _answers_recorded(count: int):
    """Match the server's answer to the ``count``-th question of a set the page posts."""
    questions: set[str] = set()

    def matches(response) -> bool:
        request = response.request
        if request.method != "POST" or "/xapi/" not in request.url or not response.ok:
            return False
        statement = request.post_data_json
        object_id = statement["object"]["id"]
        if statement["verb"]["id"].endswith("/answered") and "?subContentId=" in object_id:
            questions.add(object_id)
        return len(questions) == count

    return matches


def test_staff_pass_the_security_quiz_and_finish_the_lesson(chromium, demo, make_user):
    source = CONTENT_SRC / "security-quiz" / "content" / "content.json"
    questions = json.loads(source.read_text(encoding="utf-8"))["choices"]
    learner = make_user(Role.STAFF)
    context, tab, frame = _open(chromium, demo, learner, "s15")
    # Pressing 次の問題へ at once on the last question makes the set report its total before
    # that question's answer (sent after its reveal animation); the server scores the answers,
    # so the try reaches 5 of 5 when that last answer arrives (learning/xapi.py): wait for it.
    with tab.expect_response(_answers_recorded(len(questions)), timeout=60_000):
        for question in questions:
            choice = frame.locator(
                ".h5p-sc-current-slide .h5p-sc-alternative", has_text=question["answers"][0]
            )
            expect(choice).to_be_visible(timeout=20_000)
            # A click while the set still slides to this question can be lost: wait until the
            # slide has ended (the previous question's slide then stops being current).
            expect(frame.locator(".h5p-sc-slide.h5p-sc-current-slide")).to_have_count(1)
            choice.click()
            expect(choice).to_have_class(re.compile("h5p-sc-selected"), timeout=10_000)
            # autoContinue is off so that learners read the feedback at their own pace.
            frame.get_by_role("button", name="次の問題へ").click()
            expect(choice).to_be_hidden(timeout=10_000)
        expect(tab.locator("[data-h5p-status-text]")).to_have_text("合格", timeout=20_000)
        expect(tab.locator("[data-lesson-complete]")).to_be_visible()
    attempt = Attempt.objects.get(user=learner, package__title="情報セキュリティ 理解度テスト")
    assert attempt.passed and (attempt.score_raw, attempt.score_max) == (5, 5)
    assert tab.errors == []
    close_when_quiet(context)


def test_a_resident_answers_the_sms_true_false_wrongly_and_is_not_passed(chromium, demo, make_user):
    learner = make_user(None)
    context, tab, frame = _open(chromium, demo, learner, "b10-01")
    answer = frame.get_by_role("radio", name="〇 開いてよい")
    expect(answer).to_be_visible(timeout=20_000)
    answer.click()
    frame.get_by_role("button", name="答え合わせ").click()
    expect(tab.locator("[data-h5p-status-text]")).to_have_text("不合格", timeout=20_000)
    expect(tab.locator("[data-lesson-complete]")).to_be_hidden()
    package = H5PPackage.objects.get(title="あやしいSMSに注意 〇×クイズ")
    attempt = Attempt.objects.get(user=learner, package=package)
    assert attempt.completed and not attempt.passed
    assert tab.errors == []
    close_when_quiet(context)
