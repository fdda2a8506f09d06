"""Class availability in one place: every page, the API and the admin report the same numbers.

One fixture holds every state (confirmed, waiting, cancelled, checked in, whole-series and
per-session bookings, a cancelled session, a past session). Each surface's numbers are read
from its response, then compared with ``ClassSession.objects.with_availability`` and with the
numbers worked out by hand.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from classes.availability import State, bookability
from classes.models import Attendance, ClassSeries, ClassSession, Registration
from classes.services import allocate_seat, cancel_registration, cancel_session
from tests.classes.factories import booking, make_series, make_session, make_venue
from tests.gates.support import sign_in

pytestmark = pytest.mark.django_db


@dataclass
class World:
    full: ClassSession  # per-session, full, people waiting, one checked in
    open: ClassSession  # per-session, seats left, a cancelled booking
    past: ClassSession  # per-session, started an hour ago
    first: ClassSession  # whole series: first session (the card and page)
    second: ClassSession  # whole series: the smallest scheduled session
    dropped: ClassSession  # whole series: cancelled (not counted in the capacity)


def _arrive(registration: Registration, session: ClassSession) -> None:
    Attendance.objects.create(
        registration=registration, session=session, status=Attendance.Status.PRESENT
    )


@pytest.fixture
def world(make_user) -> World:
    trainer = make_user(Role.TRAINER, mfa=True)
    komagome, kanamecho = make_venue(), make_venue("区民ひろば要町", area="要町")
    per_session = make_series(title="はじめてのスマホ")
    full = make_session(per_session, capacity=3, days=3)
    open_ = make_session(per_session, capacity=5, days=10)
    past = make_session(per_session, capacity=4, starts_at=timezone.now() + timedelta(days=1))
    people = iter(range(1, 100))
    # full: 3 confirmed, 2 waiting, 1 cancelled (who had checked in), 1 checked in.
    confirmed = [allocate_seat(full, booking(next(people)), channel="web") for _ in range(3)]
    for _ in range(2):
        allocate_seat(full, booking(next(people)), channel="phone")
    _arrive(confirmed[0], full)
    # open: 3 booked, one of them cancelled -> 2 confirmed, 3 seats left.
    mine = [allocate_seat(open_, booking(next(people)), channel="web") for _ in range(3)]
    cancel_registration(mine[0])
    # past: 2 confirmed, then the session starts.
    for _ in range(2):
        allocate_seat(past, booking(next(people)), channel="counter")
    ClassSession.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=1)
    )
    past.refresh_from_db()
    # A cancelled booking that had arrived at "full" does not count as checked in.
    leaver = allocate_seat(full, booking(next(people)), channel="web")  # third in the queue
    _arrive(leaver, full)
    cancel_registration(leaver)

    whole = make_series(
        title="LINE入門", booking_mode=ClassSeries.BookingMode.WHOLE_SERIES, level="basic"
    )
    first = make_session(whole, capacity=4, days=5, venue=komagome)
    second = make_session(whole, capacity=2, days=12, venue=kanamecho)
    dropped = make_session(whole, capacity=1, days=19, venue=komagome)
    series_people = [allocate_seat(whole, booking(next(people)), channel="web") for _ in range(3)]
    cancelled = allocate_seat(whole, booking(next(people)), channel="web")
    cancel_registration(series_people[0])  # frees a seat: the first waiting moves up
    cancel_registration(cancelled)
    cancel_session(dropped, reason="会場の都合")
    allocate_seat(whole, booking(next(people)), channel="web")  # waits: 2 of 2 taken
    _arrive(series_people[1], first)
    for session in (full, open_, past, first, second, dropped):
        session.trainers.add(trainer)
    return World(full, open_, past, first, second, dropped)


# What each session shows, worked out by hand: (capacity, confirmed, waiting, checked in).
EXPECTED = {
    "full": (3, 3, 2, 1),
    "open": (5, 2, 0, 0),
    "past": (4, 2, 0, 0),
    "first": (2, 2, 1, 1),
    "second": (2, 2, 1, 0),
}


def _expected(world: World) -> dict[int, tuple[int, int, int, int]]:
    return {getattr(world, name).pk: numbers for name, numbers in EXPECTED.items()}


def _plain(markup: str) -> str:
    """The text of some HTML, tags dropped and white space collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return _plain(response.content.decode())


def _int(pattern: str, text: str, default: int | None = None) -> int:
    found = re.search(pattern, text)
    if found is None:
        assert default is not None, f"{pattern!r} not found"
        return default
    return int(found[1])


def test_the_queryset_matches_the_numbers_worked_out_by_hand(world):
    counted = {
        s.pk: (s.seat_capacity, s.confirmed, s.waiting, s.checked_in)
        for s in ClassSession.objects.with_availability()
        if s.pk != world.dropped.pk
    }
    assert counted == _expected(world)
    seats = dict(ClassSession.objects.with_availability().values_list("pk", "seats_left"))
    assert seats[world.full.pk] == 0 and seats[world.open.pk] == 3 and seats[world.first.pk] == 0


def test_bookability_of_every_state(world):
    assert bookability(world.full).state == State.FULL
    assert bookability(world.open).state == State.BOOKABLE
    assert bookability(world.open).seats_left == 3
    assert bookability(world.past).state == State.PAST
    assert bookability(world.dropped).state == State.CANCELLED
    assert bookability(world.dropped).reason == "この回は中止になりました。"
    assert bookability(world.second).state == State.FULL  # the series is what is booked
    assert bookability(world.first.series).waiting == 1
    ClassSeries.objects.filter(pk=world.first.series_id).update(is_published=False)
    world.first.series.refresh_from_db()
    assert bookability(world.first.series).state == State.CLOSED


def test_public_list_and_class_page(world):
    client = Client()
    listing = client.get("/classes/").content.decode()
    cards = {}
    for chunk in listing.split('<li class="class-card">')[1:]:
        cards[int(re.search(r'href="/classes/(\d+)/"', chunk)[1])] = _plain(chunk)
    # Past and cancelled sessions are not listed; a whole series is one card (its first session).
    assert set(cards) == {world.full.pk, world.open.pk, world.first.pk}
    expected = _expected(world)
    for pk, card in cards.items():
        capacity, confirmed, _waiting, _arrived = expected[pk]
        shown = 0 if "満席" in card else _int(r"残り (\d+) 席", card)
        assert shown == capacity - confirmed
    for name in ("full", "open", "first", "second"):
        session = getattr(world, name)
        page = _text(client.get(f"/classes/{session.pk}/"))
        capacity, confirmed, waiting, _arrived = expected[session.pk]
        shown = 0 if "満席です" in page else _int(r"残り (\d+) 席", page)
        assert shown == capacity - confirmed, name
        assert _int(r"いま (\d+) 人が待っています", page, default=0) == waiting, name
    assert "すでに始まっている" in _text(client.get(f"/classes/{world.past.pk}/"))
    assert "中止になりました" in _text(client.get(f"/classes/{world.dropped.pk}/"))


def test_counter_pages(world, make_user):
    client = sign_in(Client(), make_user(Role.COUNTER, mfa=True))
    expected = _expected(world)
    dashboard = client.get("/staff/classes/").content.decode()
    for name in ("full", "open", "first", "second"):
        session = getattr(world, name)
        capacity, confirmed, waiting, _arrived = expected[session.pk]
        page = _text(client.get(f"/staff/classes/sessions/{session.pk}/book/"))
        assert _int(r"予約 (\d+) ／ 定員", page) == confirmed, name
        assert _int(r"定員 (\d+) 人", page) == capacity, name
        assert _int(r"キャンセル待ち (\d+) 人", page, default=0) == waiting, name
        assert f"/staff/classes/sessions/{session.pk}/book/" in dashboard
    # The dashboard lists sessions still to come only (the same "upcoming" as the public list).
    assert f"/staff/classes/sessions/{world.past.pk}/book/" not in dashboard
    rows = re.split(r"<li", dashboard)
    for name in ("full", "open", "first", "second"):
        session = getattr(world, name)
        capacity, confirmed, waiting, _arrived = expected[session.pk]
        row = _plain(next(r for r in rows if f"sessions/{session.pk}/book/" in r))
        assert _int(r"予約 (\d+) ／", row) == confirmed, name
        assert _int(r"キャンセル待ち (\d+) 人", row, default=0) == waiting, name


def test_trainer_roster_and_live_count(world, make_user):
    client = sign_in(Client(), make_user(Role.ADMIN, mfa=True))
    for pk, (_capacity, confirmed, waiting, arrived) in _expected(world).items():
        page = _text(client.get(f"/staff/classes/sessions/{pk}/roster/"))
        assert _int(r"受付済み (\d+) 人", page) == arrived, pk
        assert _int(r"予約 (\d+) 人", page) == confirmed, pk
        assert _int(r"予約確定（(\d+) 人）", page) == confirmed, pk
        assert _int(r"キャンセル待ち（(\d+) 人）", page, default=0) == waiting, pk
        count = client.get(f"/staff/classes/sessions/{pk}/count.json").json()
        assert count == {"booked": confirmed, "checked_in": arrived}


def test_wagtail_admin_listing(world, make_user):
    client = sign_in(Client(), make_user(Role.ADMIN, mfa=True))
    listing = client.get("/admin/snippets/classes/classsession/").content.decode()
    rows = re.split(r"<tr", listing)
    for pk, (capacity, confirmed, waiting, _arrived) in _expected(world).items():
        row = _plain(next(r for r in rows if f"classsession/edit/{pk}/" in r))
        found = re.search(r"(\d+) / (\d+)", row)
        assert (int(found[1]), int(found[2])) == (confirmed, capacity), pk
        assert _int(r"待ち (\d+)", row, default=0) == waiting, pk


def test_api(world):
    data = {item["id"]: item for item in Client().get("/api/sessions").json()}
    assert set(data) == {world.full.pk, world.open.pk, world.first.pk, world.second.pk}
    for pk, item in data.items():
        capacity, confirmed, waiting, _arrived = _expected(world)[pk]
        assert (item["capacity"], item["seats_left"], item["waitlisted"]) == (
            capacity,
            capacity - confirmed,
            waiting,
        )


def test_a_session_elsewhere_names_its_venue(world):
    page = _text(Client().get(f"/classes/{world.first.pk}/"))
    assert "会場：区民ひろば要町" in page
    assert "一部の回の会場：区民ひろば要町" in page
    assert "会場：区民ひろば駒込" not in page  # the class's own venue is not repeated per date
    registration = Registration.objects.filter(
        series=world.first.series, status=Registration.Status.CONFIRMED
    ).first()
    client = Client()
    session = client.session
    session["classes_bookings"] = [registration.pk]
    session.save()
    slip = _text(client.get(f"/classes/booking/{registration.reference}/slip/"))
    assert "会場：区民ひろば要町" in slip


def test_api_check_in_counts_like_the_pages(world, make_user):
    """The API's checked-in count used to ignore the booking's status: a cancelled booking
    that had arrived still counted there, but not on the trainer's page."""
    from accounts.tokens import issue_token

    admin = make_user(Role.ADMIN, mfa=True)
    # Starts in half an hour: check-in is open (it opens an hour before, closes at midnight).
    session = make_session(world.full.series, starts_at=timezone.now() + timedelta(minutes=30))
    people = [allocate_seat(session, booking(200 + n), channel="web") for n in (1, 2)]
    _arrive(people[0], session)
    cancel_registration(people[0])  # arrived, then cancelled: no longer counted
    response = Client().post(
        f"/api/bookings/{people[1].reference}/check-in",
        {"session_id": session.pk},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {issue_token(admin, 'tablet')}",
    )
    assert response.status_code == 200, response.content
    counts = response.json()
    staff = sign_in(Client(), admin)
    page = staff.get(f"/staff/classes/sessions/{session.pk}/count.json").json()
    assert (counts["booked"], counts["checked_in"]) == (page["booked"], page["checked_in"])
    assert (counts["booked"], counts["checked_in"]) == (1, 1)
