"""No class is ever overbooked, with real concurrent connections on PostgreSQL.

SQLite's test database is in memory and cannot be shared between threads, so these run when
DATABASE_URL points at PostgreSQL (CI's second pass does).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from classes import services
from classes.models import Registration
from classes.services import BookingError, allocate_seat, cancel_registration
from tests.classes.factories import booking, make_session

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
    ),
]

PARALLEL = 50
CAPACITY = 10


def _book_in_parallel(session, count: int):
    barrier = threading.Barrier(count)

    def book(n: int):
        try:
            barrier.wait()
            return allocate_seat(session, booking(n), channel="api")
        except BookingError as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(book, range(1, count + 1)))


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_bookings_fill_ten_seats_exactly():
    session = make_session(capacity=CAPACITY)
    results = _book_in_parallel(session, PARALLEL)

    errors = [r for r in results if isinstance(r, BookingError)]
    assert errors == []
    regs = list(Registration.objects.filter(session=session).order_by("created_at", "pk"))
    confirmed = [r for r in regs if r.status == "confirmed"]
    waiting = [r for r in regs if r.status == "waitlisted"]
    assert len(confirmed) == CAPACITY
    assert sorted(r.seat for r in confirmed) == list(range(1, CAPACITY + 1))
    assert len(waiting) == PARALLEL - CAPACITY
    # In order: everyone confirmed booked before everyone waiting.
    assert max(r.created_at for r in confirmed) <= min(r.created_at for r in waiting)
    assert [services.waitlist_position(r) for r in waiting] == list(range(1, len(waiting) + 1))


@pytest.mark.django_db(transaction=True)
def test_parallel_cancellations_promote_each_waiting_person_once():
    session = make_session(capacity=5)
    regs = [allocate_seat(session, booking(n), channel="web") for n in range(1, 11)]
    barrier = threading.Barrier(5)

    def cancel(reg):
        try:
            barrier.wait()
            return cancel_registration(reg)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=5) as pool:
        promoted = list(pool.map(cancel, regs[:5]))

    assert sorted(p.pk for p in promoted) == sorted(r.pk for r in regs[5:])
    confirmed = Registration.objects.filter(session=session, status="confirmed")
    assert confirmed.count() == 5
    assert sorted(confirmed.values_list("seat", flat=True)) == [1, 2, 3, 4, 5]


@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_the_race_happens(monkeypatch):
    """Switch the row lock off: the seat constraint is then all that stops overbooking."""

    def no_lock(target):
        return type(target).objects.select_related("series", "venue").get(pk=target.pk)

    original = services._lowest_free_seat
    count = 20
    counted = threading.Barrier(count, timeout=60)

    def lowest_free_seat_once_all_have_counted(taken, capacity):
        # All bookings read the taken seats before any of them inserts: the race, every time.
        counted.wait()
        return original(taken, capacity)

    monkeypatch.setattr(services, "_lock", no_lock)
    monkeypatch.setattr(services, "_lowest_free_seat", lowest_free_seat_once_all_have_counted)
    session = make_session(capacity=CAPACITY)
    results = _book_in_parallel(session, count)

    errors = [r for r in results if isinstance(r, BookingError)]
    # Without the lock, concurrent bookings collide on seat numbers ...
    assert errors
    # ... and the database constraint still keeps the class from being overbooked.
    confirmed = Registration.objects.filter(session=session, status="confirmed")
    assert confirmed.count() <= CAPACITY
