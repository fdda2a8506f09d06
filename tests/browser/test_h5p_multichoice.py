"""A real H5P.MultiChoice in Chromium: the server scores the learner's chosen answers.

The package is built from the MultiChoice 1.16 library inside the interactive-video.h5p
fixture (tests/learning/h5p_support.multi_choice_package), with shuffled answers so that the
player reports original indices through its id map, as it does for every real task.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from courses.choices import Audience
from learning.h5p.storage import import_package
from learning.models import Attempt, XapiStatement
from tests.browser.support import close_when_quiet, new_context
from tests.learning.h5p_support import multi_choice_package
from tests.learning.lesson_support import course, h5p_block, lesson

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTENT = {
    "question": "<p>パスワードとして安全なものをすべて選んでください</p>",
    "answers": [
        {"text": "<div>長く推測されにくい文字列</div>", "correct": True},
        {"text": "<div>誕生日</div>", "correct": False},
        {"text": "<div>サービスごとに違うもの</div>", "correct": True},
    ],
    "behaviour": {
        "singlePoint": False,
        "randomAnswers": True,
        "enableRetry": False,
        "enableSolutionsButton": False,
    },
    "UI": {"checkAnswerButton": "答え合わせ"},
}


@pytest.fixture
def quiz_lesson(live_server, settings, tmp_path, site_pages):
    port = urlsplit(live_server.url).port
    app, content = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    settings.H5P_CONTENT_ORIGIN = content
    settings.H5P_APP_ORIGINS = [app]
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.MEDIA_ROOT = tmp_path / "media"
    quiz = import_package(
        io.BytesIO(multi_choice_package(CONTENT)), title="パスワード", trusted=True
    )
    assert (quiz.scoring, quiz.max_score) == ("verified", 2)
    page = lesson(course("mc", audience=Audience.STAFF, pass_mark=100), "quiz", [h5p_block(quiz)])
    return app, page, quiz


@pytest.mark.parametrize(
    ("chosen", "label", "score"),
    [
        (["長く推測されにくい文字列", "サービスごとに違うもの"], "合格", 2),
        (["長く推測されにくい文字列", "誕生日"], "不合格", 0),
    ],
)
def test_multi_choice_is_scored_by_the_server(
    chromium, quiz_lesson, make_user, chosen, label, score
):
    app, page, quiz = quiz_lesson
    learner = make_user(Role.STAFF)
    context = new_context(chromium, app, learner)
    tab = context.new_page()
    tab.goto(page.url)
    tab.locator("iframe.h5p-activity__frame").scroll_into_view_if_needed()
    frame = tab.frame_locator("iframe.h5p-activity__frame")
    for text in chosen:
        answer = frame.locator(".h5p-answer", has_text=text)
        expect(answer).to_be_visible(timeout=20_000)
        answer.click()
    frame.locator(".h5p-question-check-answer").click()  # its name is the a11y label
    expect(tab.locator("[data-h5p-status-text]")).to_have_text(label, timeout=20_000)
    attempt = Attempt.objects.get(user=learner, package=quiz)
    assert (attempt.score_raw, attempt.score_max) == (score, 2)
    stored = XapiStatement.objects.get(user=learner, top_level=True, verb="answered")
    # What the real player sent agrees with the server's score.
    assert stored.reported_raw == stored.score_raw == score
    close_when_quiet(context)
