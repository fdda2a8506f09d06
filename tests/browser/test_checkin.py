"""A trainer checks participants in on a phone-sized screen (375 px), with and without a camera.

The trainer has MFA set up and is signed in by session cookie, as the gates do. Typing the
reference always works; where the browser offers BarcodeDetector the camera button appears
(Chromium on Linux has none, so that test supplies a stand-in detector and camera).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from classes.models import Attendance
from classes.services import allocate_seat, check_in
from tests.browser.support import new_context
from tests.classes.factories import booking, make_session

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
NO_DETECTOR = "delete window.BarcodeDetector;"
# A stand-in for a phone with a camera: BarcodeDetector that "sees" window.__scanValue, and a
# camera stream drawn on a canvas.
FAKE_CAMERA = """
(() => {
  window.__scanValue = "";
  window.BarcodeDetector = class {
    constructor(options) { window.__detectorFormats = options && options.formats; }
    static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
    detect(source) {
      const value = window.__scanValue;
      return Promise.resolve(value ? [{ rawValue: value, format: "qr_code" }] : []);
    }
  };
  if (!navigator.mediaDevices) {
    Object.defineProperty(navigator, "mediaDevices", { value: {} });
  }
  navigator.mediaDevices.getUserMedia = (constraints) => {
    window.__constraints = constraints;
    const canvas = document.createElement("canvas");
    canvas.width = 64;
    canvas.height = 64;
    const ctx = canvas.getContext("2d");
    let shade = 0;
    setInterval(() => {
      shade = (shade + 40) % 256;
      ctx.fillStyle = `rgb(${shade}, ${shade}, ${shade})`;
      ctx.fillRect(0, 0, 64, 64);
    }, 50);
    return Promise.resolve(canvas.captureStream(10));
  };
})();
"""


@pytest.fixture
def checkin(chromium, live_server, site_pages, make_user):
    """A session starting soon with three bookings (two seats), taught by the trainer."""
    trainer = make_user(Role.TRAINER, mfa=True)
    session = make_session(capacity=2, days=0, starts_at=timezone.now() + timedelta(minutes=5))
    session.trainers.add(trainer)
    first = allocate_seat(session, booking(1, name="豊島 花子"), channel="web")
    second = allocate_seat(session, booking(2, name="巣鴨 太郎"), channel="phone")
    waiting = allocate_seat(session, booking(3, name="目白 次郎"), channel="web")
    url = reverse("classes_staff:checkin", args=[session.pk])

    def open_page(init_script: str):
        context = new_context(chromium, live_server.url, trainer, viewport=PHONE)
        context.add_init_script(init_script)
        page = context.new_page()
        page.errors = []

        def on_console(message):
            if message.type == "error":
                page.errors.append(f"console: {message.text} ({message.location.get('url')})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: page.errors.append(f"page error: {error}"))
        page.goto(url)
        contexts.append(context)
        return page

    contexts: list = []
    yield {
        "open": open_page,
        "session": session,
        "trainer": trainer,
        "first": first,
        "second": second,
        "waiting": waiting,
        "base_url": live_server.url,
    }
    for context in contexts:
        context.close()


def test_trainer_types_a_reference_and_sees_the_count_go_up(checkin):
    page = checkin["open"](NO_DETECTOR)
    count = page.locator("[data-count=checked_in]")
    result = page.locator("[data-checkin-result]")
    field = page.get_by_label("受付番号", exact=True)

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.locator("[data-camera]")).to_be_hidden()  # no BarcodeDetector: no camera
    expect(count).to_have_text("0")
    expect(page.locator("[data-count=booked]")).to_have_text("2")
    page.evaluate("window.__samePage = true")

    field.fill(checkin["first"].reference.lower())
    page.get_by_role("button", name="受付する").click()

    expect(result).to_contain_text("豊島 花子 さん：出席")
    expect(count).to_have_text("1")
    expect(field).to_have_value("")
    assert page.evaluate("window.__samePage === true"), "The script should post without a reload."
    assert Attendance.objects.get().registration == checkin["first"]

    field.fill("ACEFGH")
    field.press("Enter")
    expect(result).to_contain_text("この受付番号は、この回の申込ではありません。")
    expect(field).to_have_value("ACEFGH")

    field.fill(checkin["waiting"].reference)
    field.press("Enter")
    expect(result).to_contain_text("予約が確定していません")

    # Another trainer checks someone in on their own phone: the poll brings the count up.
    check_in(checkin["session"], checkin["second"].reference, by=checkin["trainer"])
    expect(count).to_have_text("2", timeout=15_000)
    assert page.errors == []


def test_camera_scan_fills_in_and_submits_the_reference(checkin):
    page = checkin["open"](FAKE_CAMERA)
    start = page.get_by_role("button", name="カメラで読み取る")
    video = page.locator("[data-camera-video]")
    expect(start).to_be_visible()
    start.click()
    expect(video).to_be_visible()

    # The slip's QR code holds the bare reference; a URL ending in it works as well.
    url = f"{checkin['base_url']}/classes/booking/{checkin['first'].reference}/slip/"
    page.evaluate("value => { window.__scanValue = value; }", url)
    expect(page.locator("[data-checkin-result]")).to_contain_text("豊島 花子 さん：出席")
    page.evaluate("() => { window.__scanValue = ''; }")  # the slip is taken away
    expect(page.locator("[data-count=checked_in]")).to_have_text("1")
    assert page.evaluate("window.__detectorFormats") == ["qr_code"]
    assert page.evaluate("window.__constraints.video.facingMode") == "environment"

    page.get_by_role("button", name="カメラを止める").click()
    expect(video).to_be_hidden()
    expect(start).to_be_visible()
    assert Attendance.objects.filter(registration=checkin["first"]).count() == 1
    assert page.errors == []
