"""Audit records are written by the services (or the one admin view), once per action.

Each path that touches personal data leaves exactly one entry with the actor, the target and
the client address: API and web check-in, attendance, skill checks, the Wagtail admin's
申込 list/search/inspect, its 要電話連絡 list, and the class certificate.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.tokens import issue_token
from base.models import AuditEntry
from classes.models import PhoneCall
from classes.services import allocate_seat, cancel_registration, record_attendance
from courses.models import CurriculumUnit
from tests.classes.factories import booking, make_series, make_session
from tests.gates.support import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainer(make_user):
    return make_user(Role.TRAINER, mfa=True)


@pytest.fixture
def today(trainer):
    """A session in half an hour (check-in is open), its trainer and one confirmed booking."""
    session = make_session(capacity=2, starts_at=timezone.now() + timedelta(minutes=30))
    session.trainers.add(trainer)
    registration = allocate_seat(session, booking(1, name="豊島 花子"), channel="web")
    return session, registration


def _only(action: str) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(action=action))
    assert len(entries) == 1, [e.action for e in AuditEntry.objects.all()]
    return entries[0]


def test_api_check_in_is_audited_once(client, trainer, today):
    session, registration = today
    response = client.post(
        f"/api/bookings/{registration.reference}/check-in",
        data=json.dumps({"session_id": session.pk}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {issue_token(trainer, 'tablet')}",
    )
    assert response.status_code == 200
    entry = _only("classes.attendance.checked_in")
    assert (entry.user, entry.obj) == (trainer, registration)
    assert entry.data["session"] == session.pk and entry.data["status"] == "present"
    assert entry.ip == "127.0.0.1"


def test_web_check_in_is_audited_once_and_a_repeat_writes_nothing(trainer, today):
    session, registration = today
    client = sign_in(Client(), trainer)
    url = reverse("classes_staff:checkin", args=[session.pk])
    client.post(url, {"reference": registration.reference})
    client.post(url, {"reference": registration.reference})  # already checked in
    entry = _only("classes.attendance.checked_in")
    assert (entry.user, entry.obj) == (trainer, registration)


def test_web_attendance_is_audited_once(trainer, today):
    session, registration = today
    client = sign_in(Client(), trainer)
    client.post(
        reverse("classes_staff:roster", args=[session.pk]),
        {"registration": registration.pk, "status": "absent"},
    )
    entry = _only("classes.attendance.recorded")
    assert (entry.user, entry.obj) == (trainer, registration)
    assert entry.data == {"session": session.pk, "status": "absent"}
    assert entry.ip == "127.0.0.1"


def test_skill_checks_are_audited_once(trainer):
    unit = CurriculumUnit.objects.create(
        track="smartphone", course_code="B01", course_title="基本操作", title="電源",
        objectives="電源を入れたり切ったりできる", sort_order=1,
    )  # fmt: skip
    series = make_series(curriculum_code="B01")
    first = make_session(series, days=7)
    first.trainers.add(trainer)
    registration = allocate_seat(first, booking(1), channel="web")
    client = sign_in(Client(), trainer)
    prefix = f"p{registration.pk}"
    response = client.post(
        reverse("classes_staff:skills", args=[first.pk]) + "?phase=pre",
        {"registration": registration.pk, "phase": "pre", f"{prefix}-unit_{unit.pk}": "on"},
    )
    assert response.status_code == 302
    entry = _only("classes.skills.recorded")
    assert (entry.user, entry.obj) == (trainer, registration)
    assert entry.data == {"phase": "pre", "items": 1}


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, mfa=True)


def test_admin_registration_list_search_and_inspect_are_audited(admin, today):
    _session, registration = today
    client = sign_in(Client(), admin)
    list_url = reverse("wagtailsnippets_classes_registration:list")
    assert client.get(list_url).status_code == 200
    listed = _only("classes.booking.listed")
    assert listed.user == admin and listed.data["results"] == 1

    assert client.get(list_url, {"q": "豊島 花子"}).status_code == 200
    searched = _only("classes.booking.searched")
    assert searched.user == admin and searched.ip == "127.0.0.1"
    # The query is recorded as a keyed fingerprint, never the name or number typed.
    assert "豊島" not in json.dumps(searched.data, ensure_ascii=False)
    assert searched.data["query"]["length"] == len("豊島 花子")
    assert len(searched.data["query"]["hash"]) == 16

    inspect_url = reverse("wagtailsnippets_classes_registration:inspect", args=[registration.pk])
    assert client.get(inspect_url).status_code == 200
    viewed = _only("classes.booking.viewed")
    assert (viewed.user, viewed.obj) == (admin, registration)


def test_the_same_search_gives_the_same_fingerprint(admin, today):
    client = sign_in(Client(), admin)
    list_url = reverse("wagtailsnippets_classes_registration:list")
    client.get(list_url, {"q": "03-3981-0001"})
    client.get(list_url, {"q": "03-3981-0001"})
    first, second = AuditEntry.objects.filter(action="classes.booking.searched")
    assert first.data["query"] == second.data["query"]
    assert "3981" not in json.dumps(first.data)


def test_admin_phone_call_list_is_audited(admin):
    session = make_session(capacity=1)
    holder = allocate_seat(session, booking(1), channel="phone")
    allocate_seat(session, booking(2), channel="phone")
    cancel_registration(holder)
    assert PhoneCall.objects.count() == 1
    client = sign_in(Client(), admin)
    response = client.get(reverse("wagtailsnippets_classes_phonecall:list"))
    assert response.status_code == 200
    entry = _only("classes.calls.viewed")
    assert entry.user == admin and entry.data["results"] == 1


def test_staff_search_records_a_fingerprint_not_the_text(make_user):
    counter = make_user(Role.COUNTER, mfa=True)
    allocate_seat(make_session(), booking(1, name="豊島 花子"), channel="web")
    client = sign_in(Client(), counter)
    client.post(reverse("classes_staff:search"), {"q": "豊島"}, follow=True)
    entry = _only("classes.booking.searched")
    assert "豊島" not in json.dumps(entry.data, ensure_ascii=False)
    assert entry.data["results"] == 1


def test_class_certificate_view_is_audited_once(admin):
    series = make_series(completion_percent=50)
    session = make_session(series, starts_at=timezone.now() + timedelta(minutes=30))
    registration = allocate_seat(session, booking(1), channel="web")
    record_attendance(session, registration, "present")
    client = sign_in(Client(), admin)
    response = client.get(reverse("classes_certificate", args=[registration.reference]))
    assert response.status_code == 200
    entry = _only("classes.certificate.viewed")
    assert (entry.user, entry.obj) == (admin, registration)
