"""A unit check of 情報セキュリティ研修 plays in Chromium from the shared libraries and decides
the lesson (issue 14): the package carries only its content, the player takes the libraries the
full demo packages stored. Its progress text states the real number of questions.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from demo.h5p.security_checks import load_units
from learning.models import Attempt
from tests.browser.support import close_when_quiet
from tests.courses.test_demo_h5p_browser import _answers_recorded, _open, demo  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_pass_a_unit_check_and_finish_the_lesson(chromium, demo, make_user):  # noqa: F811
    questions = load_units()["S04"]["check"]
    learner = make_user(Role.STAFF)
    context, tab, frame = _open(chromium, demo, learner, "s04")
    status = frame.locator(".h5p-joubelui-progressbar-slide-status-text")
    expect(status).to_have_text(f"全{len(questions)}問中 1問目", timeout=20_000)
    with tab.expect_response(_answers_recorded(len(questions)), timeout=60_000):
        for question in questions:
            choice = frame.locator(
                ".h5p-sc-current-slide .h5p-sc-alternative", has_text=question["answers"][0]
            )
            expect(choice).to_be_visible(timeout=20_000)
            expect(frame.locator(".h5p-sc-slide.h5p-sc-current-slide")).to_have_count(1)
            choice.click()
            expect(choice).to_have_class(re.compile("h5p-sc-selected"), timeout=10_000)
            frame.get_by_role("button", name="次の問題へ").click()
            expect(choice).to_be_hidden(timeout=10_000)
        expect(tab.locator("[data-h5p-status-text]")).to_have_text("合格", timeout=20_000)
        expect(tab.locator("[data-lesson-complete]")).to_be_visible()
    attempt = Attempt.objects.get(user=learner, package__title__startswith="確認問題：標的型")
    assert attempt.passed and (attempt.score_raw, attempt.score_max) == (2, 2)
    assert tab.errors == []
    close_when_quiet(context)
