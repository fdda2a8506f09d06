"""A senior books a smartphone class and cancels it, with the keyboard only.

The browser is 320 px wide with the largest text size (特大), as the issue asks ("200% text
size and 320 px width"). No mouse click is used: Tab, Shift+Tab, Space, Enter and the arrow
keys only. Every page must fit the width (no sideways scrolling) and pass axe.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache

from classes.models import Registration
from tests.browser.support import NARROW, inject_axe, new_context
from tests.classes.factories import make_series, make_session, make_venue

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(
    v => `${v.id}: ${v.help} at ${v.nodes.map(n => n.target).join(', ')}`);
}"""
ACTIVE = """() => {
  const el = document.activeElement;
  return {tag: el.tagName.toLowerCase(), id: el.id, text: (el.innerText || '').trim(),
          value: el.value === undefined ? null : el.value, name: el.getAttribute('name')};
}"""
MAX_TABS = 80


@pytest.fixture
def tab(chromium, live_server, site_pages):
    """An anonymous visitor at 320 px with 特大 text, recording console errors."""
    cache.clear()  # reference lookups are rate-limited per address in the cache
    context = new_context(chromium, live_server.url, viewport=NARROW)
    context.add_cookies(
        [{"name": settings.TEXT_SIZE_COOKIE, "value": "xlarge", "url": live_server.url}]
    )
    page = context.new_page()
    page.errors = []

    def on_console(message):
        if message.type == "error":
            page.errors.append(f"console: {message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.errors.append(f"page error: {error}"))
    yield page
    context.close()


def tab_to(page, *, text: str | None = None, element_id: str | None = None, back=False) -> dict:
    """Press Tab (or Shift+Tab) until the focused element has this text or id."""
    key = "Shift+Tab" if back else "Tab"
    for _press in range(MAX_TABS):
        page.keyboard.press(key)
        active = page.evaluate(ACTIVE)
        if element_id is not None and active["id"] == element_id:
            return active
        if text is not None and text in active["text"]:
            return active
    pytest.fail(f"{key} never reached {text or element_id!r} on {page.url}.")


def press_and_wait(page, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def check_page(page, what: str) -> None:
    """The page fits 320 px at the largest text size and has no axe violations."""
    assert "text-size-xlarge" in page.evaluate("document.documentElement.className")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{what}: the page is {width} px wide; it must not scroll sideways."
    inject_axe(page)
    violations = page.evaluate(RUN_AXE, WCAG_TAGS)
    assert violations == [], f"{what}: {violations}"


def test_senior_books_prints_and_cancels_with_the_keyboard_at_320px_and_largest_text(tab):
    page = tab
    venue = make_venue(
        "区民ひろば要町", area="要町", access="地下鉄 要町駅から歩いて3分", address="豊島区要町1-1"
    )
    series = make_series(title="はじめてのスマホ教室", what_to_bring="お使いのスマホと老眼鏡")
    make_session(series, venue=venue, capacity=8, days=10)

    # Home page → the class list.
    page.goto("/")
    tab_to(page, text="スマホ教室をさがす")
    press_and_wait(page, "Enter")
    assert page.url.endswith("/classes/")
    check_page(page, "class list")

    # The list → the class page → the booking form.
    tab_to(page, text="はじめてのスマホ教室")
    press_and_wait(page, "Enter")
    assert "お使いのスマホと老眼鏡" in page.inner_text("main")
    assert "地下鉄 要町駅から歩いて3分" in page.inner_text("main")
    check_page(page, "class page")
    tab_to(page, text="申し込む")
    press_and_wait(page, "Enter")
    assert page.url.endswith("/book/")
    check_page(page, "booking form")

    # Fill in the form, with a phone number that is too short.
    tab_to(page, element_id="id_name")
    page.keyboard.type("豊島 花子")
    tab_to(page, element_id="id_name_kana")
    page.keyboard.type("としま はなこ")
    tab_to(page, element_id="id_phone")
    page.keyboard.type("03-3981")
    tab_to(page, element_id="id_age_band_0")
    for _step in range(4):
        page.keyboard.press("ArrowDown")  # moves through the radio group, checking each
    assert page.evaluate("document.activeElement.value") == "75-79"
    tab_to(page, element_id="id_area")
    for _step in range(11):
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.getElementById('id_area').value") == "駒込"
    tab_to(page, element_id="id_device_0")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.value") == "android"
    tab_to(page, element_id="id_consent")
    page.keyboard.press("Space")
    assert page.evaluate("document.getElementById('id_consent').checked")
    # One step back and forth with Shift+Tab: the privacy notice's phone link comes before.
    back = tab_to(page, text="03-3981-1111", back=True)
    assert back["tag"] == "a"
    tab_to(page, element_id="id_consent")
    tab_to(page, text="申し込む")
    press_and_wait(page, "Enter")

    # The error is announced: focus on the summary, the field marked and described.
    assert not Registration.objects.exists()
    assert page.evaluate(ACTIVE)["id"] == "error-summary"
    summary = page.inner_text("#error-summary")
    assert "電話番号" in summary and "10けたか11けた" in summary
    phone = page.locator("#id_phone")
    assert phone.get_attribute("aria-invalid") == "true"
    assert "id_phone_error" in phone.get_attribute("aria-describedby")
    assert "10けたか11けた" in page.inner_text("#id_phone_error")
    # Nothing typed is lost.
    assert page.input_value("#id_name") == "豊島 花子"
    assert page.input_value("#id_name_kana") == "としま はなこ"
    assert phone.input_value() == "03-3981"
    assert page.is_checked("#id_age_band_4")
    assert page.input_value("#id_area") == "駒込"
    assert page.is_checked("#id_device_1")
    assert page.is_checked("#id_consent")
    check_page(page, "booking form with an error")

    # The summary's link takes focus to the field; correct it and send again.
    tab_to(page, text="電話番号")
    page.keyboard.press("Enter")
    assert page.evaluate(ACTIVE)["id"] == "id_phone"
    page.keyboard.press("End")
    page.keyboard.type("-1234")
    tab_to(page, text="申し込む")
    press_and_wait(page, "Enter")

    # The confirmation shows the reference in large letters.
    registration = Registration.objects.get()
    assert registration.status == "confirmed"
    assert registration.phone == "0339811234"
    main = page.inner_text("main")
    assert "予約確定" in main
    assert registration.reference in main
    check_page(page, "confirmation")

    # The printable slip.
    tab_to(page, text="控えを印刷する")
    press_and_wait(page, "Enter")
    assert page.url.endswith(f"/booking/{registration.reference}/slip/")
    assert page.locator("svg.qr-code").count() == 1
    assert registration.reference in page.inner_text("main")
    check_page(page, "slip")
    tab_to(page, text="受付内容にもどる")
    press_and_wait(page, "Enter")

    # Cancel with reference and phone number.
    tab_to(page, text="取り消す")
    press_and_wait(page, "Enter")
    assert page.input_value("#id_reference") == registration.reference
    check_page(page, "cancel form")
    tab_to(page, element_id="id_phone")
    page.keyboard.type("０３－３９８１－１２３４")
    press_and_wait(page, "Enter")
    assert "この申込を取り消しますか" in page.inner_text("main")
    check_page(page, "cancel confirmation")
    active = tab_to(page, text="取り消す")
    assert active["tag"] == "button"
    press_and_wait(page, "Enter")
    assert "取り消しました" in page.inner_text("h1")
    check_page(page, "cancelled")

    registration.refresh_from_db()
    assert registration.status == "cancelled"
    assert page.errors == []
