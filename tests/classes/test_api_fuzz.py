"""Schemathesis over the JSON API: every operation of /api/openapi.json, against the live server.

Each operation gets the examples of its schema, schemathesis's coverage cases (boundaries and
schema-violating values: wrong types, NUL and lone surrogates, missing fields) and
``MAX_EXAMPLES`` generated requests, with a fixed seed so a failure in CI is found again on a
laptop. Every response must pass schemathesis's checks: no 5xx, a documented status code and
content type, a body that matches the documented schema, schema-violating input refused, a
token required, 405 for other methods (all but positive_data_acceptance, see ``config``).

The database holds what a demo has: published sessions with seats, a full one, bookings to
cancel and check in, an admin's API token. Half of the generated session ids and reference
codes are swapped for real ones, so requests get past the 404 into booking, cancelling and
check-in.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from accounts.models import ApiToken
from accounts.roles import Role
from accounts.tokens import hash_secret
from classes.api import api
from classes.models import Registration
from classes.services import allocate_seat
from tests.classes.factories import booking, make_series, make_session, make_venue

MAX_EXAMPLES = 50
SEED = 20261202
# The admin's token for check-in, known in advance so the schema's auth can carry it.
STAFF_SECRET = "fuzz-staff-token-0000000000000000000000000"
# The phone number of the bookings made here: the API schema's example, so the examples of
# the cancel operation find them.
PHONE = "03-3981-1111"

config = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "auth": {"openapi": {"BearerToken": {"bearer": STAFF_SECRET}}},
        # The schema gives types; the booking rules (a phone number's shape, a name that is not
        # only spaces) are classes.services' and answer a schema-valid body with 422 and a
        # message per field. Every other check of schemathesis runs.
        "checks": {"positive_data_acceptance": {"enabled": False}},
    }
)
# The document /api/openapi.json serves (test_the_fuzzed_schema_is_the_served_one checks it).
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=config)

# Filled by the demo_data fixture before any case is generated.
KNOWN: dict[str, list[Any]] = {"sessions": [], "references": []}


def _known(kind: str, index: int) -> Any:
    values = KNOWN[kind]
    return values[index % len(values)] if values else None


def _as_id(value: Any) -> int | None:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)  # the coverage phase gives path parameters as text
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def use_real_ids(case) -> None:
    """Swap even session ids, and codes of even length, for ones that exist (in every phase)."""
    params = case.path_parameters or {}
    session_id = _as_id(params.get("session_id"))
    if session_id is not None and session_id % 2 == 0 and KNOWN["sessions"]:
        params["session_id"] = _known("sessions", session_id // 2)
    reference = params.get("reference")
    if isinstance(reference, str) and len(reference) % 2 == 0 and KNOWN["references"]:
        params["reference"] = _known("references", len(reference) // 2)
    body = case.body
    session_id = _as_id(body.get("session_id")) if isinstance(body, dict) else None
    if session_id is not None and session_id % 2 == 0 and KNOWN["sessions"]:
        body["session_id"] = _known("sessions", session_id // 2)


@pytest.fixture
def demo_data(live_server, make_user, settings) -> str:
    """Sessions with seats, a full one, live bookings, a token; limits out of the fuzzer's way."""
    for name in (
        "CLASSES_BOOKING_RATE_LIMIT",
        "CLASSES_BOOKING_PHONE_RATE_LIMIT",
        "CLASSES_LOOKUP_RATE_LIMIT",
        "CLASSES_LOOKUP_PHONE_RATE_LIMIT",
    ):
        setattr(settings, name, "100000/m")
    settings.CLASSES_MAX_ACTIVE_BOOKINGS_PER_PHONE = 100000
    cache.clear()
    venue = make_venue("区民ひろば駒込", area="駒込")
    open_session = make_session(make_series(title="はじめてのスマホ"), capacity=5, venue=venue)
    full = make_session(make_series(title="LINE 入門", level="basic"), capacity=1, venue=venue)
    started = make_session(make_series(title="始まった回"), days=0, venue=venue)
    whole = make_series(title="写真を送ろう（全 2 回）", booking_mode="series")
    series_sessions = [make_session(whole, days=day, venue=venue) for day in (8, 15)]
    admin = make_user(Role.ADMIN)
    ApiToken.objects.create(
        user=admin, name="fuzz", key_hash=hash_secret(STAFF_SECRET), prefix=STAFF_SECRET[:8]
    )
    registrations = [
        allocate_seat(open_session, booking(1, phone=PHONE), channel="web"),
        allocate_seat(full, booking(2, phone=PHONE), channel="web"),
        allocate_seat(full, booking(3, phone=PHONE), channel="web"),  # waiting
    ]
    KNOWN["sessions"] = [open_session.pk, full.pk, started.pk, series_sessions[0].pk]
    KNOWN["references"] = [r.reference for r in registrations]
    yield live_server.url
    KNOWN["sessions"], KNOWN["references"] = [], []
    cache.clear()


@schema.parametrize()
@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_conforms_to_its_schema(case, demo_data):
    # The data is made once per operation; its examples share it (bookings accumulate).
    use_real_ids(case)
    case.call_and_validate(base_url=demo_data)


def test_the_fuzzed_schema_is_the_served_one(client):
    assert client.get("/api/openapi.json").json() == schema.raw_schema


# --- What the fuzzer found, as plain regression tests ----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["0", "1700000000", "2026-1-5", "2026-02-30"])
def test_sessions_from_takes_a_calendar_date_only(client, value):
    # pydantic read from=0 as a Unix time (1970-01-01) and answered with every session.
    response = client.get("/api/sessions", {"from": value})

    assert response.status_code == 422
    assert response.json()["errors"]["from"]


@pytest.mark.django_db
def test_sessions_from_the_year_one_is_not_a_server_error(client):
    # Midnight of 0001-01-01 in Tokyo is before the first UTC datetime: OverflowError, 500.
    session = make_session()

    response = client.get("/api/sessions", {"from": "0001-01-01"})

    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [session.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields", [{"consent": 1}, {"consent": "yes"}, {"consent": "true"}, {"wants_loaner": 0}]
)
def test_booking_booleans_are_json_booleans(client, settings, fields):
    # 1 and "yes" were read as true: a consent given without a true.
    settings.CLASSES_BOOKING_RATE_LIMIT = "1000/m"
    cache.clear()
    session = make_session()
    data = {
        "name": "豊島 花子",
        "name_kana": "としま はなこ",
        "phone": PHONE,
        "age_band": "75-79",
        "area": "駒込",
        "device": "android",
        "consent": True,
        **fields,
    }

    response = client.post(
        f"/api/sessions/{session.pk}/bookings", data, content_type="application/json"
    )

    assert response.status_code == 422
    assert set(response.json()["errors"]) == set(fields)
    assert not Registration.objects.exists()
