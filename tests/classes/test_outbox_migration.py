"""The outbox migration marks the mails recorded before it as sent, once each.

Before it a ``Notification`` row was written when its mail was handed over, so the rows that
exist then are the mails sent: they must not be sent again by the worker.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from classes.models import Notification, PhoneCall, Registration
from classes.notifications import send_pending_mails
from classes.services import allocate_seat
from tests.classes.factories import booking, make_session

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("classes", "0003_phone_booking_lock")
OUTBOX = ("classes", "0004_mail_outbox")
SENT_AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _migrate(targets) -> MigrationExecutor:
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection)


def test_rows_from_before_the_outbox_become_sent_and_are_not_sent_again(mailoutbox):
    registration = allocate_seat(make_session(), booking(1), channel="phone")
    executor = _migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps.get_model("classes", "Notification")
    old.objects.create(registration_id=registration.pk, kind="booked", sent_at=SENT_AT)
    try:
        _migrate([OUTBOX])
        # Through the later migrations too (0009 adds the channel), so the models fit.
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        note = Notification.objects.get()
        assert note.channel == Notification.Channel.MAIL
        assert (note.status, note.attempts, note.sent_at) == ("sent", 1, SENT_AT)
        assert note.created_at == SENT_AT
        assert send_pending_mails()["sent"] == 0
        assert mailoutbox == []
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


BEFORE_SMS = ("classes", "0008_venue_chome_nearest_station")
SMS = ("classes", "0009_sms_and_call_outcomes")


def test_calls_marked_done_before_the_outcomes_become_reached():
    session = make_session(capacity=1)
    first = allocate_seat(session, booking(1), channel="phone")
    second = allocate_seat(session, booking(2), channel="phone")
    executor = _migrate([BEFORE_SMS])
    old = executor.loader.project_state([BEFORE_SMS]).apps.get_model("classes", "PhoneCall")
    old.objects.create(registration_id=first.pk, reason="reminder", done_at=SENT_AT)
    old.objects.create(registration_id=second.pk, reason="reminder")
    try:
        _migrate([SMS])
        outcomes = dict(PhoneCall.objects.values_list("registration", "outcome"))
        assert outcomes == {first.pk: "reached", second.pk: ""}
        assert not Registration.objects.filter(sms_consent=True).exists()
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
