"""Seat allocation, waitlist, cancellation and promotion (classes.services)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from classes.models import ClassSeries, PhoneCall, Registration
from classes.services import (
    REFERENCE_ALPHABET,
    BookingError,
    allocate_seat,
    cancel_registration,
    find_registration,
    normalise_phone,
    seats_left,
    waitlist_position,
)
from tests.classes.factories import booking, make_series, make_session

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "raw",
    ["03-3981-1111", "０３－３９８１－１１１１", "03 3981 1111", "(03)3981-1111", "0339811111",
     "+81 3-3981-1111", "03ー3981ー1111"],
)  # fmt: skip
def test_landline_formats_are_normalised(raw):
    assert normalise_phone(raw) == "0339811111"


@pytest.mark.parametrize("raw", ["090-1234-5678", "０９０１２３４５６７８", "+8190-1234-5678"])
def test_mobile_formats_are_normalised(raw):
    assert normalise_phone(raw) == "09012345678"


@pytest.mark.parametrize("raw", ["", "3981-1111", "03-3981-11111-1", "abc", "1-2345-6789-0"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(BookingError) as exc:
        normalise_phone(raw)
    assert exc.value.code == "phone_invalid"
    assert "10けたか11けた" in exc.value.message


def test_booking_confirms_until_full_then_waitlists_in_order():
    session = make_session(capacity=2)
    regs = [allocate_seat(session, booking(n), channel="web") for n in range(1, 5)]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [r.seat for r in regs] == [1, 2, None, None]
    assert [waitlist_position(r) for r in regs] == [None, None, 1, 2]
    assert seats_left(session) == 0


def test_reference_codes_avoid_confusable_characters():
    session = make_session(capacity=30)
    refs = [allocate_seat(session, booking(n), channel="web").reference for n in range(1, 21)]
    assert len(set(refs)) == 20
    for ref in refs:
        assert len(ref) == 6
        assert set(ref) <= set(REFERENCE_ALPHABET)
        assert not set(ref) & set("0O1IL2Z5S8B")


def test_same_person_cannot_book_the_same_session_twice():
    session = make_session()
    allocate_seat(session, booking(1), channel="web")
    # Same person typed differently: full-width digits, other spacing.
    again = booking(1, name="豊島　花子1", phone="０３－３９８１－０００１")
    with pytest.raises(BookingError) as exc:
        allocate_seat(session, again, channel="phone")
    assert exc.value.code == "duplicate"
    assert Registration.objects.count() == 1
    # A different session is fine.
    allocate_seat(make_session(session.series, days=14), booking(1), channel="web")


def test_invalid_request_changes_nothing():
    session = make_session()
    with pytest.raises(BookingError) as exc:
        allocate_seat(session, booking(1, consent=False), channel="web")
    assert exc.value.field == "consent"
    errors = booking(1, phone="12", name="", age_band="x", email="not-mail", consent=False)
    assert set(errors.validate()) == {"phone", "name", "age_band", "email", "consent"}
    assert Registration.objects.count() == 0


def test_too_long_name_is_refused_not_truncated():
    session = make_session()
    with pytest.raises(BookingError) as exc:
        allocate_seat(session, booking(1, name="あ" * 61), channel="web")
    assert exc.value.code == "too_long"
    assert Registration.objects.count() == 0


def test_cancelled_or_started_sessions_cannot_be_booked():
    started = make_session(starts_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(BookingError) as exc:
        allocate_seat(started, booking(1), channel="web")
    assert exc.value.code == "started"
    cancelled = make_session(status="cancelled")
    with pytest.raises(BookingError) as exc:
        allocate_seat(cancelled, booking(1), channel="web")
    assert exc.value.code == "cancelled"


def test_cancellation_promotes_the_first_waiting_person_with_email(
    django_capture_on_commit_callbacks,
):
    session = make_session(capacity=1)
    first = allocate_seat(session, booking(1), channel="web")
    second = allocate_seat(session, booking(2, email="second@example.jp"), channel="web")
    third = allocate_seat(session, booking(3), channel="web")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        promoted = cancel_registration(first)

    assert promoted.pk == second.pk
    second.refresh_from_db()
    third.refresh_from_db()
    first.refresh_from_db()
    assert (first.status, first.seat) == ("cancelled", None)
    assert (second.status, second.seat) == ("confirmed", 1)
    assert second.promoted_at is not None
    assert third.status == "waitlisted"
    assert waitlist_position(third) == 1
    assert [m.to for m in mail.outbox] == [["second@example.jp"]]
    assert second.reference in mail.outbox[0].body
    assert not PhoneCall.objects.exists()


def test_promoted_person_without_email_goes_on_the_phone_worklist():
    session = make_session(capacity=1)
    first = allocate_seat(session, booking(1), channel="web")
    second = allocate_seat(session, booking(2), channel="counter")
    cancel_registration(first)
    call = PhoneCall.objects.get()
    assert call.registration_id == second.pk
    assert call.reason == "promoted"
    assert call.done_at is None


def test_cancelling_a_waitlisted_booking_promotes_nobody():
    session = make_session(capacity=1)
    allocate_seat(session, booking(1), channel="web")
    waiting = allocate_seat(session, booking(2), channel="web")
    later = allocate_seat(session, booking(3), channel="web")
    assert cancel_registration(waiting) is None
    assert waitlist_position(Registration.objects.get(pk=later.pk)) == 1
    with pytest.raises(BookingError) as exc:
        cancel_registration(waiting)
    assert exc.value.code == "already_cancelled"


def test_cancelled_person_may_book_again():
    session = make_session(capacity=1)
    reg = allocate_seat(session, booking(1), channel="web")
    cancel_registration(reg)
    again = allocate_seat(session, booking(1), channel="web")
    assert again.status == "confirmed"


def test_find_registration_needs_matching_phone():
    session = make_session()
    reg = allocate_seat(session, booking(7), channel="web")
    assert find_registration(reg.reference.lower(), "０３３９８１０００７").pk == reg.pk
    for ref, phone in ((reg.reference, "03-3981-9999"), ("ZZZZZZ", "03-3981-0007")):
        with pytest.raises(BookingError) as exc:
            find_registration(ref, phone)
        assert exc.value.code == "not_found"


def test_whole_series_booking_holds_a_seat_in_every_session():
    series = make_series(booking_mode=ClassSeries.BookingMode.WHOLE_SERIES)
    s1 = make_session(series, capacity=3, days=7)
    s2 = make_session(series, capacity=2, days=14)
    regs = [allocate_seat(series, booking(n), channel="web") for n in range(1, 4)]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted"]
    assert all(r.session_id is None for r in regs)
    assert seats_left(s1) == 0 and seats_left(s2) == 0
    with pytest.raises(BookingError) as exc:
        allocate_seat(s1, booking(9), channel="web")
    assert exc.value.code == "wrong_target"
    cancel_registration(regs[0])
    assert Registration.objects.get(pk=regs[2].pk).status == "confirmed"
