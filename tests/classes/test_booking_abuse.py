"""Booking abuse: one rate-limit policy, a cap per phone number, JSON only, a honeypot, bursts.

Issue 9, finding 2: 30 POSTs from one address in 5.5 s were all accepted, and the API read a
``text/plain`` body (a CORS simple request any web page can send from its visitors' browsers).
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from base.models import AuditEntry
from classes import abuse
from classes.models import Registration
from classes.services import BookingError, allocate_seat, cancel_registration
from tests.classes.factories import booking, make_series, make_session
from tests.gates.support import sign_in

pytestmark = pytest.mark.django_db

FORM = {
    "name_kana": "としま はなこ",
    "age_band": "75-79",
    "area": "駒込",
    "device": "android",
    "email": "",
    "consent": "on",
}


@pytest.fixture(autouse=True)
def one_window(monkeypatch):
    """Every request of a test falls in one rate-limit window."""
    cache.clear()
    monkeypatch.setattr("base.ratelimit._now", lambda: 1_800_000_000.0)
    yield
    cache.clear()


def web_book(client: Client, session, n: int, **fields):
    data = {
        **FORM,
        "name": f"豊島 花子{n}",
        "phone": f"03-3981-{n:04d}",
        "form_token": f"token-{n}-{fields.get('phone', '')}",
        "step": "submit",  # 申し込む on the confirm step
        **fields,
    }
    return client.post(reverse("classes:book", args=[session.pk]), data)


def api_body(n: int, **fields) -> dict:
    return {
        "name": f"豊島 花子{n}",
        "name_kana": "としま はなこ",
        "phone": f"03-3981-{n:04d}",
        "age_band": "75-79",
        "area": "駒込",
        "device": "android",
        "consent": True,
        **fields,
    }


def api_book(client: Client, session, n: int, **fields):
    return client.post(
        f"/api/sessions/{session.pk}/bookings",
        data=json.dumps(api_body(n, **fields)),
        content_type="application/json",
    )


# --- One rate limit per address and per phone number ----------------------------------------


def test_thirty_one_web_bookings_from_one_address_stop_at_the_limit(client, settings):
    """The 31-POST burst of the finding: ten are booked, the rest get 429 and write nothing."""
    settings.CLASSES_BOOKING_RATE_LIMIT = "10/10m"
    session = make_session(capacity=10)

    answers = [web_book(client, session, n) for n in range(1, 32)]

    assert [a.status_code for a in answers] == [302] * 10 + [429] * 21
    assert Registration.objects.count() == 10
    refused = answers[-1].content.decode()
    assert 'id="booking-notice" role="alert"' in refused
    assert "お電話" in refused
    assert settings.HELP_PHONE in refused
    assert "入力内容を確かめてください" not in refused  # the input was fine
    # Another address has its own allowance.
    assert web_book(Client(REMOTE_ADDR="192.0.2.7"), session, 40).status_code == 302


def test_the_default_allows_ten_bookings_per_address():
    assert abuse.booking_rate().limit == 10
    assert abuse.booking_rate().period == 600


def test_web_form_and_api_share_one_allowance_per_address(client, settings):
    settings.CLASSES_BOOKING_RATE_LIMIT = "4/10m"
    session = make_session(capacity=10)

    web = [web_book(client, session, n).status_code for n in range(1, 3)]
    api = [api_book(client, session, n).status_code for n in range(3, 6)]

    assert web == [302, 302]
    assert api[:2] == [201, 201]
    assert api[2] == 429
    refused = api_book(client, session, 9)
    assert refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1
    assert web_book(client, session, 10).status_code == 429
    assert Registration.objects.count() == 4


def test_bookings_are_limited_per_phone_number_across_addresses(settings):
    """Spreading a burst over many addresses does not help with one phone number."""
    settings.CLASSES_BOOKING_PHONE_RATE_LIMIT = "2/10m"
    settings.CLASSES_MAX_ACTIVE_BOOKINGS_PER_PHONE = 0
    sessions = [make_session(capacity=10) for _ in range(3)]

    statuses = [
        web_book(Client(REMOTE_ADDR=f"192.0.2.{i}"), s, i, phone="090-1111-2222").status_code
        for i, s in enumerate(sessions, start=1)
    ]

    assert statuses == [302, 302, 429]
    assert Registration.objects.count() == 2


def test_api_cancel_counts_as_a_lookup(client, settings):
    """Cancelling by reference + phone through the API shares the public lookup limit."""
    settings.CLASSES_LOOKUP_RATE_LIMIT = "2/10m"

    statuses = [
        client.post(
            "/api/bookings/ACEFGH/cancel",
            data=json.dumps({"phone": "0339810001"}),
            content_type="application/json",
        ).status_code
        for _ in range(2)
    ]
    web = client.post("/classes/cancel/", {"reference": "ACEFGH", "phone": "0339810001"})

    assert statuses == [404, 404]
    assert web.status_code == 429


def test_lookups_are_limited_per_phone_number_across_addresses(settings):
    settings.CLASSES_LOOKUP_PHONE_RATE_LIMIT = "2/10m"
    registration = allocate_seat(make_session(), booking(1), channel="web")
    data = {"reference": "ACEFGH", "phone": "03-3981-0001"}

    statuses = [
        Client(REMOTE_ADDR=f"192.0.2.{i}").post("/classes/cancel/", data).status_code
        for i in range(1, 4)
    ]

    assert statuses == [200, 200, 429]
    right = {"reference": registration.reference, "phone": "03-3981-0001"}
    assert Client(REMOTE_ADDR="192.0.2.9").post("/classes/cancel/", right).status_code == 429


def test_staff_booking_is_not_rate_limited(settings, make_user):
    settings.CLASSES_BOOKING_RATE_LIMIT = "1/10m"
    counter_client = sign_in(Client(), make_user(Role.COUNTER, mfa=True))
    session = make_session(capacity=10)

    statuses = [
        counter_client.post(
            reverse("classes_staff:book", args=[session.pk]),
            {**FORM, "name": f"池袋 {n}", "phone": f"03-3981-{n:04d}", "channel": "phone"},
        ).status_code
        for n in range(1, 4)
    ]

    assert statuses == [302, 302, 302]


# --- At most N active bookings per phone number --------------------------------------------


def test_fourth_active_booking_on_one_phone_is_refused_on_every_resident_channel(
    client, settings, make_user
):
    settings.CLASSES_MAX_ACTIVE_BOOKINGS_PER_PHONE = 3
    phone = "090-5555-0000"
    sessions = [make_session(capacity=10, days=3 + i) for i in range(6)]
    for n, session in enumerate(sessions[:3], start=1):
        allocate_seat(session, booking(n, phone=phone), channel="web")

    with pytest.raises(BookingError) as refused:
        allocate_seat(sessions[3], booking(4, phone=phone), channel="api")
    web = web_book(client, sessions[3], 5, phone=phone)
    api = api_book(client, sessions[4], 6, phone=phone)

    assert refused.value.code == "too_many_bookings"
    assert web.status_code == 200
    assert "3件" in web.content.decode()
    assert api.status_code == 409
    assert api.json()["code"] == "too_many_bookings"
    assert Registration.objects.filter(phone="09055550000").count() == 3
    # Counter and phone staff may book on behalf beyond the cap (a care manager, a family).
    counter_client = sign_in(Client(), make_user(Role.COUNTER, mfa=True))
    staff = counter_client.post(
        reverse("classes_staff:book", args=[sessions[5].pk]),
        {**FORM, "name": "豊島 花子7", "phone": phone, "channel": "counter"},
    )
    assert staff.status_code == 302
    assert Registration.objects.filter(phone="09055550000").count() == 4


def test_cancelled_and_ended_bookings_do_not_count_toward_the_cap(settings):
    settings.CLASSES_MAX_ACTIVE_BOOKINGS_PER_PHONE = 2
    phone = "090-5555-0000"
    first = allocate_seat(make_session(days=2), booking(1, phone=phone), channel="web")
    allocate_seat(make_session(days=3), booking(2, phone=phone), channel="web")
    cancel_registration(first)
    ended = make_session(days=4)
    allocate_seat(ended, booking(3, phone=phone), channel="web")
    ended.starts_at = timezone.now() - timedelta(hours=3)
    ended.ends_at = timezone.now() - timedelta(hours=1)
    ended.save()

    allocate_seat(make_session(days=5), booking(4, phone=phone), channel="web")

    assert Registration.objects.filter(phone="09055550000", status="confirmed").count() == 3


def test_a_whole_series_booking_is_active_until_its_last_session_ends(settings):
    settings.CLASSES_MAX_ACTIVE_BOOKINGS_PER_PHONE = 1
    series = make_series(booking_mode="series")
    make_session(series, days=-1)
    make_session(series, days=6)
    series_booking = Registration.objects.create(
        series=series,
        reference="ACEFGW",
        status="confirmed",
        seat=1,
        name="豊島 花子1",
        name_kana="としま",
        phone="09055550000",
        person_key="x",
        age_band="75-79",
        area="駒込",
        device="android",
        consented_at=timezone.now(),
        channel="web",
    )

    with pytest.raises(BookingError, match="too_many_bookings"):
        allocate_seat(make_session(days=8), booking(2, phone="090-5555-0000"), channel="web")
    assert series_booking.status == "confirmed"


# --- The API reads JSON only and answers no foreign origin ------------------------------------


def test_text_plain_api_booking_is_refused_with_415(client):
    """A CORS simple request (text/plain, no preflight) must not book."""
    session = make_session()

    response = client.post(
        f"/api/sessions/{session.pk}/bookings",
        data=json.dumps(api_body(1)),
        content_type="text/plain",
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert response.json()["detail"]
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
)
def test_other_non_json_bodies_are_refused_with_415(client, content_type):
    registration = allocate_seat(make_session(), booking(1), channel="web")

    response = client.generic(
        "POST",
        f"/api/bookings/{registration.reference}/cancel",
        data=b'{"phone": "03-3981-0001"}',
        content_type=content_type,
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    registration.refresh_from_db()
    assert registration.status == "confirmed"


def test_json_with_a_charset_is_accepted(client):
    session = make_session()
    response = client.post(
        f"/api/sessions/{session.pk}/bookings",
        data=json.dumps(api_body(1)).encode(),
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 201


def test_every_post_operation_documents_415(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    posts = [ops["post"] for ops in paths.values() if "post" in ops]

    assert len(posts) == 3
    for operation in posts:
        assert "415" in operation["responses"], operation["operationId"]


def test_preflight_from_a_foreign_origin_gets_no_cors_headers(client):
    session = make_session()

    response = client.options(
        f"/api/sessions/{session.pk}/bookings",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    booked = client.post(
        f"/api/sessions/{session.pk}/bookings",
        data=json.dumps(api_body(1)),
        content_type="application/json",
        HTTP_ORIGIN="https://evil.example",
    )

    for answer in (response, booked):
        assert not [h for h in answer.headers if h.lower().startswith("access-control-")]
    assert response.status_code in (403, 405)


# --- Honeypot ----------------------------------------------------------------------------------


def test_the_honeypot_is_hidden_from_people_and_screen_readers(client):
    html = client.get(reverse("classes:book", args=[make_session().pk])).content.decode()

    start = html.index(f'name="{abuse.HONEYPOT_FIELD}"')
    tag = html[html.rindex("<input", 0, start) : html.index(">", start)]
    assert 'tabindex="-1"' in tag
    assert 'autocomplete="off"' in tag
    wrapper = html[html.rindex("<div", 0, start) : start]
    assert 'aria-hidden="true"' in wrapper
    assert "空のまま" in wrapper


def test_a_filled_honeypot_books_nothing_and_is_recorded(client):
    session = make_session()

    response = web_book(client, session, 1, **{abuse.HONEYPOT_FIELD: "http://spam.example"})

    assert response.status_code == 200
    assert not Registration.objects.exists()
    html = response.content.decode()
    assert "お電話" in html
    assert AuditEntry.objects.filter(action="classes.booking.honeypot").count() == 1
    # An empty honeypot books as usual.
    assert web_book(client, session, 2, **{abuse.HONEYPOT_FIELD: ""}).status_code == 302


def test_a_robot_filling_the_honeypot_leaves_a_bounded_trail(client, settings):
    settings.CLASSES_BOOKING_RATE_LIMIT = "3/10m"
    session = make_session()

    for n in range(1, 8):
        web_book(client, session, n, **{abuse.HONEYPOT_FIELD: "x"})

    assert AuditEntry.objects.filter(action="classes.booking.honeypot").count() == 3
    assert not Registration.objects.exists()


# --- Counter staff see and cancel a burst -----------------------------------------------------


@pytest.fixture
def counter_client(make_user) -> Client:
    return sign_in(Client(), make_user(Role.COUNTER, mfa=True))


def test_bookings_store_a_keyed_hash_of_the_address_not_the_address(client):
    session = make_session()
    web_book(Client(REMOTE_ADDR="198.51.100.23"), session, 1)
    api_book(Client(REMOTE_ADDR="198.51.100.23"), session, 2)

    hashes = set(Registration.objects.values_list("client_hash", flat=True))

    assert len(hashes) == 1
    (value,) = hashes
    assert value and "198.51.100.23" not in value
    assert value == abuse.client_hash("198.51.100.23")


def test_suspicious_page_groups_a_burst_and_cancels_it_promoting_the_waiting(counter_client):
    session = make_session(capacity=2)
    bot = Client(REMOTE_ADDR="198.51.100.66")
    for n in range(1, 5):
        assert web_book(bot, session, n).status_code == 302
    resident = web_book(Client(REMOTE_ADDR="192.0.2.50"), session, 50, phone="090-2222-3333")
    assert resident.status_code == 302
    fake = list(Registration.objects.filter(client_hash=abuse.client_hash("198.51.100.66")))
    real = Registration.objects.get(phone="09022223333")
    assert real.status == "waitlisted"

    page = counter_client.get(reverse("classes_staff:suspicious"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "4件" in html
    for registration in fake:
        assert registration.reference in html
    assert real.reference not in html
    assert AuditEntry.objects.filter(action="classes.suspicious.viewed").exists()

    done = counter_client.post(
        reverse("classes_staff:suspicious"), {"registration": [r.pk for r in fake]}
    )

    assert done.status_code == 302
    assert Registration.objects.filter(pk__in=[r.pk for r in fake], status="cancelled").count() == 4
    real.refresh_from_db()
    assert real.status == "confirmed"
    entry = AuditEntry.objects.get(action="classes.suspicious.cancelled")
    assert sorted(entry.data["references"]) == sorted(r.reference for r in fake)
    assert "4件" in counter_client.get(done["Location"]).content.decode()


def test_suspicious_page_groups_phone_numbers_differing_in_the_last_digits(counter_client):
    session = make_session(capacity=10)
    for i in range(4):
        client = Client(REMOTE_ADDR=f"203.0.113.{i + 1}")
        assert api_book(client, session, i, phone=f"03-1234-567{i}").status_code == 201
    make_session()  # unrelated
    allocate_seat(session, booking(99), channel="web")

    html = counter_client.get(reverse("classes_staff:suspicious")).content.decode()

    assert "03-1234-56" in html
    for registration in Registration.objects.filter(phone__startswith="03123456"):
        assert registration.reference in html
    assert "豊島 花子99" not in html


def test_bookings_far_apart_or_by_staff_are_not_a_burst(counter_client, settings):
    settings.CLASSES_SUSPICIOUS_WINDOW_MINUTES = 10
    session = make_session(capacity=10)
    now = timezone.now()
    for i in range(3):
        registration = allocate_seat(session, booking(i, phone=f"03-1234-567{i}"), channel="web")
        Registration.objects.filter(pk=registration.pk).update(
            created_at=now - timedelta(minutes=30 * i)
        )
    for i in range(3):
        allocate_seat(session, booking(10 + i, phone=f"03-7777-000{i}"), channel="counter")

    groups = abuse.suspicious_groups()

    assert groups == []


def test_suspicious_page_is_for_counter_staff_only(make_user):
    trainer = sign_in(Client(), make_user(Role.TRAINER, mfa=True))
    assert trainer.get(reverse("classes_staff:suspicious")).status_code == 403
    assert Client().get(reverse("classes_staff:suspicious")).status_code == 302


def test_staff_menu_and_dashboard_lead_to_the_suspicious_page(counter_client):
    session = make_session(capacity=10)
    bot = Client(REMOTE_ADDR="198.51.100.66")
    for n in range(1, 4):
        web_book(bot, session, n)

    html = counter_client.get(reverse("classes_staff:dashboard")).content.decode()

    assert f'href="{reverse("classes_staff:suspicious")}"' in html
    assert "1 組" in html


def _book_ten_sessions_at_once(phone: str, first_person: int) -> list:
    """Book ten sessions for one phone number from ten threads released together."""
    sessions = [make_session(days=10 + i) for i in range(10)]
    barrier = threading.Barrier(len(sessions))

    def book(i: int):
        try:
            barrier.wait()
            return allocate_seat(sessions[i], booking(first_person + i, phone=phone), channel="api")
        except BookingError as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        return list(pool.map(book, range(len(sessions))))


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_parallel_bookings_of_one_number_on_different_sessions_respect_the_cap(settings):
    """Each booking locks its own session; the number's lock row is locked too, so the cap
    holds when ten sessions are booked for one number at the same moment."""
    settings.CLASSES_MAX_ACTIVE_BOOKINGS_PER_PHONE = 3
    phone = "090-5555-0000"
    for n in range(1, 3):
        allocate_seat(make_session(days=2 + n), booking(n, phone=phone), channel="web")

    results = _book_ten_sessions_at_once(phone, first_person=10)

    refused = [r for r in results if isinstance(r, BookingError)]
    assert [r.code for r in refused] == ["too_many_bookings"] * 9
    assert Registration.objects.filter(phone="09055550000").count() == 3


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_parallel_first_bookings_of_a_new_number_respect_the_cap(settings):
    """A number with no booking yet has no booking rows to lock: its lock row makes ten
    simultaneous first bookings on ten sessions still stop at the cap."""
    settings.CLASSES_MAX_ACTIVE_BOOKINGS_PER_PHONE = 3

    results = _book_ten_sessions_at_once("090-5555-0001", first_person=30)

    refused = [r for r in results if isinstance(r, BookingError)]
    assert [r.code for r in refused] == ["too_many_bookings"] * 7
    assert Registration.objects.filter(phone="09055550001").count() == 3
