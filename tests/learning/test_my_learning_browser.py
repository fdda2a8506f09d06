"""マイ学習 and the certificate pages in Chromium, with real data: axe at 1280 and 320 px.

The access-matrix audit sees マイ学習 empty and cannot reach the verification page's found and
not-found states (the sample code does not exist); these tests audit the pages as people see
them.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import timezone

from learning.fiscal import fiscal_year
from learning.models import CourseCompletion, LessonProgress
from tests.browser.support import audit, new_context, report
from tests.learning.lesson_support import course, lesson

pytestmark = pytest.mark.browser

CODE = "ACDEFGHJKM"


@pytest.fixture
def learner_with_history(make_user, site_pages):
    cache.clear()
    learner = make_user(None, last_name="豊島", first_name="花子")
    ongoing = course("ongoing", title="スマホの基本：電話とメッセージを使ってみよう")
    first = lesson(ongoing, "o1", title="電話をかける")
    lesson(ongoing, "o2", title="メッセージを送る")
    LessonProgress.objects.create(
        user=learner, lesson=first, read_at=timezone.now(), completed_at=timezone.now()
    )
    done = course("done", title="情報セキュリティ研修（令和8年度）", certificate=True)
    lesson(done, "d1")
    now = timezone.now()
    CourseCompletion.objects.create(
        user=learner,
        course=done,
        course_title=done.title,
        completed_at=now,
        fiscal_year=fiscal_year(now),
        score=92.5,
        certificate_code=CODE,
    )
    yield learner
    cache.clear()


@pytest.mark.parametrize(
    ("path", "signed_in", "status"),
    [
        pytest.param("/learning/my/", True, 200, id="my-learning"),
        pytest.param(f"/certificates/{CODE}/", False, 200, id="verify-found"),
        pytest.param("/certificates/ACDEFGHJKN/", False, 404, id="verify-not-found"),
        pytest.param("/certificates/?code=%21%21", False, 200, id="lookup-error"),
    ],
)
def test_page_with_data_is_accessible(
    path, signed_in, status, chromium, live_server, learner_with_history
):
    user = learner_with_history if signed_in else None
    context = new_context(chromium, live_server.url, user)
    try:
        page = context.new_page()
        response = page.goto(path)
        assert response.status == status
        problems = audit(page, live_server.url)
    finally:
        context.close()
    assert not problems, report(path, problems)


def test_resume_link_opens_the_next_lesson(chromium, live_server, learner_with_history):
    context = new_context(chromium, live_server.url, learner_with_history)
    try:
        page = context.new_page()
        page.goto("/learning/my/")
        with page.expect_navigation():
            page.get_by_role("link", name="続きから受講する").click()
        assert page.locator("h1").inner_text() == "メッセージを送る"
    finally:
        context.close()
