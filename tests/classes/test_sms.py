"""SMS notices (classes.sms, classes.notifications) against a local fake provider.

The fake provider is a small HTTP server on 127.0.0.1 with Twilio's Messages API shape; it
records each request and answers with the statuses a test queues (200 by default), or not at
all (a time-out).
"""

from __future__ import annotations

import base64
import json
import threading
from collections import deque
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.core import mail
from django.utils import timezone

from classes import sms
from classes.forms import BookingForm
from classes.models import Notification, PhoneCall, Registration
from classes.notifications import (
    notify,
    retry_delay,
    send_day_before_reminders,
    send_pending_mails,
    sms_text,
)
from classes.services import allocate_seat, cancel_registration
from tests.classes.factories import booking, make_series, make_session, make_venue

pytestmark = pytest.mark.django_db

DAY = date(2030, 1, 8)
MOBILE = "090-1234-5678"
ACCOUNT = "AC0123456789"
TOKEN = "secret-token"
SENDER = "+815012345678"


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


# --- The fake provider ----------------------------------------------------------------------


class FakeProvider:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: deque[int | None] = deque()  # None: never answer (time-out)
        self.release = threading.Event()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                provider.requests.append(
                    {
                        "path": self.path,
                        "auth": self.headers.get("Authorization", ""),
                        "content_type": self.headers.get("Content-Type", ""),
                        "form": {k: v[0] for k, v in parse_qs(body).items()},
                    }
                )
                status = provider.statuses.popleft() if provider.statuses else 201
                if status is None:
                    provider.release.wait(5)  # the client gives up first (SMS_API_TIMEOUT)
                    return
                payload = json.dumps({"sid": "SM1", "status": "queued"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def provider(settings):
    with FakeProvider() as fake:
        settings.SMS_BACKEND = "classes.sms.TwilioBackend"
        settings.SMS_API_URL = fake.url
        settings.SMS_API_ACCOUNT = ACCOUNT
        settings.SMS_API_TOKEN = TOKEN
        settings.SMS_SENDER = SENDER
        settings.SMS_API_TIMEOUT = 0.5
        settings.CLASSES_MAIL_MAX_ATTEMPTS = 3
        yield fake


@pytest.fixture
def texted():
    """One booking on DAY 10:00 by a person without e-mail who consented, on a mobile."""
    session = make_session(starts_at=_at(DAY, 10), capacity=3)
    return allocate_seat(session, booking(1, phone=MOBILE, sms_consent=True), channel="phone")


@pytest.fixture(autouse=True)
def _before_day(monkeypatch):
    """The worker runs the afternoon before DAY."""
    now = _at(DAY - timedelta(days=1), 15)
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


# --- The rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "mobile"),
    [
        ("09012345678", True),
        ("08012345678", True),
        ("07012345678", True),
        ("0312345678", False),  # landline
        ("05012345678", False),  # IP phone
        ("06012345678", False),
        ("0901234567", False),  # too short
        ("", False),
    ],
)
def test_only_070_080_090_numbers_are_mobile(digits, mobile):
    assert sms.is_mobile_number(digits) is mobile


def test_sms_consent_on_a_landline_is_refused_with_a_clear_message():
    data = {
        "name": "豊島 花子",
        "name_kana": "としま はなこ",
        "phone": "03-3981-1111",
        "age_band": "75-79",
        "area": "駒込",
        "device": "android",
        "consent": "on",
        "sms_consent": "on",
    }
    form = BookingForm(data)
    assert not form.is_valid()
    assert "070・080・090" in form.errors["sms_consent"][0]
    form = BookingForm({**data, "phone": "０９０－１２３４－５６７８"})
    form.is_valid()
    assert "sms_consent" not in form.errors


def test_mail_first_then_sms_then_the_phone_list():
    session = make_session(starts_at=_at(DAY, 10))
    both = allocate_seat(
        session, booking(1, phone=MOBILE, email="a@example.jp", sms_consent=True), channel="web"
    )
    sms_only = allocate_seat(
        session, booking(2, phone="080-1111-2222", sms_consent=True), channel="web"
    )
    no_consent = allocate_seat(session, booking(3, phone="080-1111-3333"), channel="web")
    assert notify(both, "reminder", session=session, send_after_commit=False) == "queued"
    assert notify(sms_only, "reminder", session=session, send_after_commit=False) == "texted"
    assert notify(no_consent, "reminder", session=session, send_after_commit=False) == "listed"
    assert notify(sms_only, "reminder", session=session, send_after_commit=False) == "already"
    channels = dict(
        Notification.objects.filter(kind="reminder").values_list("registration", "channel")
    )
    assert channels == {both.pk: "mail", sms_only.pk: "sms"}
    assert list(PhoneCall.objects.values_list("registration", flat=True)) == [no_consent.pk]
    # A booking is confirmed on the screen or slip: no SMS for it.
    assert not Notification.objects.filter(kind="booked", channel="sms").exists()


# --- Texts ------------------------------------------------------------------------------------


LONGEST_TITLE = "マイナンバーカードの健康保険証利用・公金受取口座登録"  # the curriculum's longest
LONGEST_VENUE = "区民ひろば南大塚仮施設"  # of the 26 区民ひろば names (11 characters)


@pytest.mark.parametrize("kind", ["reminder", "promoted", "session_cancelled"])
@pytest.mark.parametrize("title", ["スマホ入門", LONGEST_TITLE])
def test_texts_fit_one_segment_and_say_what_where_when(kind, title):
    venue = make_venue(LONGEST_VENUE)
    session = make_session(
        make_series(title=title), starts_at=_at(date(2030, 12, 28), 10), venue=venue
    )
    registration = allocate_seat(session, booking(1, phone=MOBILE, sms_consent=True), channel="web")
    text = sms_text(kind, registration, session)
    assert sms.ucs2_units(text) <= 70, (len(text), text)
    assert sms.segments(text) == 1
    assert "12/28(土)10:00" in text
    assert LONGEST_VENUE in text
    assert f"受付番号{registration.reference}" in text
    assert title in text or text.count("…") == 1
    assert "http" not in text and "://" not in text
    assert registration.name not in text


def test_segments_count_ucs2_units():
    assert sms.segments("あ" * 70) == 1
    assert sms.segments("あ" * 71) == 2
    assert sms.ucs2_units("𠮷") == 2  # beyond the BMP


# --- Against the fake provider ------------------------------------------------------------------


def test_the_request_has_twilios_shape_and_basic_auth(provider, texted):
    result = send_day_before_reminders(DAY)
    assert result["texted"] == 1 and result["mailed"] == 0 and result["listed"] == 0
    [request] = provider.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    expected = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    assert request["auth"] == f"Basic {expected}"
    assert request["content_type"].startswith("application/x-www-form-urlencoded")
    form = request["form"]
    assert form["To"] == "+819012345678"
    assert form["From"] == SENDER
    assert form["Body"].startswith("【豊島区スマホ教室】明日1/8(火)10:00")
    assert texted.reference in form["Body"]
    note = Notification.objects.get(kind="reminder")
    assert (note.channel, note.status, note.attempts) == ("sms", "sent", 1)
    assert not PhoneCall.objects.exists()
    assert mail.outbox == []


def test_running_the_worker_twice_sends_once(provider, texted):
    send_day_before_reminders(DAY)
    send_day_before_reminders(DAY)
    send_pending_mails()
    send_pending_mails()
    assert len(provider.requests) == 1
    assert Notification.objects.filter(kind="reminder").count() == 1


def test_a_5xx_is_retried_after_the_back_off(provider, texted, _before_day):
    provider.statuses.extend([503])
    send_day_before_reminders(DAY)
    note = Notification.objects.get(kind="reminder")
    assert (note.status, note.attempts) == ("pending", 1)
    assert note.last_error == "SmsError temporary 503"
    assert note.next_attempt_at == _before_day + retry_delay(1)
    assert send_pending_mails(now=_before_day + timedelta(minutes=1))["sent"] == 0
    assert len(provider.requests) == 1
    assert send_pending_mails(now=note.next_attempt_at)["sent"] == 1
    assert len(provider.requests) == 2
    note.refresh_from_db()
    assert (note.status, note.attempts) == ("sent", 2)
    assert not PhoneCall.objects.exists()


def test_a_timeout_is_retried(provider, texted, _before_day):
    provider.statuses.extend([None])
    send_day_before_reminders(DAY)
    note = Notification.objects.get(kind="reminder")
    assert note.status == "pending"
    assert note.last_error == "SmsError temporary timeout"
    send_pending_mails(now=note.next_attempt_at)
    note.refresh_from_db()
    assert note.status == "sent"


def test_a_refused_number_goes_onto_the_phone_list_at_once(provider, texted):
    provider.statuses.extend([400])
    send_day_before_reminders(DAY)
    note = Notification.objects.get(kind="reminder")
    assert (note.status, note.attempts, note.last_error) == ("failed", 1, "SmsError permanent 400")
    call = PhoneCall.objects.get()
    assert call.registration == texted
    assert call.cause == PhoneCall.Cause.SMS_FAILED
    assert call.reason == PhoneCall.Reason.REMINDER
    send_pending_mails(now=timezone.now() + timedelta(days=1, hours=-20))
    assert len(provider.requests) == 1


def test_temporary_failures_end_on_the_phone_list_after_max_attempts(provider, texted):
    provider.statuses.extend([500, 502, 429])
    send_day_before_reminders(DAY)
    now = timezone.now()
    for _ in range(3):
        now += timedelta(hours=1)
        send_pending_mails(now=now)
    assert len(provider.requests) == 3
    note = Notification.objects.get(kind="reminder")
    assert (note.status, note.attempts) == ("failed", 3)
    assert PhoneCall.objects.get().cause == PhoneCall.Cause.SMS_FAILED


def test_an_unreachable_provider_is_a_temporary_error(settings, texted):
    settings.SMS_BACKEND = "classes.sms.TwilioBackend"
    settings.SMS_API_URL = "http://127.0.0.1:9"  # discard port: connection refused
    settings.SMS_API_ACCOUNT, settings.SMS_API_TOKEN, settings.SMS_SENDER = ACCOUNT, TOKEN, SENDER
    send_day_before_reminders(DAY)
    note = Notification.objects.get(kind="reminder")
    assert note.status == "pending"
    assert note.last_error == "SmsError temporary network"


def test_missing_settings_are_retried_not_dropped(settings, texted):
    settings.SMS_BACKEND = "classes.sms.TwilioBackend"
    settings.SMS_API_ACCOUNT = ""
    send_day_before_reminders(DAY)
    note = Notification.objects.get(kind="reminder")
    assert (note.status, note.last_error) == ("pending", "SmsError temporary config")


def test_a_waiting_list_promotion_is_texted(provider):
    session = make_session(starts_at=_at(DAY, 10), capacity=1)
    first = allocate_seat(session, booking(1), channel="phone")
    waiting = allocate_seat(session, booking(2, phone=MOBILE, sms_consent=True), channel="phone")
    assert waiting.status == Registration.Status.WAITLISTED
    cancel_registration(first)
    send_pending_mails()
    [request] = provider.requests
    assert request["form"]["Body"].startswith("【豊島区スマホ教室】繰り上げで予約確定。")
    assert waiting.reference in request["form"]["Body"]
    assert not PhoneCall.objects.filter(registration=waiting).exists()


def test_consent_withdrawn_after_queueing_puts_the_person_on_the_phone_list(provider, texted):
    Registration.objects.filter(pk=texted.pk).update(sms_consent=False)
    # The row was queued earlier (e.g. a promotion) while consent stood.
    Notification.objects.create(
        registration=texted,
        session=texted.session,
        kind="reminder",
        channel="sms",
        next_attempt_at=timezone.now(),
    )
    send_pending_mails()
    assert provider.requests == []
    assert PhoneCall.objects.get().cause == PhoneCall.Cause.SMS_FAILED


# --- The other backends ---------------------------------------------------------------------------


def test_console_file_and_locmem_backends(tmp_path, capsys, settings):
    message = sms.SmsMessage(to="09012345678", body="テスト")
    assert sms.ConsoleBackend().send_messages([message]) == 1
    assert "09012345678" in capsys.readouterr().out
    path = tmp_path / "sms.log"
    settings.SMS_FILE_PATH = str(path)
    settings.SMS_BACKEND = "classes.sms.FileBackend"
    assert sms.send_sms("09012345678", "テスト") == 1
    assert json.loads(path.read_text(encoding="utf-8"))["body"] == "テスト"
    settings.SMS_BACKEND = "classes.sms.LocmemBackend"
    sms.send_sms("08012345678", "テスト2")
    assert sms.outbox[-1] == sms.SmsMessage(to="08012345678", body="テスト2")


def test_the_default_backend_is_the_console(settings):
    del settings.SMS_BACKEND
    assert isinstance(sms.get_backend(), sms.ConsoleBackend)
