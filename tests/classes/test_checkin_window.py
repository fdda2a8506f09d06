"""Check-in and attendance are accepted on the session's day only (one rule, web and API).

The window opens ``CLASSES_CHECKIN_OPENS_MINUTES`` before the start and closes at the end of
the session's (local) day: ``classes.services.check_attendance_window``.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.tokens import issue_token
from classes.models import Attendance
from classes.services import (
    BookingError,
    allocate_seat,
    check_attendance_window,
    check_in,
    record_attendance,
)
from tests.classes.factories import booking, make_session
from tests.gates.support import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainer(make_user):
    return make_user(Role.TRAINER, mfa=True)


@pytest.fixture
def next_week(trainer):
    """A session a week ahead, with one confirmed booking and its trainer."""
    session = make_session(days=7)
    session.trainers.add(trainer)
    registration = allocate_seat(session, booking(1, name="豊島 花子"), channel="web")
    return session, registration


def test_web_check_in_a_week_ahead_is_refused(trainer, next_week):
    session, registration = next_week
    client = sign_in(Client(), trainer)
    response = client.post(
        reverse("classes_staff:checkin", args=[session.pk]), {"reference": registration.reference}
    )
    assert response.status_code == 422
    assert "当日" in response.content.decode()
    assert not Attendance.objects.exists()


def test_web_check_in_script_gets_the_refusal_as_json(trainer, next_week):
    session, registration = next_week
    client = sign_in(Client(), trainer)
    response = client.post(
        reverse("classes_staff:checkin", args=[session.pk]),
        {"reference": registration.reference},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["ok"] is False
    assert "当日" in response.json()["message"]
    assert not Attendance.objects.exists()


def test_web_attendance_a_week_ahead_is_refused(trainer, next_week):
    session, registration = next_week
    client = sign_in(Client(), trainer)
    response = client.post(
        reverse("classes_staff:roster", args=[session.pk]),
        {"registration": registration.pk, "status": "present"},
        follow=True,
    )
    assert "当日" in response.content.decode()
    assert not Attendance.objects.exists()


def test_api_check_in_a_week_ahead_is_refused_with_a_code(client, trainer, next_week):
    session, registration = next_week
    response = client.post(
        f"/api/bookings/{registration.reference}/check-in",
        data=json.dumps({"session_id": session.pk}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {issue_token(trainer, 'tablet')}",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_session_day"
    assert "当日" in response.json()["detail"]
    assert not Attendance.objects.exists()


def _on(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def test_the_window_opens_before_the_start_and_closes_at_the_end_of_the_day(settings):
    settings.CLASSES_CHECKIN_OPENS_MINUTES = 60
    day = timezone.localdate() + timedelta(days=3)
    session = make_session(starts_at=_on(day, 10))
    for refused in (_on(day, 8, 59), _on(day + timedelta(days=1), 0, 0), _on(day, 0, 0)):
        with pytest.raises(BookingError) as exc:
            check_attendance_window(session, now=refused)
        assert exc.value.code == "not_session_day"
    for accepted in (_on(day, 9, 0), _on(day, 10, 30), _on(day, 23, 59)):
        check_attendance_window(session, now=accepted)


def test_the_services_refuse_outside_the_window_and_write_nothing(next_week):
    session, registration = next_week
    with pytest.raises(BookingError):
        check_in(session, registration.reference)
    with pytest.raises(BookingError):
        record_attendance(session, registration, "present")
    assert not Attendance.objects.exists()


def test_check_in_on_the_day_still_works(trainer, make_user):
    session = make_session(starts_at=timezone.now() + timedelta(minutes=30))
    registration = allocate_seat(session, booking(1), channel="web")
    attendance = check_in(session, registration.reference, by=trainer)
    assert attendance.status == "present"
