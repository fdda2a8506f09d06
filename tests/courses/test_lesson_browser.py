"""The iPhone/Android switch of the smartphone instructions, in Chromium."""

from __future__ import annotations

import pytest

from courses.models import LessonPage
from tests.browser.support import new_context

pytestmark = pytest.mark.browser


@pytest.fixture
def tab(chromium, live_server, site_pages):
    context = new_context(chromium, live_server.url)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def _visible_variants(page) -> list[str]:
    return page.eval_on_selector_all(
        "[data-device-variant]:not([hidden])",
        "nodes => nodes.map(n => n.dataset.deviceVariant)",
    )


def test_device_switch_shows_one_variant_and_remembers_it(tab):
    lesson = LessonPage.objects.live().order_by("path").first()
    tab.goto(lesson.url)
    iphone = tab.get_by_role("button", name="iPhone の手順")
    android = tab.get_by_role("button", name="Android の手順")
    assert _visible_variants(tab) == ["iphone"]
    assert iphone.get_attribute("aria-pressed") == "true"

    android.click()
    assert _visible_variants(tab) == ["android"]
    assert android.get_attribute("aria-pressed") == "true"
    assert iphone.get_attribute("aria-pressed") == "false"

    # The choice carries over to the next lesson.
    tab.goto(lesson.next_lesson().url)
    assert _visible_variants(tab) == ["android"]
    assert not tab.errors


def test_without_javascript_both_variants_show_with_headings(chromium, live_server, site_pages):
    context = chromium.new_context(
        base_url=live_server.url, java_script_enabled=False, locale="ja-JP"
    )
    try:
        page = context.new_page()
        page.goto(LessonPage.objects.live().order_by("path").first().url)
        assert _visible_variants(page) == ["iphone", "android"]
        assert page.get_by_role("heading", name="iPhone の場合").is_visible()
        assert page.get_by_role("heading", name="Android の場合").is_visible()
        assert not page.get_by_role("button", name="Android の手順").is_visible()
    finally:
        context.close()
