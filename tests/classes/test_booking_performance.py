"""Booking in a fixed, small number of SQL statements (issue 12), through the API and the form.

The counts are of the statements production sends. A test runs inside a transaction, so
each durable block's BEGIN/COMMIT (which Django does not send as statements) becomes a
SAVEPOINT/RELEASE pair here: ``production_statements`` drops those outermost pairs and keeps
every statement and nested savepoint a request sends.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from classes import listing_cache, services
from classes.models import ClassSeries, ClassSession, Notification, Registration
from classes.services import (
    allocate_seat,
    cancel_registration,
    cancel_session,
    change_capacity,
    create_series_sessions,
)
from tests.classes.factories import booking, make_series, make_session, make_venue

pytestmark = pytest.mark.django_db

# Targets of issue 12: an API booking in at most 6 statements, a web-form booking in 10.
API_MAX = 6
WEB_MAX = 10


@pytest.fixture(autouse=True)
def generous_rate_limit(settings):
    settings.CLASSES_BOOKING_RATE_LIMIT = "1000/m"
    settings.CLASSES_BOOKING_PHONE_RATE_LIMIT = "1000/m"
    cache.clear()
    yield
    cache.clear()


def production_statements(captured: list[dict]) -> list[str]:
    """The SQL of ``captured`` without the savepoints that stand for top-level transactions."""
    statements, depth = [], 0
    for query in captured:
        sql = query["sql"]
        if sql.startswith("SAVEPOINT"):
            depth += 1
            if depth == 1:
                continue
        elif sql.startswith(("RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            depth -= 1
            if depth == 0:
                continue
        statements.append(sql)
    return statements


def api_body(n: int, **fields) -> str:
    data = {
        "name": f"豊島 花子{n}",
        "name_kana": "としま はなこ",
        "phone": f"03-3981-{n:04d}",
        "age_band": "75-79",
        "area": "駒込",
        "device": "android",
        "consent": True,
    }
    data.update(fields)
    return json.dumps(data)


def api_book(client, session, n: int, **fields) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            f"/api/sessions/{session.pk}/bookings",
            data=api_body(n, **fields),
            content_type="application/json",
        )
    return response, production_statements(captured.captured_queries)


def web_book(client, session, n: int) -> tuple[object, list[str]]:
    data = {
        "name": f"豊島 花子{n}",
        "name_kana": "としま はなこ",
        "phone": f"03-3981-{n:04d}",
        "age_band": "75-79",
        "area": "駒込",
        "device": "android",
        "email": "",
        "consent": "on",
        "form_token": f"token-{n}",
        "step": "submit",  # 申し込む on the confirm step: the POST that books
    }
    with CaptureQueriesContext(connection) as captured:
        response = client.post(reverse("classes:book", args=[session.pk]), data)
    return response, production_statements(captured.captured_queries)


# --- The API ------------------------------------------------------------------------------


def test_api_booking_takes_five_statements_and_no_more_when_the_class_fills(client):
    session = make_session(capacity=3)
    counts = []
    for n in range(1, 8):  # 3 seats, then 4 on the waiting list
        response, statements = api_book(client, session, n)
        assert response.status_code == 201, response.content
        counts.append(len(statements))
    # The session, the seat lock, the phone lock, the counts, the insert: the same for the
    # first booking, the last seat and the waiting list (its place comes with the counts).
    assert counts == [5] * 7
    assert response.json()["waitlist_position"] == 4


def test_api_booking_with_an_email_adds_only_the_outbox_row(client):
    session = make_session()
    response, statements = api_book(client, session, 1, email="hanako@example.jp")
    assert response.status_code == 201
    assert len(statements) <= API_MAX
    assert not any(sql.startswith("SAVEPOINT") for sql in statements)
    assert Notification.objects.filter(kind="booked").count() == 1


def test_api_booking_statements_do_not_grow_with_the_bookings_made(client):
    session = make_session(capacity=40)
    _, first = api_book(client, session, 1)
    for n in range(2, 30):
        allocate_seat(session, booking(n), channel="phone")
    _, later = api_book(client, session, 30)
    assert len(later) == len(first) <= API_MAX


def test_api_booking_of_a_whole_series_class_stays_small(client):
    series = make_series(booking_mode=ClassSeries.BookingMode.WHOLE_SERIES)
    first = make_session(series, capacity=2, days=7)
    make_session(series, capacity=3, days=14)
    counts = []
    for n in range(1, 4):
        response, statements = api_book(client, first, n)
        assert response.status_code == 201, response.content
        counts.append(len(statements))
    # Two more than a session: the series' first date and its smallest capacity.
    assert counts == [7, 7, 7]
    assert response.json() == {
        "reference": response.json()["reference"],
        "status": "waitlisted",
        "waitlist_position": 1,
    }


def test_api_never_creates_a_session_for_an_anonymous_caller(client):
    session = make_session()
    response, statements = api_book(client, session, 1)
    assert response.status_code == 201
    assert "sessionid" not in response.cookies
    assert not any("django_session" in sql for sql in statements)
    assert Session.objects.count() == 0


def test_with_the_database_task_backend_no_mail_is_sent_in_the_request(
    client, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    session = make_session()
    with django_capture_on_commit_callbacks(execute=True):
        response, _ = api_book(client, session, 1, email="hanako@example.jp")
    assert response.status_code == 201
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(task_path="classes.tasks.deliver_mail").count() == 1
    assert Notification.objects.get().status == Notification.Status.PENDING


# --- The compiled reads of the booking path ------------------------------------------------


def test_the_seat_lock_reads_the_session_with_its_series_and_venue_in_one_statement():
    from django.db import transaction

    session = make_session(capacity=7)
    other = make_session(capacity=9)  # the compiled SQL is reused with the next row's values
    for target in (session, other):
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            locked = services._lock(target)
            # Everything the booking reads of the three rows, without another statement.
            seen = (locked.capacity, locked.series.title, locked.series.is_published)
            venue = locked.venue.name
        assert len(captured.captured_queries) == 1
        expected = type(target).objects.select_related("series", "venue").get(pk=target.pk)
        assert seen == (expected.capacity, expected.series.title, expected.series.is_published)
        assert venue == expected.venue.name
        assert locked.starts_at == expected.starts_at
        assert not locked._state.adding
    assert services._lock(session.series).pk == session.series_id
    with pytest.raises(ClassSession.DoesNotExist), transaction.atomic():
        services._lock(ClassSession(pk=other.pk + 1000))


def test_the_booking_target_of_a_session_is_read_in_one_statement():
    session = make_session()
    whole = make_series(booking_mode=ClassSeries.BookingMode.WHOLE_SERIES)
    of_whole = make_session(whole)
    hidden = make_session(make_series(is_published=False))
    with CaptureQueriesContext(connection) as captured:
        target = services.published_booking_target(session.pk)
    assert len(captured.captured_queries) == 1
    assert (type(target), target.pk) == (ClassSession, session.pk)
    target = services.published_booking_target(of_whole.pk)
    assert (type(target), target.pk) == (ClassSeries, whole.pk)
    assert services.published_booking_target(hidden.pk) is None
    assert services.published_booking_target(hidden.pk + 1000) is None


# --- The web form -------------------------------------------------------------------------


def test_web_form_booking_takes_at_most_ten_statements(client):
    session = make_session(capacity=1)
    counts = []
    for n in range(1, 4):  # a new browser, then the same browser again (seat, waiting list)
        response, statements = web_book(client, session, n)
        assert response.status_code == 302
        counts.append(len(statements))
    assert max(counts) <= WEB_MAX
    # The browser's session row is written once or read and updated, never more.
    assert counts == [7, 7, 7]


# --- Reference codes ----------------------------------------------------------------------


def test_a_reference_already_taken_is_drawn_again_without_a_lookup_first(monkeypatch):
    session = make_session()
    taken = allocate_seat(session, booking(1), channel="phone").reference
    codes = iter([taken, "ACEFGH"])
    monkeypatch.setattr(services, "generate_reference", lambda: next(codes))
    with CaptureQueriesContext(connection) as captured:
        registration = allocate_seat(session, booking(2), channel="phone")
    assert registration.reference == "ACEFGH"
    lookups = [q["sql"] for q in captured.captured_queries if "ACEFGH" in q["sql"]]
    assert len(lookups) == 1 and lookups[0].startswith("INSERT")
    assert Registration.objects.filter(session=session).count() == 2


def test_a_constraint_that_is_not_the_reference_still_says_duplicate(monkeypatch):
    session = make_session()
    allocate_seat(session, booking(1), channel="phone")
    monkeypatch.setattr(
        services,
        "_counts_under_lock",
        lambda *args: {"duplicate": False, "seats": "", "waiting": 0},
    )
    with pytest.raises(services.BookingError) as raised:
        allocate_seat(session, booking(1), channel="phone")
    assert raised.value.code == "duplicate"


# --- The class lists are retired by every seat change -------------------------------------


def _version_after(django_capture_on_commit_callbacks, change) -> int:
    before = listing_cache.listing_version()
    with django_capture_on_commit_callbacks(execute=True):
        change()
    return listing_cache.listing_version() - before


def test_every_seat_change_retires_the_cached_class_lists(django_capture_on_commit_callbacks):
    session = make_session(capacity=1)
    bump = django_capture_on_commit_callbacks
    first = None

    def book_first():
        nonlocal first
        first = allocate_seat(session, booking(1), channel="phone")

    assert _version_after(bump, book_first) == 1
    assert _version_after(bump, lambda: allocate_seat(session, booking(2), channel="phone")) == 1
    assert _version_after(bump, lambda: cancel_registration(first)) >= 1
    assert _version_after(bump, lambda: change_capacity(session, 3)) >= 1
    assert _version_after(bump, lambda: cancel_session(session, reason="台風")) >= 1
    from datetime import date, time

    def add_sessions():
        create_series_sessions(
            make_series(),
            venue=make_venue(),
            first_date=date(2030, 1, 8),
            start=time(10),
            end=time(12),
            count=2,
            capacity=10,
        )

    assert _version_after(bump, add_sessions) >= 1


def test_a_refused_booking_leaves_the_class_lists_alone(django_capture_on_commit_callbacks):
    session = make_session()
    allocate_seat(session, booking(1), channel="phone")
    before = listing_cache.listing_version()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.BookingError):
        allocate_seat(session, booking(1), channel="phone")
    assert listing_cache.listing_version() == before


# --- The counts read, compiled once -------------------------------------------------------


@pytest.mark.parametrize("whole_series", [False, True])
@pytest.mark.parametrize("phone", [None, "0339810002"])
def test_the_compiled_counts_equal_the_querysets_answer(whole_series, phone):
    from django.utils import timezone

    mode = ClassSeries.BookingMode.WHOLE_SERIES if whole_series else None
    series = make_series(**({"booking_mode": mode} if mode else {}))
    session = make_session(series, capacity=2)
    target = series if whole_series else session
    made = [allocate_seat(target, booking(n), channel="phone") for n in range(1, 5)]
    cancel_registration(made[0])  # seat 1 freed, the first waiting promoted to it
    values = {"pk": target.pk, "person_key": made[1].person_key}
    if phone is not None:
        values.update(phone=phone, now=timezone.now())
    shape = (type(target), phone is not None)

    compiled = services._COUNTS.run(shape, *shape, **values)
    expected = services._COUNTS.build(*shape, **values).get()

    assert services._seat_numbers(compiled["seats"]) == {1, 2}
    assert services._seat_numbers(compiled["seats"]) == services._seat_numbers(expected["seats"])
    assert bool(compiled["duplicate"]) is bool(expected["duplicate"]) is True
    assert compiled["waiting"] == expected["waiting"] == 1
    if phone is not None:
        assert compiled["phone_bookings"] == expected["phone_bookings"] == 1
