"""base.compiled_sql.CompiledInsert: the same row as ``save()``, one statement per call."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from base.compiled_sql import CompiledInsert
from classes.keys import phone_lock_hash
from classes.models import PhoneBookingLock, Registration
from tests.classes.factories import make_session

pytestmark = pytest.mark.django_db


def _registration(session, n: int, **fields) -> Registration:
    values = {
        "series": session.series,
        "session": session,
        "reference": f"ABC{n:03d}",
        "status": Registration.Status.CONFIRMED,
        "seat": n,
        "name": f"豊島 花子{n}",
        "name_kana": "としま はなこ",
        "phone": f"0339810{n:03d}",
        "person_key": f"key-{n}",
        "age_band": "70s",
        "area": "駒込",
        "device": "android",
        "consented_at": timezone.now(),
        "channel": Registration.Channel.API,
    }
    values.update(fields)
    return Registration(**values)


def _columns(registration: Registration) -> dict:
    row = Registration.objects.filter(pk=registration.pk).values().get()
    row.pop("id")
    row.pop("reference")
    row.pop("person_key")
    row.pop("seat")
    row.pop("name")
    row.pop("phone")
    return row


def test_the_row_is_the_one_save_writes():
    session = make_session()
    moment = timezone.now()
    by_save = _registration(session, 1, created_at=moment, consented_at=moment)
    by_save.save()
    compiled = _registration(session, 2, created_at=moment, consented_at=moment)
    CompiledInsert(Registration).insert(compiled)

    assert compiled.pk is not None and compiled.pk != by_save.pk
    assert not compiled._state.adding and compiled._state.db == "default"
    assert _columns(compiled) == _columns(by_save)
    stored = Registration.objects.get(pk=compiled.pk)
    assert (stored.reference, stored.seat, stored.name) == ("ABC002", 2, "豊島 花子2")


def test_one_statement_per_call_and_the_model_signals_are_sent():
    session = make_session()
    inserter = CompiledInsert(Registration)
    inserter.insert(_registration(session, 1))
    seen = []

    def pre(sender, instance, **kwargs):
        seen.append(("pre", instance.pk, kwargs["raw"]))

    def post(sender, instance, created, **kwargs):
        seen.append(("post", instance.pk, created))

    pre_save.connect(pre, sender=Registration)
    post_save.connect(post, sender=Registration)
    try:
        second = _registration(session, 2)
        with CaptureQueriesContext(connection) as queries:
            inserter.insert(second)
    finally:
        pre_save.disconnect(pre, sender=Registration)
        post_save.disconnect(post, sender=Registration)
    assert len(queries) == 1
    assert queries[0]["sql"].startswith("INSERT INTO")
    assert seen == [("pre", None, False), ("post", second.pk, True)]


def test_constraints_still_hold():
    """A taken seat is refused by the database, as with ``save()``; nothing is written."""
    session = make_session()
    inserter = CompiledInsert(Registration)
    inserter.insert(_registration(session, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        inserter.insert(_registration(session, 2, seat=1))
    assert Registration.objects.filter(session=session).count() == 1


def test_an_unsaved_related_object_is_refused_as_save_refuses_it():
    """Not stored as NULL: ``created_by`` is nullable, so the row would silently lose it."""
    session = make_session()
    with pytest.raises(ValueError, match="unsaved related object"):
        CompiledInsert(Registration).insert(_registration(session, 1, created_by=User()))
    assert not Registration.objects.exists()


def test_the_upsert_creates_once_and_then_finds_the_row():
    upsert = CompiledInsert(PhoneBookingLock, upsert_on=("phone_hash",))
    digest = phone_lock_hash("09012345678")
    upsert.insert(PhoneBookingLock(phone_hash=digest))
    with CaptureQueriesContext(connection) as queries:
        upsert.insert(PhoneBookingLock(phone_hash=digest))
    assert len(queries) == 1
    assert "ON CONFLICT" in queries[0]["sql"]
    assert list(PhoneBookingLock.objects.values_list("phone_hash", flat=True)) == [digest]
