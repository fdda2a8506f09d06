"""Day-before reminders through ``send_class_reminders`` (classes.tasks, classes.notifications)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from classes import sms
from classes.models import ClassSession, Notification, PhoneCall, Registration
from classes.services import allocate_seat, cancel_session
from tests.classes.factories import booking, make_series, make_session

pytestmark = pytest.mark.django_db

DAY = date(2030, 1, 8)


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def booked_day():
    """Two sessions on DAY (one later cancelled), one the day after, each with bookings."""
    session = make_session(starts_at=_at(DAY, 10), capacity=3)
    with_mail = allocate_seat(session, booking(1, email="hanako1@example.jp"), channel="web")
    without_mail = allocate_seat(session, booking(2), channel="phone")
    cancelled = make_session(session.series, starts_at=_at(DAY, 14))
    allocate_seat(cancelled, booking(3, email="hanako3@example.jp"), channel="web")
    cancel_session(cancelled, reason="会場の都合")
    other_day = make_session(session.series, starts_at=_at(DAY + timedelta(days=1), 10))
    allocate_seat(other_day, booking(4, email="hanako4@example.jp"), channel="web")
    mail.outbox.clear()
    PhoneCall.objects.all().delete()
    return {"session": session, "with_mail": with_mail, "without_mail": without_mail}


def test_reminders_go_by_mail_or_onto_the_phone_list(booked_day, capsys):
    call_command("send_class_reminders", "--date", DAY.isoformat())
    assert [m.to for m in mail.outbox] == [["hanako1@example.jp"]]
    call = PhoneCall.objects.get()
    assert call.registration == booked_day["without_mail"]
    assert call.session == booked_day["session"]
    assert call.reason == PhoneCall.Reason.REMINDER
    out = capsys.readouterr().out
    assert "2030-01-08" in out
    assert "mailed 1" in out and "phone worklist 1" in out


def test_running_twice_sends_nothing_twice(booked_day, capsys):
    call_command("send_class_reminders", "--date", DAY.isoformat())
    call_command("send_class_reminders", "--date", DAY.isoformat())
    assert len(mail.outbox) == 1
    assert PhoneCall.objects.count() == 1
    assert Notification.objects.filter(kind="reminder").count() == 1
    second = capsys.readouterr().out.strip().splitlines()[-1]
    assert "mailed 0" in second and "phone worklist 0" in second


def test_sms_consent_on_a_mobile_takes_people_off_the_phone_list(booked_day, capsys):
    session = booked_day["session"]
    ClassSession.objects.filter(pk=session.pk).update(capacity=10)
    texted = allocate_seat(
        session, booking(5, phone="090-1234-5678", sms_consent=True), channel="phone"
    )
    # Consent on a number that is not a mobile does not count (the form refuses it too).
    landline = allocate_seat(session, booking(6), channel="phone")
    Registration.objects.filter(pk=landline.pk).update(sms_consent=True)
    call_command("send_class_reminders", "--date", DAY.isoformat())
    [message] = sms.outbox
    assert message.to == "09012345678"
    assert texted.reference in message.body and "明日1/8(火)10:00" in message.body
    listed = set(PhoneCall.objects.values_list("registration", flat=True))
    assert listed == {booked_day["without_mail"].pk, landline.pk}
    out = capsys.readouterr().out
    assert "mailed 1" in out and "texted 1" in out and "phone worklist 2" in out
    call_command("send_class_reminders", "--date", DAY.isoformat())
    assert len(sms.outbox) == 1


def test_whole_series_bookings_are_reminded_for_each_session():
    series = make_series(booking_mode="series")
    make_session(series, starts_at=_at(DAY, 10))
    make_session(series, starts_at=_at(DAY + timedelta(days=7), 10))
    allocate_seat(series, booking(1), channel="counter")
    call_command("send_class_reminders", "--date", DAY.isoformat())
    call_command("send_class_reminders", "--date", (DAY + timedelta(days=7)).isoformat())
    assert PhoneCall.objects.filter(reason="reminder").count() == 2


def test_default_day_is_tomorrow(capsys):
    tomorrow = timezone.localdate() + timedelta(days=1)
    session = make_session(starts_at=_at(tomorrow, 10))
    allocate_seat(session, booking(1), channel="phone")
    call_command("send_class_reminders")
    assert tomorrow.isoformat() in capsys.readouterr().out
    assert PhoneCall.objects.filter(reason="reminder", session=session).count() == 1


def test_a_bad_date_is_refused():
    with pytest.raises(CommandError) as exc:
        call_command("send_class_reminders", "--date", "あした")
    assert exc.value.returncode == 2
    assert "日付を読めません" in str(exc.value) and "Not a date" in str(exc.value)
