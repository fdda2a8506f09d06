"""The booking form on a small phone (320×640) with the largest text size (特大).

The keyboard-only run through 入力 → 確認 → 完了 and the cancel pages is
tests/browser/test_keyboard_booking.py. Here: the form's button is at most 6 screens down
(issue 14 found 8.5), and a full class books onto the waiting list through the confirm step
without a calendar link or "for 当日の受付" wording; each page fits the width and passes axe.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from classes.models import Registration
from classes.services import allocate_seat
from tests.browser.test_keyboard_booking import (
    CURRENT_STEP,
    check_page,
    phone_context,
    screens_to,
)
from tests.classes.factories import booking, make_series, make_session, make_venue

pytestmark = pytest.mark.browser

MAX_SCREENS_TO_BUTTON = 6
BUTTON = "form.booking-form button[name=step]"


def test_waiting_list_booking_at_320px_and_largest_text(chromium, live_server, site_pages):
    cache.clear()
    venue = make_venue("区民ひろば西池袋第二", area="西池袋", address="豊島区西池袋2-2")
    series = make_series(title="写真をとって家族に送ってみよう（LINE・メール）")
    session = make_session(series, venue=venue, capacity=1, days=10)
    allocate_seat(session, booking(1), channel="web")
    context = phone_context(chromium, live_server.url)
    page = context.new_page()

    page.goto(f"/classes/{session.pk}/book/")
    button = screens_to(page, BUTTON)
    print(f"\n320×640 特大: the booking form's button is {button} screens down")
    assert button <= MAX_SCREENS_TO_BUTTON, f"the button is {button} screens down at 320 px, 特大"
    assert page.locator("#privacy-notice").get_attribute("open") is None
    assert page.locator("#id_consent").is_visible()
    check_page(page, "waiting-list booking form")

    page.fill("#id_name", "池袋 次郎")
    page.fill("#id_name_kana", "イケブクロ　ジロウ")
    page.fill("#id_phone", "090-1234-5678")
    page.check("#id_age_band_5")
    page.select_option("#id_area", "西池袋")
    page.check("#id_device_0")
    page.check("#id_consent")
    with page.expect_navigation():
        page.locator(BUTTON).press("Enter")
    assert page.evaluate(CURRENT_STEP).endswith("確認")
    assert "キャンセル待ちで申し込む" in page.inner_text("form.booking-confirm")
    assert "イケブクロ ジロウ" in page.inner_text("#booking-summary")
    check_page(page, "waiting-list confirm step")

    with page.expect_navigation():
        page.get_by_role("button", name="キャンセル待ちで申し込む").press("Enter")
    registration = Registration.objects.get(name="池袋 次郎")
    assert registration.status == "waitlisted"
    main = page.inner_text("main")
    assert "キャンセル待ちの受付番号です" in main
    assert "お電話でお知らせします" in main
    assert "カレンダーに追加" not in main and "当日の受付" not in main
    assert page.locator("a[href$='calendar.ics']").count() == 0
    check_page(page, "waiting-list booking done")
    context.close()
