"""Class mails go through an outbox: a pending row written with the booking, sent by the worker.

An SMTP failure leaves the row pending (retried later with backoff); after the last try the
person goes on the 要電話連絡 list. A failing mail never breaks the booking itself.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from classes.models import Notification, PhoneCall, Registration
from classes.notifications import send_pending_mails
from classes.services import allocate_seat, cancel_registration, cancel_session
from tests.classes.factories import booking, make_session
from tests.gates.support import sign_in

pytestmark = pytest.mark.django_db

SEND = "classes.notifications.send_mail"


def _refused(*args, **kwargs):
    raise smtplib.SMTPRecipientsRefused({"hanako@example.jp": (550, b"hanako@example.jp no")})


def _down(*args, **kwargs):
    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_smtp_failure_is_not_recorded_as_sent(django_capture_on_commit_callbacks):
    session = make_session()
    with mock.patch(SEND, side_effect=_refused), django_capture_on_commit_callbacks(execute=True):
        registration = allocate_seat(session, booking(1, email="hanako@example.jp"), channel="web")
    assert Registration.objects.filter(pk=registration.pk, status="confirmed").exists()
    note = Notification.objects.get(registration=registration, kind="booked")
    assert note.status == Notification.Status.PENDING
    assert note.sent_at is None
    assert note.attempts == 1
    assert note.next_attempt_at > timezone.now()
    # The class and SMTP code only: no address, no server text that could carry one.
    assert "SMTPRecipientsRefused" in note.last_error
    assert "hanako" not in note.last_error and "example" not in note.last_error


def test_the_worker_sends_a_failed_mail_again_when_due(django_capture_on_commit_callbacks):
    session = make_session()
    with mock.patch(SEND, side_effect=_down), django_capture_on_commit_callbacks(execute=True):
        registration = allocate_seat(session, booking(1, email="hanako@example.jp"), channel="web")
    mail.outbox.clear()
    assert send_pending_mails()["sent"] == 0  # not due yet: backoff
    later = timezone.now() + timedelta(hours=1)
    assert send_pending_mails(now=later) == {"sent": 1, "retrying": 0, "failed": 0, "expired": 0}
    note = Notification.objects.get(registration=registration)
    assert (note.status, note.attempts, note.last_error) == ("sent", 2, "")
    assert [m.to for m in mail.outbox] == [["hanako@example.jp"]]
    assert send_pending_mails(now=later + timedelta(hours=1))["sent"] == 0  # never twice


def test_promoted_person_whose_mail_keeps_failing_goes_on_the_phone_list(
    settings, django_capture_on_commit_callbacks
):
    settings.CLASSES_MAIL_MAX_ATTEMPTS = 2
    session = make_session(capacity=1)
    first = allocate_seat(session, booking(1), channel="phone")
    waiting = allocate_seat(session, booking(2, email="hanako@example.jp"), channel="web")
    with mock.patch(SEND, side_effect=_down):
        with django_capture_on_commit_callbacks(execute=True):
            cancel_registration(first)
        assert not PhoneCall.objects.exists()  # one try left
        send_pending_mails(now=timezone.now() + timedelta(days=1))
    note = Notification.objects.get(registration=waiting, kind="promoted")
    assert (note.status, note.attempts) == (Notification.Status.FAILED, 2)
    call = PhoneCall.objects.get(registration=waiting)
    assert call.reason == PhoneCall.Reason.PROMOTED
    assert call.cause == PhoneCall.Cause.MAIL_FAILED
    send_pending_mails(now=timezone.now() + timedelta(days=2))
    note.refresh_from_db()
    assert (note.status, note.attempts) == (Notification.Status.FAILED, 2)  # given up
    assert not [m for m in mail.outbox if "キャンセル待ちから" in m.subject]


def test_promotion_without_email_is_listed_once_and_not_mailed(django_capture_on_commit_callbacks):
    session = make_session(capacity=1)
    first = allocate_seat(session, booking(1), channel="phone")
    waiting = allocate_seat(session, booking(2), channel="phone")
    with django_capture_on_commit_callbacks(execute=True):
        cancel_registration(first)
    call = PhoneCall.objects.get(registration=waiting)
    assert (call.reason, call.cause) == ("promoted", "no_email")
    assert not Notification.objects.filter(registration=waiting).exists()


def test_the_pending_row_is_written_in_the_booking_transaction():
    """Before commit the mail is not sent, but its row already exists (nothing can be lost)."""
    session = make_session()
    registration = allocate_seat(session, booking(1, email="hanako@example.jp"), channel="web")
    note = Notification.objects.get(registration=registration)
    assert note.status == "pending" and note.attempts == 0
    assert mail.outbox == []


def test_session_cancellation_mails_are_queued_and_sent(django_capture_on_commit_callbacks):
    session = make_session()
    with_mail = allocate_seat(session, booking(1, email="hanako@example.jp"), channel="web")
    allocate_seat(session, booking(2), channel="phone")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancel_session(session, reason="会場の都合")
    note = Notification.objects.get(registration=with_mail, kind="session_cancelled")
    assert note.status == "sent"
    assert [m.to for m in mail.outbox] == [["hanako@example.jp"]]


def test_api_booking_succeeds_when_the_mail_server_is_down(
    client, settings, django_capture_on_commit_callbacks
):
    settings.CLASSES_BOOKING_RATE_LIMIT = "1000/m"
    session = make_session()
    payload = {
        "name": "豊島 花子",
        "name_kana": "としま はなこ",
        "phone": "03-3981-0001",
        "age_band": "75-79",
        "area": "駒込",
        "device": "android",
        "email": "hanako@example.jp",
        "consent": True,
    }
    with mock.patch(SEND, side_effect=_down), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/sessions/{session.pk}/bookings", payload, content_type="application/json"
        )
    assert response.status_code == 201, response.content
    note = Notification.objects.get()
    assert (note.status, note.attempts) == ("pending", 1)


def test_the_worker_command_reports_what_it_did(capsys, django_capture_on_commit_callbacks):
    session = make_session()
    with mock.patch(SEND, side_effect=_down), django_capture_on_commit_callbacks(execute=True):
        allocate_seat(session, booking(1, email="hanako@example.jp"), channel="web")
    Notification.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=1))
    call_command("send_class_mails")
    out = capsys.readouterr().out
    assert "sent 1" in out
    assert Notification.objects.get().status == "sent"


def test_a_mail_still_pending_when_the_session_starts_is_dropped(
    django_capture_on_commit_callbacks,
):
    session = make_session(days=1)
    with mock.patch(SEND, side_effect=_down), django_capture_on_commit_callbacks(execute=True):
        registration = allocate_seat(session, booking(1, email="hanako@example.jp"), channel="web")
    mail.outbox.clear()
    after_start = session.starts_at + timedelta(minutes=1)
    assert send_pending_mails(now=after_start)["expired"] == 1
    note = Notification.objects.get(registration=registration)
    assert (note.status, note.last_error) == ("failed", "expired")
    assert mail.outbox == [] and not PhoneCall.objects.exists()


def test_the_counter_sees_why_a_call_is_needed(make_user, settings):
    settings.CLASSES_MAIL_MAX_ATTEMPTS = 1
    session = make_session(capacity=1)
    first = allocate_seat(session, booking(1), channel="phone")
    allocate_seat(session, booking(2, email="hanako@example.jp"), channel="web")
    allocate_seat(session, booking(3), channel="phone")
    with mock.patch(SEND, side_effect=_down):
        cancel_registration(first)
        send_pending_mails()
    counter = make_user(Role.COUNTER, mfa=True)
    html = sign_in(Client(), counter).get(reverse("classes_staff:calls")).content.decode()
    assert "メールを送れなかった" in html
