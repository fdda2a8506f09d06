"""The JSON API under /api/: listing, booking, cancelling, check-in, tokens and the schema."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiToken
from accounts.roles import Role
from accounts.tokens import authenticate_token, hash_secret, issue_token
from base import ratelimit
from classes import services
from classes.models import Attendance, ClassSeries, ClassSession, Registration
from classes.services import allocate_seat, error_messages
from tests.classes.factories import booking, make_series, make_session, make_venue

pytestmark = pytest.mark.django_db

SESSIONS_URL = "/api/sessions"


@pytest.fixture(autouse=True)
def generous_rate_limit(settings):
    """Tests book many times from one address; the rate-limit tests lower this again."""
    settings.CLASSES_BOOKING_RATE_LIMIT = "1000/m"
    settings.CLASSES_LOOKUP_RATE_LIMIT = "1000/m"
    cache.clear()
    yield
    cache.clear()


def body(n: int = 1, **fields) -> dict:
    data = {
        "name": f"豊島 花子{n}",
        "name_kana": "としま はなこ",
        "phone": f"03-3981-{n:04d}",
        "age_band": "75-79",
        "area": "駒込",
        "device": "android",
        "wants_loaner": False,
        "email": "",
        "consent": True,
    }
    data.update(fields)
    return data


def post(client: Client, url: str, data, **extra):
    raw = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(url, data=raw, content_type="application/json", **extra)


def book(client: Client, session: ClassSession, n: int = 1, **fields):
    return post(client, f"/api/sessions/{session.pk}/bookings", body(n, **fields))


# --- GET /api/sessions --------------------------------------------------------------------


def test_sessions_list_upcoming_scheduled_sessions_of_published_classes(client):
    venue = make_venue("区民ひろば要町", area="要町", address="豊島区要町1-1-1")
    upcoming = make_session(make_series(title="はじめてのスマホ"), capacity=3, venue=venue)
    make_session(make_series(title="終わった回"), days=-1)
    make_session(make_series(title="中止の回"), status=ClassSession.Status.CANCELLED)
    make_session(make_series(title="非公開", is_published=False))
    allocate_seat(upcoming, booking(1), channel="web")

    response = client.get(SESSIONS_URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert [item["id"] for item in data] == [upcoming.pk]
    item = data[0]
    assert item["title"] == "はじめてのスマホ"
    assert item["level"] == "first"
    assert item["booking_mode"] == "session"
    assert item["venue"] == {
        "id": venue.pk,
        "name": "区民ひろば要町",
        "address": "豊島区要町1-1-1",
        "area": "要町",
    }
    assert item["capacity"] == 3
    assert item["seats_left"] == 2 == services.seats_left(upcoming)
    assert item["waitlisted"] == 0
    local_start = timezone.localtime(upcoming.starts_at)
    assert item["starts_at"].endswith("+09:00")
    assert item["starts_at"].startswith(local_start.strftime("%Y-%m-%dT%H:%M:%S"))
    assert item["ends_at"].endswith("+09:00")


def test_sessions_list_counts_waitlist_and_never_negative_seats(client):
    session = make_session(capacity=1)
    for n in range(1, 4):
        allocate_seat(session, booking(n), channel="web")
    cancelled = allocate_seat(session, booking(9), channel="web")
    services.cancel_registration(cancelled)

    item = client.get(SESSIONS_URL).json()[0]

    assert item["seats_left"] == 0
    assert item["waitlisted"] == 2


def test_whole_series_sessions_share_the_series_seats(client):
    series = make_series(booking_mode=ClassSeries.BookingMode.WHOLE_SERIES)
    first = make_session(series, capacity=5, days=7)
    second = make_session(series, capacity=3, days=14)
    allocate_seat(series, booking(1), channel="web")

    data = {item["id"]: item for item in client.get(SESSIONS_URL).json()}

    for session in (first, second):
        assert data[session.pk]["booking_mode"] == "series"
        assert data[session.pk]["capacity"] == 3
        assert data[session.pk]["seats_left"] == 2 == services.seats_left(session)


def test_sessions_filters(client):
    komagome = make_venue("区民ひろば駒込", area="駒込")
    kanamecho = make_venue("区民ひろば要町", area="要町")
    first = make_session(make_series(level="first"), venue=komagome, days=3)
    basic = make_session(make_series(level="basic", covers_iphone=False), venue=kanamecho, days=10)
    advanced = make_session(
        make_series(level="advanced", covers_android=False), venue=komagome, days=20
    )

    def ids(**params):
        response = client.get(SESSIONS_URL, params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()]

    assert ids() == [first.pk, basic.pk, advanced.pk]
    assert ids(area="駒込") == [first.pk, advanced.pk]
    assert ids(venue=kanamecho.pk) == [basic.pk]
    assert ids(level="basic") == [basic.pk]
    assert ids(device="iphone") == [first.pk, advanced.pk]
    assert ids(device="android") == [first.pk, basic.pk]
    from_day = timezone.localdate(basic.starts_at)
    assert ids(**{"from": from_day.isoformat()}) == [basic.pk, advanced.pk]


def test_sessions_bad_filter_is_a_422_with_the_field(client):
    response = client.get(SESSIONS_URL, {"level": "expert", "from": "not-a-date"})

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["level"] == [str(error_messages["choice_invalid"])]
    assert "from" in errors


def test_sessions_list_takes_the_same_number_of_queries_for_1_or_20_sessions(
    client, django_assert_max_num_queries
):
    series = make_series()
    session = make_session(series)
    allocate_seat(session, booking(1), channel="web")
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(SESSIONS_URL).json()) == 1

    for day in range(2, 21):
        other = make_session(make_series(title=f"教室{day}"), days=day)
        allocate_seat(other, booking(day), channel="web")
    whole = make_series(booking_mode=ClassSeries.BookingMode.WHOLE_SERIES)
    make_session(whole, days=30)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get(SESSIONS_URL).json()) == 21
    assert len(one.captured_queries) <= 2


# --- POST /api/sessions/{id}/bookings -----------------------------------------------------


def test_booking_is_confirmed_with_a_reference(client):
    session = make_session(capacity=2)

    response = book(client, session, 1, phone="０９０－１２３４－５６７８")

    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "confirmed"
    assert data["waitlist_position"] is None
    registration = Registration.objects.get(reference=data["reference"])
    assert registration.session == session
    assert registration.channel == Registration.Channel.API
    assert registration.phone == "09012345678"
    assert registration.seat == 1


def test_full_session_waitlists_with_the_place_in_line(client):
    session = make_session(capacity=1)

    answers = [book(client, session, n) for n in range(1, 4)]

    assert [a.status_code for a in answers] == [201, 201, 201]
    assert [a.json()["status"] for a in answers] == ["confirmed", "waitlisted", "waitlisted"]
    assert [a.json()["waitlist_position"] for a in answers] == [None, 1, 2]


def test_whole_series_booking_goes_to_the_series(client):
    series = make_series(booking_mode=ClassSeries.BookingMode.WHOLE_SERIES)
    make_session(series, days=7)
    second = make_session(series, days=14)

    response = book(client, second, 1)

    assert response.status_code == 201
    registration = Registration.objects.get(reference=response.json()["reference"])
    assert registration.series == series
    assert registration.session is None


def test_double_booking_is_a_409(client):
    session = make_session()
    assert book(client, session, 1).status_code == 201

    again = book(client, session, 1, name="豊島　花子1", phone="０３－３９８１－０００１")

    assert again.status_code == 409
    assert again.json() == {"code": "duplicate", "detail": str(error_messages["duplicate"])}
    assert Registration.objects.count() == 1


def test_every_wrong_field_gets_its_own_message(client):
    session = make_session()

    response = book(client, session, 1, name=" ", phone="3981-1111", email="x@", consent=False)

    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "invalid"
    assert data["errors"] == {
        "name": [str(error_messages["required"])],
        "phone": [str(error_messages["phone_invalid"])],
        "email": [str(error_messages["email_invalid"])],
        "consent": [str(error_messages["consent_required"])],
    }
    assert {tuple(item["loc"]) for item in data["detail"]} == {
        ("body", "name"),
        ("body", "phone"),
        ("body", "email"),
        ("body", "consent"),
    }
    assert Registration.objects.count() == 0


@pytest.mark.parametrize("kana", ["豊島 花子", "toshima hanako", "としま はなこ1"])
def test_furigana_in_kanji_romaji_or_digits_is_refused_as_in_the_forms(client, kana):
    """The same ふりがな rule as the booking forms (classes.services.is_furigana), so the
    counter's call list never shows 豊島 花子（豊島 花子）."""
    session = make_session()

    response = book(client, session, 1, name_kana=kana)

    assert response.status_code == 422
    assert response.json()["errors"] == {"name_kana": [str(error_messages["kana_invalid"])]}
    assert Registration.objects.count() == 0
    assert book(client, session, 1, name_kana="トシマ　ハナコ").status_code == 201


def test_sms_consent_through_the_api(client):
    """As on the booking form: SMS news only to a mobile number; a landline is a 422."""
    session = make_session()
    refused = book(client, session, 1, sms_consent=True)  # 03-3981-0001: a landline
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"sms_consent": [str(error_messages["sms_not_mobile"])]}
    assert Registration.objects.count() == 0
    assert book(client, session, 2, sms_consent="yes").status_code == 422  # strict boolean

    assert book(client, session, 3, phone="090-1234-5678", sms_consent=True).status_code == 201
    assert book(client, session, 4).status_code == 201
    chosen = dict(Registration.objects.values_list("phone", "sms_consent"))
    assert chosen == {"09012345678": True, "0339810004": False}


def test_missing_and_mistyped_fields_are_422_in_japanese(client):
    session = make_session()
    data = body(1, age_band="100歳", phone=339811111)
    del data["name"]
    del data["consent"]

    response = post(client, f"/api/sessions/{session.pk}/bookings", data)

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["name"] == [str(error_messages["required"])]
    assert errors["consent"] == [str(error_messages["consent_required"])]
    assert errors["age_band"] == [str(error_messages["choice_invalid"])]
    assert errors["phone"] == ["この項目の形式が正しくありません。"]
    assert Registration.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    ['{"name": "豊島', "[1, 2]", '"text"', "null", "", b"\xff\xfe{}"],
    ids=["truncated", "list", "string", "null", "empty", "not-utf8"],
)
def test_malformed_json_is_a_422_not_a_500(client, raw):
    session = make_session()

    response = post(client, f"/api/sessions/{session.pk}/bookings", raw)

    assert response.status_code == 422
    assert response.json() == {
        "code": "malformed",
        "detail": "送信された内容を読み取れません。JSON のオブジェクトで送ってください。",
    }
    assert Registration.objects.count() == 0


def test_unknown_or_unpublished_session_is_a_404(client):
    hidden = make_session(make_series(is_published=False))

    for session_id in (hidden.pk, 999999):
        response = post(client, f"/api/sessions/{session_id}/bookings", body(1))
        assert response.status_code == 404
        assert response.json()["code"] == "session_not_found"


def test_cancelled_or_started_session_is_a_409_with_its_code(client):
    cancelled = make_session(status=ClassSession.Status.CANCELLED)
    started = make_session(starts_at=timezone.now() - timedelta(minutes=5))

    assert book(client, cancelled).json() == {
        "code": "cancelled",
        "detail": str(error_messages["cancelled"]),
    }
    response = book(client, started)
    assert response.status_code == 409
    assert response.json()["code"] == "started"


def test_public_posts_need_no_csrf_token():
    client = Client(enforce_csrf_checks=True)
    session = make_session()

    assert book(client, session).status_code == 201


def test_bookings_are_rate_limited_per_client_ip(client, settings, monkeypatch):
    settings.CLASSES_BOOKING_RATE_LIMIT = "2/m"
    cache.clear()
    clock = [1_000_000.0]  # the start of a minute window
    monkeypatch.setattr(ratelimit, "_now", lambda: clock[0])
    session = make_session(capacity=10)

    answers = [book(client, session, n) for n in range(1, 4)]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].json()["code"] == "rate_limited"
    assert 1 <= int(answers[2]["Retry-After"]) <= 60
    assert Registration.objects.count() == 2
    # Attempts are counted once their input is read: a malformed one books nothing anyway.
    assert post(client, f"/api/sessions/{session.pk}/bookings", "{").status_code == 422
    # Another address has its own allowance.
    url = f"/api/sessions/{session.pk}/bookings"
    assert post(client, url, body(4), REMOTE_ADDR="192.0.2.7").status_code == 201
    # The next window starts afresh.
    clock[0] += 60
    assert book(client, session, 5).status_code == 201


def test_rate_parsing():
    assert ratelimit.parse_rate("20/m") == ratelimit.Rate(20, 60)
    assert ratelimit.parse_rate("5/10m") == ratelimit.Rate(5, 600)
    assert ratelimit.parse_rate("1000/h") == ratelimit.Rate(1000, 3600)
    for bad in ("", "20", "20/x", "a/m", "20/0m"):
        with pytest.raises(Exception, match="rate limit"):
            ratelimit.parse_rate(bad)


# --- POST /api/bookings/{reference}/cancel ------------------------------------------------


def test_cancel_with_the_right_phone(client):
    session = make_session(capacity=2)
    registration = allocate_seat(session, booking(1), channel="web")

    response = post(
        client, f"/api/bookings/{registration.reference.lower()}/cancel", {"phone": "03-3981-0001"}
    )

    assert response.status_code == 200
    assert response.json() == {
        "reference": registration.reference,
        "status": "cancelled",
        "promoted": False,
    }
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED


def test_cancel_promotes_the_first_waiting(client):
    session = make_session(capacity=1)
    first = allocate_seat(session, booking(1), channel="web")
    waiting = allocate_seat(session, booking(2), channel="web")

    response = post(client, f"/api/bookings/{first.reference}/cancel", {"phone": "0339810001"})

    assert response.json()["promoted"] is True
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED


def test_wrong_phone_and_wrong_reference_look_the_same(client):
    session = make_session()
    registration = allocate_seat(session, booking(1), channel="web")

    wrong_phone = post(
        client, f"/api/bookings/{registration.reference}/cancel", {"phone": "03-3981-9999"}
    )
    wrong_reference = post(client, "/api/bookings/ACEFGH/cancel", {"phone": "03-3981-0001"})

    assert wrong_phone.status_code == wrong_reference.status_code == 404
    assert (
        wrong_phone.json()
        == wrong_reference.json()
        == {
            "code": "not_found",
            "detail": str(error_messages["not_found"]),
        }
    )
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_cancelling_twice_is_a_409(client):
    registration = allocate_seat(make_session(), booking(1), channel="web")
    url = f"/api/bookings/{registration.reference}/cancel"

    assert post(client, url, {"phone": "03-3981-0001"}).status_code == 200
    again = post(client, url, {"phone": "03-3981-0001"})

    assert again.status_code == 409
    assert again.json()["code"] == "already_cancelled"


def test_cancel_is_rate_limited(client, settings):
    settings.CLASSES_LOOKUP_RATE_LIMIT = "1/h"
    cache.clear()

    statuses = [
        post(client, "/api/bookings/ACEFGH/cancel", {"phone": "0339810001"}).status_code
        for _ in range(2)
    ]

    assert statuses == [404, 429]


# --- POST /api/bookings/{reference}/check-in ----------------------------------------------


@pytest.fixture
def trainer_session(make_user):
    trainer = make_user(Role.TRAINER, mfa=True)
    session = make_session(capacity=2, starts_at=timezone.now() + timedelta(minutes=30))
    session.trainers.add(trainer)
    return trainer, session


def check_in(client: Client, reference: str, session_id: int, token: str | None = None):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return post(client, f"/api/bookings/{reference}/check-in", {"session_id": session_id}, **extra)


def test_trainer_checks_in_a_participant_of_their_session(client, trainer_session):
    trainer, session = trainer_session
    first = allocate_seat(session, booking(1), channel="web")
    allocate_seat(session, booking(2), channel="web")
    token = issue_token(trainer, "受付用タブレット")

    response = check_in(client, first.reference, session.pk, token)

    assert response.status_code == 200
    assert response.json() == {
        "reference": first.reference,
        "name_initial": "豊",
        "status": "present",
        "checked_in": 1,
        "booked": 2,
    }
    attendance = Attendance.objects.get(registration=first, session=session)
    assert attendance.recorded_by == trainer


def test_late_arrival_is_marked_late(client, make_user):
    admin = make_user(Role.ADMIN, mfa=True)
    session = make_session(starts_at=timezone.now() - timedelta(minutes=30))
    registration = Registration.objects.create(
        series=session.series,
        session=session,
        reference="ACEFGH",
        status=Registration.Status.CONFIRMED,
        seat=1,
        name="豊島 花子",
        name_kana="としま はなこ",
        phone="0339811111",
        person_key="x",
        age_band="75-79",
        area="駒込",
        device="android",
        consented_at=timezone.now(),
        channel="web",
    )

    response = check_in(client, registration.reference, session.pk, issue_token(admin, "admin"))

    assert response.status_code == 200
    assert response.json()["status"] == "late"


def test_other_trainer_is_refused_and_admin_is_allowed(client, trainer_session, make_user):
    _trainer, session = trainer_session
    registration = allocate_seat(session, booking(1), channel="web")
    other = make_user(Role.TRAINER, mfa=True)
    counter = make_user(Role.COUNTER, mfa=True)
    admin = make_user(Role.ADMIN, mfa=True)

    for user in (other, counter):
        response = check_in(client, registration.reference, session.pk, issue_token(user, "t"))
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    assert not Attendance.objects.exists()
    allowed = check_in(client, registration.reference, session.pk, issue_token(admin, "a"))
    assert allowed.status_code == 200


def test_check_in_needs_a_valid_token(client, trainer_session, make_user):
    trainer, session = trainer_session
    registration = allocate_seat(session, booking(1), channel="web")
    url_args = (registration.reference, session.pk)

    missing = check_in(client, *url_args)
    assert missing.status_code == 401
    assert missing.json()["code"] == "unauthorized"
    assert missing["WWW-Authenticate"] == "Bearer"
    assert check_in(client, *url_args, token="not-a-token").status_code == 401

    revoked = issue_token(trainer, "revoked")
    ApiToken.objects.filter(key_hash=hash_secret(revoked)).update(is_active=False)
    assert check_in(client, *url_args, token=revoked).status_code == 401

    expired = issue_token(trainer, "expired", expires_at=timezone.now() - timedelta(seconds=1))
    assert check_in(client, *url_args, token=expired).status_code == 401

    inactive_user = make_user(Role.ADMIN, mfa=True)
    stale = issue_token(inactive_user, "stale")
    inactive_user.is_active = False
    inactive_user.save()
    assert check_in(client, *url_args, token=stale).status_code == 401
    assert not Attendance.objects.exists()


def test_session_cookie_is_not_accepted_for_check_in(trainer_session):
    trainer, session = trainer_session
    registration = allocate_seat(session, booking(1), channel="web")
    client = Client(enforce_csrf_checks=True)
    client.force_login(trainer)

    response = check_in(client, registration.reference, session.pk)

    assert response.status_code == 401
    assert not Attendance.objects.exists()


def test_tokens_are_refused_while_the_owners_second_factor_is_missing(client, make_user):
    """A token is no way around the MFA rule: 403 with a message, and nothing recorded."""
    trainer = make_user(Role.TRAINER, mfa=False)
    session = make_session(starts_at=timezone.now() + timedelta(minutes=5))
    session.trainers.add(trainer)
    registration = allocate_seat(session, booking(1), channel="web")
    token = issue_token(trainer, "t")

    response = check_in(client, registration.reference, session.pk, token)

    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"
    assert "二段階認証が必要" in response.json()["detail"]
    assert "second factor" in response.json()["detail"]
    assert not Attendance.objects.exists()

    TOTP.activate(trainer, generate_totp_secret())
    assert check_in(client, registration.reference, session.pk, token).status_code == 200


def test_check_in_refuses_waitlisted_unknown_and_wrong_session(client, trainer_session):
    trainer, session = trainer_session
    token = issue_token(trainer, "t")
    for n in (1, 2):
        allocate_seat(session, booking(n), channel="web")
    waiting = allocate_seat(session, booking(3), channel="web")
    elsewhere = allocate_seat(make_session(capacity=5, days=9), booking(4), channel="web")

    waitlisted = check_in(client, waiting.reference, session.pk, token)
    assert waitlisted.status_code == 409
    assert waitlisted.json() == {
        "code": "not_confirmed",
        "detail": str(error_messages["not_confirmed"]),
    }
    assert check_in(client, "ACEFGH", session.pk, token).json()["code"] == "not_on_session"
    assert check_in(client, elsewhere.reference, session.pk, token).status_code == 404
    unknown = check_in(client, waiting.reference, 999999, token)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "session_not_found"
    assert not Attendance.objects.exists()


def test_counts_follow_check_ins(client, trainer_session):
    trainer, session = trainer_session
    token = issue_token(trainer, "t")
    regs = [allocate_seat(session, booking(n), channel="web") for n in (1, 2)]

    first = check_in(client, regs[0].reference, session.pk, token).json()
    again = check_in(client, regs[0].reference, session.pk, token).json()
    second = check_in(client, regs[1].reference, session.pk, token).json()

    assert (first["checked_in"], again["checked_in"], second["checked_in"]) == (1, 1, 2)
    assert second["booked"] == 2


# --- Tokens -------------------------------------------------------------------------------


def test_tokens_store_only_a_hash(make_user):
    user = make_user(Role.TRAINER, mfa=True)

    secret = issue_token(user, "tablet")

    token = ApiToken.objects.get(user=user)
    assert len(secret) >= 40
    assert token.key_hash == hash_secret(secret) != secret
    assert token.prefix == secret[:8]
    assert secret not in str(ApiToken.objects.values_list())
    assert authenticate_token(secret) == user
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert authenticate_token(secret[:-1]) is None
    assert authenticate_token("") is None
    assert authenticate_token("x" * 1000) is None


def test_create_api_token_command_prints_the_secret_once(make_user):
    user = make_user(Role.COUNTER, mfa=True, email="counter-api@example.jp")
    out, err = StringIO(), StringIO()

    call_command("create_api_token", "Counter-API@example.jp", name="窓口", stdout=out, stderr=err)

    secret = out.getvalue().strip()
    assert authenticate_token(secret) == user
    assert secret not in err.getvalue()
    assert ApiToken.objects.get(user=user).name == "窓口"


def test_create_api_token_command_refuses_unknown_and_roleless_users(make_user):
    make_user(None, email="resident@example.jp")

    with pytest.raises(CommandError, match="見つかりません"):
        call_command("create_api_token", "nobody@example.jp", name="x", stdout=StringIO())
    with pytest.raises(CommandError, match="役割がありません"):
        call_command("create_api_token", "resident@example.jp", name="x", stdout=StringIO())
    assert not ApiToken.objects.exists()


# --- Schema -------------------------------------------------------------------------------


def test_openapi_schema_lists_the_four_operations(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    operations = {(path, method) for path, item in paths.items() for method in item}
    assert {
        ("/api/sessions", "get"),
        ("/api/sessions/{session_id}/bookings", "post"),
        ("/api/bookings/{reference}/cancel", "post"),
        ("/api/bookings/{reference}/check-in", "post"),
    } <= operations
    booking_op = paths["/api/sessions/{session_id}/bookings"]["post"]
    assert {"201", "404", "409", "422", "429"} <= set(booking_op["responses"])
    body_ref = booking_op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    booking_in = schema["components"]["schemas"][body_ref.rsplit("/", 1)[1]]
    assert set(booking_in["properties"]) == {
        "name",
        "name_kana",
        "phone",
        "age_band",
        "area",
        "device",
        "wants_loaner",
        "email",
        "sms_consent",
        "consent",
    }
    assert paths["/api/bookings/{reference}/cancel"]["post"]["requestBody"]
    check_in_op = paths["/api/bookings/{reference}/check-in"]["post"]
    assert check_in_op["security"]
    assert {"200", "401", "403", "404", "409"} <= set(check_in_op["responses"])
    sessions_op = paths["/api/sessions"]["get"]
    assert {p["name"] for p in sessions_op["parameters"]} >= {"area", "venue", "level", "from"}
    assert "200" in sessions_op["responses"]


def test_post_only_routes_answer_405_to_get(client):
    for url in ("/api/sessions/1/bookings", "/api/bookings/ACEFGH/cancel"):
        assert client.get(url).status_code == 405
