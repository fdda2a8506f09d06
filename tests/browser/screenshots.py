"""``make screenshots``: the resident pages and the trainer's check-in at 320 px with 特大 text.

Not collected by a plain ``pytest`` run (the file name does not start with ``test_``);
``make screenshots`` names it on the command line. It starts nothing by hand: pytest-django's
live server serves a fresh test database with a few classes, and Chromium (Debian's, through
tests/browser/support.py) saves full-page PNGs into ``screenshots/`` (kept out of git), or into
the folder named by the environment variable ``SCREENSHOT_DIR``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.roles import Role
from classes.services import allocate_seat
from tests.browser.screens import phone_context
from tests.classes.factories import booking, make_series, make_session, make_venue

pytestmark = pytest.mark.browser

OUTPUT = Path(os.environ.get("SCREENSHOT_DIR") or Path(settings.BASE_DIR) / "screenshots")


def _fill_booking_form(page) -> None:
    """Fill in the booking form's usual fields (whichever of them the form has)."""
    for selector, value in (
        ("#id_name", "豊島 花子"),
        ("#id_name_kana", "としま はなこ"),
        ("#id_phone", "03-3981-1234"),
    ):
        if page.locator(selector).count():
            page.fill(selector, value)
    for selector in ("#id_age_band_4", "#id_device_1", "#id_consent"):
        if page.locator(selector).count():
            page.check(selector)
    if page.locator("select#id_area").count():
        page.select_option("select#id_area", index=1)


def test_screenshots(chromium, live_server, site_pages, make_user):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    venue = make_venue(
        "区民ひろば西池袋第二",
        area="西池袋",
        address="豊島区西池袋2-2-2",
        access="JR池袋駅西口から歩いて10分",
    )
    first = make_session(
        make_series(title="はじめてのスマホ（電源・画面操作）", what_to_bring="お使いのスマホ"),
        venue=venue,
        capacity=1,
        days=3,
    )
    allocate_seat(first, booking(1), channel="web")  # full: キャンセル待ちで申し込む
    second = make_session(
        make_series(title="写真をとって送ってみよう", level="basic"), venue=venue, days=5
    )
    trainer = make_user(Role.TRAINER, mfa=True)
    second.trainers.add(trainer)
    allocate_seat(second, booking(2), channel="web")

    written = []
    context = phone_context(chromium, live_server.url)
    page = context.new_page()

    def shoot(name: str) -> None:
        path = OUTPUT / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        written.append(path)

    page.goto("/")
    shoot("home")
    page.goto(reverse("classes:session_list"))
    shoot("class-list")
    page.goto(reverse("classes:session_detail", args=[second.pk]))
    shoot("class-page")
    page.goto(reverse("classes:book", args=[second.pk]))
    shoot("booking-form")
    _fill_booking_form(page)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    confirm = "確認" in page.inner_text("h1")
    shoot("booking-confirm" if confirm else "booking-form-after-submit")
    context.close()

    context = phone_context(chromium, live_server.url, user=trainer)
    page = context.new_page()
    page.goto(reverse("classes_staff:checkin", args=[second.pk]))
    shoot("trainer-checkin")
    context.close()

    print(f"\n{len(written)} screenshots at 320×640, 特大, in {OUTPUT}:")
    for path in written:
        print(f"  {path.name}")
    assert confirm, "the booking form did not lead to a 確認 step"
