"""A trainer marks attendance with the keyboard alone (WCAG 2.1.1): Tab, Shift+Tab, Space, Enter.

今日の教室 → 名簿・出欠 → 出席 (Space) and 遅刻 (Enter) → 受付（QR） → the reference typed and
sent with Enter. No mouse, no script-driven focus: each step presses keys until the control is
focused (bounded), checks that the focus can be seen, and activates it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from classes.models import Attendance
from classes.services import allocate_seat
from tests.browser.support import new_context, watch
from tests.classes.factories import booking, make_session

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
MAX_PRESSES = 60

# The focused element: its role-ish description and whether a focus indicator is drawn.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const fieldset = el.closest('fieldset');
  const legend = fieldset && fieldset.querySelector('legend');
  return {
    tag: el.tagName.toLowerCase(),
    name: (el.getAttribute('aria-label') || el.textContent || '').trim(),
    label: el.labels && el.labels.length ? el.labels[0].textContent.trim() : '',
    group: legend ? legend.textContent.trim() : '',
    indicator: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
      || style.boxShadow !== 'none',
  };
}"""


def focus_by_keys(page, key: str, wanted, what: str) -> dict:
    """Press ``key`` until the focused element satisfies ``wanted``; return its description."""
    seen = []
    for _press in range(MAX_PRESSES):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
        if focused is not None and wanted(focused):
            assert focused["indicator"], f"{what}: focused without a visible indicator"
            return focused
        seen.append(focused and f"{focused['tag']} {focused['name'][:20]}")
    pytest.fail(f"{what}: not reached with {MAX_PRESSES} × {key}; focus went through {seen}")


def test_trainer_marks_attendance_with_the_keyboard_only(
    chromium, live_server, site_pages, make_user
):
    trainer = make_user(Role.TRAINER, mfa=True)
    session = make_session(capacity=5, days=0, starts_at=timezone.now() + timedelta(minutes=5))
    session.trainers.add(trainer)
    hanako = allocate_seat(session, booking(1, name="豊島 花子"), channel="web")
    taro = allocate_seat(session, booking(2, name="巣鴨 太郎"), channel="phone")
    jiro = allocate_seat(session, booking(3, name="目白 次郎"), channel="web")

    context = new_context(chromium, live_server.url, trainer, viewport=PHONE)
    try:
        page = context.new_page()
        problems = watch(page)
        page.goto(reverse("classes_staff:today"))

        # 今日の教室 → 名簿・出欠 (Enter follows the link).
        focus_by_keys(page, "Tab", lambda f: f["name"] == "名簿・出欠", "名簿・出欠")
        page.keyboard.press("Enter")
        expect(page).to_have_url(
            live_server.url + reverse("classes_staff:roster", args=[session.pk])
        )

        # 豊島 花子: 出席 with Space.
        focus_by_keys(
            page,
            "Tab",
            lambda f: f["name"] == "出席" and f["group"] == "豊島 花子 さんの出欠",
            "豊島 花子's 出席",
        )
        page.keyboard.press("Space")
        expect(page.get_by_text("豊島 花子 さん：出席")).to_be_visible()
        assert Attendance.objects.get(registration=hanako).status == Attendance.Status.PRESENT
        expect(page.locator(f"#r-{hanako.reference} .attendance")).to_contain_text("出席")

        # 巣鴨 太郎: past 遅刻 to 欠席 with Tab, back to 遅刻 with Shift+Tab, then Enter.
        focus_by_keys(
            page,
            "Tab",
            lambda f: f["name"] == "欠席" and f["group"] == "巣鴨 太郎 さんの出欠",
            "巣鴨 太郎's 欠席",
        )
        focus_by_keys(
            page,
            "Shift+Tab",
            lambda f: f["name"] == "遅刻" and f["group"] == "巣鴨 太郎 さんの出欠",
            "巣鴨 太郎's 遅刻",
        )
        page.keyboard.press("Enter")
        expect(page.get_by_text("巣鴨 太郎 さん：遅刻")).to_be_visible()
        assert Attendance.objects.get(registration=taro).status == Attendance.Status.LATE

        # Back up the page to 受付（QR）, and check 目白 次郎 in by typing the reference.
        focus_by_keys(page, "Shift+Tab", lambda f: f["name"] == "受付（QR）", "受付（QR）")
        page.keyboard.press("Enter")
        expect(page).to_have_url(
            live_server.url + reverse("classes_staff:checkin", args=[session.pk])
        )
        focus_by_keys(page, "Tab", lambda f: f["label"].startswith("受付番号"), "受付番号")
        page.keyboard.type(jiro.reference)
        page.keyboard.press("Enter")
        expect(page.locator("[data-checkin-result]")).to_contain_text("目白 次郎 さん：出席")
        assert Attendance.objects.get(registration=jiro).status == Attendance.Status.PRESENT
        assert Attendance.objects.count() == 3
        assert problems == []
    finally:
        context.close()
