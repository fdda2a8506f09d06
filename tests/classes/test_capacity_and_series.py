"""Every change of seats goes through the services: capacity changes promote people waiting,
and scheduling more sessions never changes a whole-series class that already has bookings
(classes.services.change_capacity, classes.services.create_series_sessions, the admin)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from classes import services
from classes.models import ClassSeries, ClassSession, PhoneCall, Registration
from classes.services import BookingError, allocate_seat, cancel_registration
from tests.classes.factories import (
    booking,
    make_series,
    make_session,
    make_venue,
    schedule_form,
)
from tests.gates.support import sign_in

pytestmark = pytest.mark.django_db

SCHEDULE_URL = "/admin/classes/series/schedule/"


@pytest.fixture
def admin_client(make_user) -> Client:
    return sign_in(Client(), make_user(Role.ADMIN, mfa=True))


def _edit(admin_client, session: ClassSession, capacity: int):
    local = timezone.localtime(session.starts_at)
    return admin_client.post(
        f"/admin/snippets/classes/classsession/edit/{session.pk}/",
        {
            "series": session.series.pk,
            "venue": session.venue.pk,
            "room": "",
            "starts_at": local.strftime("%Y-%m-%d %H:%M"),
            "ends_at": (local + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
            "capacity": str(capacity),
        },
    )


# --- Capacity -------------------------------------------------------------------------------


def test_raising_capacity_in_the_admin_gives_the_seat_to_the_first_waiting(
    admin_client, django_capture_on_commit_callbacks
):
    session = make_session(capacity=1)
    allocate_seat(session, booking(1), channel="web")
    second = allocate_seat(session, booking(2, email="second@example.jp"), channel="web")
    third = allocate_seat(session, booking(3), channel="phone")
    assert (second.status, third.status) == ("waitlisted", "waitlisted")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = _edit(admin_client, session, 2)
    assert response.status_code == 302, response.context["form"].errors

    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, second.seat) == ("confirmed", 2)
    assert second.promoted_at is not None
    assert third.status == "waitlisted"
    assert [m.to for m in mail.outbox] == [["second@example.jp"]]
    # A new booker joins the waiting list behind the third person, not the freed seat.
    newcomer = allocate_seat(session, booking(4), channel="web")
    assert newcomer.status == "waitlisted"


def test_raising_capacity_promotes_in_order_and_lists_people_without_mail():
    session = make_session(capacity=1)
    allocate_seat(session, booking(1), channel="web")
    waiting = [allocate_seat(session, booking(n), channel="phone") for n in (2, 3, 4)]
    promoted = services.change_capacity(session, 3)
    assert [r.pk for r in promoted] == [waiting[0].pk, waiting[1].pk]
    states = list(
        Registration.objects.filter(pk__in=[r.pk for r in waiting])
        .order_by("created_at", "pk")
        .values_list("status", "seat")
    )
    assert states == [("confirmed", 2), ("confirmed", 3), ("waitlisted", None)]
    assert PhoneCall.objects.filter(reason=PhoneCall.Reason.PROMOTED).count() == 2
    session.refresh_from_db()
    assert session.capacity == 3


def test_capacity_of_a_whole_series_is_its_smallest_session():
    series = make_series(booking_mode=ClassSeries.BookingMode.WHOLE_SERIES)
    small = make_session(series, capacity=1, days=7)
    make_session(series, capacity=3, days=14)
    allocate_seat(series, booking(1), channel="web")
    waiting = allocate_seat(series, booking(2), channel="web")
    assert waiting.status == "waitlisted"
    assert services.change_capacity(small, 2) == [waiting]
    waiting.refresh_from_db()
    assert (waiting.status, waiting.seat) == ("confirmed", 2)


def test_capacity_cannot_go_below_the_confirmed_and_nothing_changes(admin_client):
    session = make_session(capacity=3)
    for n in (1, 2, 3):
        allocate_seat(session, booking(n), channel="web")
    with pytest.raises(BookingError) as exc:
        services.change_capacity(session, 2)
    assert exc.value.code == "capacity_below_confirmed"
    assert "3" in exc.value.message
    session.refresh_from_db()
    assert session.capacity == 3
    response = _edit(admin_client, session, 2)
    assert response.status_code == 200
    assert "3 人の予約" in str(response.context["form"].errors["capacity"])
    session.refresh_from_db()
    assert session.capacity == 3


def test_lowering_capacity_renumbers_seats_so_no_seat_is_given_twice():
    session = make_session(capacity=3)
    first, _second, third = (allocate_seat(session, booking(n), channel="web") for n in (1, 2, 3))
    cancel_registration(first)  # seats now {2, 3}
    services.change_capacity(session, 2)
    third.refresh_from_db()
    assert third.seat in (1, 2)
    late = allocate_seat(session, booking(9), channel="web")
    assert late.status == "waitlisted"


# --- Series scheduling ----------------------------------------------------------------------


def _schedule(admin_client, series, venue, **overrides):
    first = (timezone.localdate() + timedelta(days=60)).isoformat()
    data = schedule_form(series, venue, **{"first_date": first, **overrides})
    preview = admin_client.post(SCHEDULE_URL, data)
    token = preview.context["plan"].token
    created = admin_client.post(SCHEDULE_URL, {**data, "action": "create", "preview_token": token})
    return preview, created


def test_scheduling_a_booked_whole_series_class_creates_a_new_class(admin_client):
    series = make_series(booking_mode=ClassSeries.BookingMode.WHOLE_SERIES, title="LINE入門")
    komagome = make_venue()
    first = make_session(series, days=7, venue=komagome)
    make_session(series, days=14, venue=komagome)
    booked = allocate_seat(series, booking(1), channel="web")
    allocate_seat(series, booking(2), channel="web")
    other = make_venue("区民ひろば要町", area="要町")

    preview, created = _schedule(admin_client, series, other)

    # The preview says so before anything is made, naming how many bookings keep their dates.
    assert "2 件の申込" in preview.content.decode()
    assert created.status_code == 302
    assert series.sessions.count() == 2  # the booked class is unchanged
    new = ClassSeries.objects.exclude(pk=series.pk).get()
    assert new.title == series.title and new.is_whole_series
    assert new.sessions.count() == 4
    assert set(new.sessions.values_list("venue", flat=True)) == {other.pk}
    assert not new.registrations.exists()
    assert created["Location"].endswith(f"?series={new.pk}")
    # The existing booker's slip still lists the two dates booked.
    client = Client()
    session = client.session
    session["classes_bookings"] = [booked.pk]
    session.save()
    slip = client.get(f"/classes/booking/{booked.reference}/slip/")
    assert slip.status_code == 200
    local = timezone.localtime(first.starts_at)
    assert f"{local.month}月{local.day}日" in slip.content.decode()
    assert "第2回" in slip.content.decode() and "第3回" not in slip.content.decode()


def test_scheduling_a_whole_series_class_without_bookings_adds_to_it(admin_client):
    series = make_series(booking_mode=ClassSeries.BookingMode.WHOLE_SERIES)
    make_session(series, days=7)
    _preview, created = _schedule(admin_client, series, make_venue())
    assert created.status_code == 302
    assert ClassSeries.objects.count() == 1
    assert series.sessions.count() == 5


def test_scheduling_a_per_session_class_with_bookings_adds_to_it(admin_client):
    session = make_session()
    allocate_seat(session, booking(1), channel="web")
    _preview, created = _schedule(admin_client, session.series, make_venue())
    assert ClassSeries.objects.count() == 1
    assert session.series.sessions.count() == 5


# --- Under the lock (PostgreSQL) ------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (set DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_new_bookings_racing_a_capacity_raise_never_pass_the_people_waiting():
    """Raise the capacity by five while twenty new bookings arrive: the five waiting get the
    new seats, whichever comes first, and no seat is given twice."""
    session = make_session(capacity=2)
    for n in range(1, 3):
        allocate_seat(session, booking(n), channel="web")
    waiting = [allocate_seat(session, booking(n), channel="web") for n in range(3, 8)]
    barrier = threading.Barrier(21)

    def work(n: int):
        try:
            barrier.wait()
            if n == 0:
                return services.change_capacity(session, 7)
            return allocate_seat(session, booking(100 + n), channel="api")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=21) as pool:
        results = list(pool.map(work, range(21)))

    newcomers = results[1:]
    confirmed = list(Registration.objects.filter(session=session, status="confirmed"))
    assert len(confirmed) == 7
    assert sorted(r.seat for r in confirmed) == list(range(1, 8))
    for registration in waiting:
        registration.refresh_from_db()
        assert registration.status == "confirmed"
    assert all(Registration.objects.get(pk=r.pk).status == "waitlisted" for r in newcomers)
