"""A trainer checks participants in on a phone-sized screen (375 px), with and without a camera.

The trainer has MFA set up and is signed in by session cookie, as the gates do. Typing the
reference always works. Where the browser offers BarcodeDetector (Chrome on Android) the camera
uses it (Chromium on Linux has none, so that test supplies a stand-in detector and camera);
where it does not (Safari on iPhone) the page loads the vendored jsQR decoder
(static/vendor/jsqr/) and reads the camera frames itself: one test scans a real QR code from
Chromium's fake camera with BarcodeDetector removed.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from base.qr import qr_matrix
from classes.models import Attendance
from classes.services import allocate_seat, check_in
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, new_context
from tests.classes.factories import booking, make_session

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
NO_DETECTOR = "delete window.BarcodeDetector;"
# Safari on an iPhone whose owner refused the camera: no BarcodeDetector, getUserMedia refuses.
CAMERA_REFUSED = (
    NO_DETECTOR
    + """
navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
"""
)
VENDORED_DECODER = Path(settings.BASE_DIR) / "static" / "vendor" / "jsqr"
NPM_DECODER = Path(settings.BASE_DIR) / "node_modules" / "jsqr"
DECODER_URL = "/static/vendor/jsqr/jsQR.js"
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
        page.requested = []
        page.on("request", lambda request: page.requested.append(request.url))
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
        "url": url,
    }
    for context in contexts:
        context.close()


def test_trainer_types_a_reference_and_sees_the_count_go_up(checkin):
    page = checkin["open"](CAMERA_REFUSED)
    count = page.locator("[data-count=checked_in]")
    result = page.locator("[data-checkin-result]")
    field = page.get_by_label("受付番号", exact=True)

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # No BarcodeDetector (Safari on iPhone): the camera is offered through the vendored decoder;
    # the trainer refuses the camera, is told so, and types the codes instead.
    page.get_by_role("button", name="カメラで読み取る").click()
    expect(page.get_by_role("alert")).to_have_text(
        "カメラの使用が許可されていません。ブラウザの設定でカメラを許可するか、"
        "受付番号を入力してください。"
    )
    expect(page.get_by_role("button", name="カメラで読み取る")).to_be_visible()
    assert any(url.endswith(DECODER_URL) for url in page.requested), page.requested
    expect(field).to_be_visible()
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
    # The native detector was used: the fallback decoder was never downloaded.
    assert not [url for url in page.requested if "jsqr" in url.lower()], page.requested
    assert page.errors == []


def test_the_vendored_decoder_is_the_pinned_npm_release():
    """static/vendor/jsqr/ is an unchanged copy of the exact version package.json pins."""
    pinned = json.loads((Path(settings.BASE_DIR) / "package.json").read_text())
    version = pinned["devDependencies"]["jsqr"]
    lock = json.loads((Path(settings.BASE_DIR) / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/jsqr"]["version"] == version
    installed = json.loads((NPM_DECODER / "package.json").read_text())
    assert installed["version"] == version, "run make install-test (npm ci)"
    assert (VENDORED_DECODER / "jsQR.js").read_bytes() == (
        NPM_DECODER / "dist" / "jsQR.js"
    ).read_bytes()
    assert (VENDORED_DECODER / "LICENSE").read_bytes() == (NPM_DECODER / "LICENSE").read_bytes()
    assert f"# jsQR {version} (vendored)" in (VENDORED_DECODER / "README.md").read_text()


def qr_video(path: Path, text: str, *, width: int = 640, height: int = 480) -> Path:
    """Write a short Y4M video (raw YUV 4:2:0) of a large centred QR code for ``text``.

    Chromium's fake camera (--use-file-for-fake-video-capture) plays it in a loop.
    """
    matrix = qr_matrix(text, border=4)  # the quiet zone is part of the matrix
    scale = min(width, height) * 9 // 10 // len(matrix)
    side = scale * len(matrix)
    left, top = (width - side) // 2, (height - side) // 2
    white = b"\xff" * width
    luma = bytearray()
    luma += white * top
    for row in matrix:
        line = b"\xff" * left
        line += b"".join((b"\x10" if dark else b"\xff") * scale for dark in row)
        line += b"\xff" * (width - left - side)
        luma += line * scale
    luma += white * (height - top - side)
    chroma = b"\x80" * (width // 2) * (height // 2) * 2  # no colour
    frame = b"FRAME\n" + bytes(luma) + chroma
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * 3)
    return path


def test_iphone_without_barcode_detector_scans_a_slip_from_the_camera(checkin, chromium, tmp_path):
    """Safari on iPhone has no BarcodeDetector: the vendored decoder reads the camera frames.

    A separate Chromium whose fake camera shows the first booking's slip QR code (its own launch
    arguments; the session's browser has no camera).
    """
    first = checkin["first"]
    video_file = qr_video(tmp_path / "slip.y4m", first.reference)
    camera_browser = chromium.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video_file}",
        ],
    )
    try:
        context = new_context(
            camera_browser, checkin["base_url"], checkin["trainer"], viewport=PHONE
        )
        context.grant_permissions(["camera"], origin=checkin["base_url"])
        context.add_init_script(NO_DETECTOR)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(checkin["url"])
        assert page.evaluate("'BarcodeDetector' in window") is False

        page.get_by_role("button", name="カメラで読み取る").click()
        expect(page.locator("[data-camera-video]")).to_be_visible()
        expect(page.locator("[data-checkin-result]")).to_contain_text(
            f"{first.name} さん：出席", timeout=15_000
        )
        expect(page.locator("[data-count=checked_in]")).to_have_text("1")
        attendance = Attendance.objects.get()
        assert attendance.registration == first
        assert attendance.status == Attendance.Status.PRESENT
        assert attendance.recorded_by == checkin["trainer"]

        # The camera keeps reading for the next slip until the trainer stops it or the page is
        # hidden (the phone is put away): then the camera is switched off.
        page.evaluate(
            """() => {
              window.__tracks = document.querySelector("[data-camera-video]").srcObject
                .getTracks();
              Object.defineProperty(document, "hidden", { value: true, configurable: true });
              document.dispatchEvent(new Event("visibilitychange"));
            }"""
        )
        expect(page.locator("[data-camera-video]")).to_be_hidden()
        assert page.evaluate("window.__tracks.every(track => track.readyState === 'ended')")
        expect(page.get_by_role("button", name="カメラで読み取る")).to_be_visible()
        assert page.evaluate("window.jsQR !== undefined")
        assert errors == []
        context.close()
    finally:
        camera_browser.close()
    assert Attendance.objects.count() == 1
