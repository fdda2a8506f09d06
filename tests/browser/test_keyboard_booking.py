"""A senior books a class through 入力 → 確認 → 完了 and cancels it, with the keyboard only.

The browser is 320 px wide with the largest text size (特大). No mouse click is used: Tab,
Shift+Tab, Space, Enter and the arrow keys (inside a radio group or a select) only. One
context for the whole run; every page must fit the width and pass axe.
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
CURRENT_STEP = "() => document.querySelector('.steps [aria-current=step]').innerText.trim()"
MAX_TABS = 80


def phone_context(browser, base_url: str):
    """A visitor on a 320×640 phone with the largest text size (特大) already chosen."""
    context = new_context(browser, base_url, viewport=NARROW)
    context.add_cookies([{"name": settings.TEXT_SIZE_COOKIE, "value": "xlarge", "url": base_url}])
    return context


def screens_to(page, selector: str) -> float:
    """The top of the first match from the top of the page, in screens (viewport heights).

    (The same measure as tests/browser/screens.py, kept here so this file stands alone.)
    """
    element = page.locator(selector).first
    assert element.is_visible(), f"{page.url}: {selector!r} is not visible"
    top = element.evaluate("el => el.getBoundingClientRect().top + window.scrollY")
    return round(top / page.evaluate("window.innerHeight"), 2)


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


def arrow_down_to(page, element_id: str, value: str, limit: int = 40) -> None:
    """Move a focused select or radio group down until ``value`` is chosen."""
    for _press in range(limit):
        if page.evaluate("(id) => document.getElementById(id).value", element_id) == value:
            return
        page.keyboard.press("ArrowDown")
        if page.evaluate("document.activeElement.value") == value:
            return
    pytest.fail(f"ArrowDown never chose {value!r} in #{element_id}.")


def check_page(page, what: str) -> None:
    """The page fits 320 px at the largest text size and has no axe violations."""
    assert "text-size-xlarge" in page.evaluate("document.documentElement.className")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{what}: the page is {width} px wide; it must not scroll sideways."
    inject_axe(page)
    violations = page.evaluate(RUN_AXE, WCAG_TAGS)
    assert violations == [], f"{what}: {violations}"


def test_booking_through_confirm_and_cancelling_with_the_keyboard_only(
    chromium, live_server, site_pages
):
    cache.clear()  # bookings and lookups are rate-limited per address in the cache
    venue = make_venue(
        "区民ひろば要町", area="要町", access="地下鉄 要町駅から歩いて3分", address="豊島区要町1-1"
    )
    series = make_series(title="はじめてのスマホ教室", what_to_bring="お使いのスマホと老眼鏡")
    make_session(series, venue=venue, capacity=8, days=10)
    context = phone_context(chromium, live_server.url)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(f"page error: {error}"))

    # Home page → the class list → the class page → the booking form (step 1).
    page.goto("/")
    tab_to(page, text="スマホ教室をさがす")
    press_and_wait(page, "Enter")
    assert page.url.endswith("/classes/")
    tab_to(page, text="はじめてのスマホ教室")
    press_and_wait(page, "Enter")
    assert "地下鉄 要町駅から歩いて3分" in page.inner_text("main")
    tab_to(page, text="申し込む")
    press_and_wait(page, "Enter")
    assert page.url.endswith("/book/")
    assert page.evaluate(CURRENT_STEP).endswith("入力")
    check_page(page, "booking form")

    # Fill in the form, with ふりがな in kanji and a phone number that is too short.
    tab_to(page, element_id="id_name")
    page.keyboard.type("豊島 花子")
    tab_to(page, element_id="id_name_kana")
    page.keyboard.type("豊島 花子")
    tab_to(page, element_id="id_phone")
    page.keyboard.type("03-3981")
    tab_to(page, element_id="id_age_band_0")
    arrow_down_to(page, "id_age_band_0", "75-79")
    tab_to(page, element_id="id_area")
    arrow_down_to(page, "id_area", "駒込")
    tab_to(page, element_id="id_device_0")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.value") == "android"
    tab_to(page, element_id="id_consent")
    page.keyboard.press("Space")
    assert page.evaluate("document.getElementById('id_consent').checked")
    # The privacy notice is folded: Shift+Tab to its summary, Enter opens it, Tab reaches
    # the phone link inside, then on to the consent box again.
    back = tab_to(page, text="個人情報の取扱い", back=True)
    assert back["tag"] == "summary"
    page.keyboard.press("Enter")
    assert page.evaluate("document.getElementById('privacy-notice').open")
    assert tab_to(page, text="03-3981-1111")["tag"] == "a"
    tab_to(page, element_id="id_consent")
    tab_to(page, text="入力内容を確認する")
    press_and_wait(page, "Enter")

    # Both errors are announced in plain words; focus on the summary; nothing typed is lost.
    assert not Registration.objects.exists()
    assert page.evaluate(ACTIVE)["id"] == "error-summary"
    summary = page.inner_text("#error-summary")
    assert "ふりがなは ひらがな か カタカナ で入力してください" in summary
    assert "10けたか11けた" in summary
    assert "この項目は必須です" not in page.inner_text("main")
    assert page.input_value("#id_name") == "豊島 花子"
    assert page.is_checked("#id_age_band_4")
    assert page.input_value("#id_area") == "駒込"
    assert page.is_checked("#id_device_1")
    assert page.is_checked("#id_consent")
    check_page(page, "booking form with errors")

    # Correct both fields from the summary's links.
    tab_to(page, text="ふりがな")
    page.keyboard.press("Enter")
    assert page.evaluate(ACTIVE)["id"] == "id_name_kana"
    page.keyboard.press("Control+A")
    page.keyboard.type("としま はなこ")
    tab_to(page, element_id="id_phone")
    page.keyboard.press("End")
    page.keyboard.type("-1234")
    tab_to(page, text="入力内容を確認する")
    press_and_wait(page, "Enter")

    # Step 2: the summary of what will be sent; nothing is booked yet.
    assert page.evaluate(CURRENT_STEP).endswith("確認")
    assert not Registration.objects.exists()
    confirm = page.inner_text("#booking-summary")
    for text in ("豊島 花子", "としま はなこ", "03-3981-1234", "75〜79歳", "駒込", "Android"):
        assert text in confirm, text
    check_page(page, "confirm step")

    # 修正する: back to the form with every value kept, then confirm again.
    tab_to(page, text="修正する")
    press_and_wait(page, "Enter")
    assert page.evaluate(CURRENT_STEP).endswith("入力")
    assert page.input_value("#id_name_kana") == "としま はなこ"
    assert page.input_value("#id_phone") == "03-3981-1234"
    assert page.is_checked("#id_age_band_4") and page.is_checked("#id_consent")
    tab_to(page, text="入力内容を確認する")
    press_and_wait(page, "Enter")
    assert page.evaluate(CURRENT_STEP).endswith("確認")

    # 申し込む: step 3, the booking page with the reference.
    assert tab_to(page, text="申し込む")["tag"] == "button"
    press_and_wait(page, "Enter")
    registration = Registration.objects.get()
    assert (registration.status, registration.phone) == ("confirmed", "0339811234")
    assert registration.name_kana == "としま はなこ"
    assert page.evaluate(CURRENT_STEP).endswith("完了")
    main = page.inner_text("main")
    assert "予約確定" in main and registration.reference in main
    check_page(page, "done")

    # The printable slip, and back.
    tab_to(page, text="控えを印刷する")
    press_and_wait(page, "Enter")
    assert page.url.endswith(f"/booking/{registration.reference}/slip/")
    check_page(page, "slip")
    tab_to(page, text="受付内容にもどる")
    press_and_wait(page, "Enter")

    # Cancel through the cancel pages with reference and phone number.
    tab_to(page, text="取り消す")
    press_and_wait(page, "Enter")
    assert page.input_value("#id_reference") == registration.reference
    check_page(page, "cancel form")
    tab_to(page, element_id="id_phone")
    page.keyboard.type("０３－３９８１－１２３４")
    press_and_wait(page, "Enter")
    assert "この申込を取り消しますか" in page.inner_text("main")
    check_page(page, "cancel confirmation")
    assert tab_to(page, text="取り消す")["tag"] == "button"
    press_and_wait(page, "Enter")
    assert "取り消しました" in page.inner_text("h1")
    check_page(page, "cancelled")

    registration.refresh_from_db()
    assert registration.status == "cancelled"
    assert page.errors == []
    context.close()
