"""A database outage answers 503 with Retry-After, and the next request recovers (issue 13).

The outage is simulated by making the connection's cursor raise ``OperationalError`` (what
Django raises when PostgreSQL is down or the connection was cut); the PostgreSQL test in
test_outage_postgres.py cuts a real connection.
"""

from __future__ import annotations

import json

import pytest
from django.db import InterfaceError, OperationalError, connections
from django.test import Client, RequestFactory

from base import outage
from tests.gates.support import sign_in

pytestmark = pytest.mark.django_db

TRACES = ("Traceback", "OperationalError", "InterfaceError", 'File "')


@pytest.fixture
def client() -> Client:
    # As a browser sees it: the error is answered, not re-raised into the test.
    return Client(raise_request_exception=False)


class Outage:
    """Makes every query of the default connection fail, as when the database is down."""

    def __init__(self) -> None:
        self.connection = connections["default"]

    def start(self, error: type[Exception] = OperationalError) -> None:
        def fail(*args, **kwargs):
            raise error("could not connect to server: Connection refused")

        self.connection.cursor = fail

    def end(self) -> None:
        self.connection.__dict__.pop("cursor", None)


@pytest.fixture
def outage_of_database():
    simulated = Outage()
    yield simulated
    simulated.end()


def assert_outage_page(response) -> str:
    assert response.status_code == 503
    assert response["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
    body = response.content.decode()
    for trace in TRACES:
        assert trace not in body
    return body


def test_anonymous_page(client, outage_of_database):
    outage_of_database.start()
    response = client.get("/classes/")

    body = assert_outage_page(response)
    assert response["Content-Type"].startswith("text/html")
    assert "ただいまご利用いただけません" in body
    assert "30秒ほど待って" in body

    outage_of_database.end()
    assert client.get("/classes/").status_code == 200


def test_signed_in_app_page_fails_in_the_session_lookup(client, make_user, outage_of_database):
    sign_in(client, make_user(None))
    assert client.get("/learning/my/").status_code == 200

    outage_of_database.start()
    assert_outage_page(client.get("/learning/my/"))

    outage_of_database.end()
    assert client.get("/learning/my/").status_code == 200


def test_api_answers_json_in_the_apis_error_shape(client, outage_of_database):
    outage_of_database.start()
    response = client.get("/api/sessions")

    assert_outage_page(response)
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["code"] == "unavailable"
    assert body["detail"].startswith("ただいまご利用いただけません")

    outage_of_database.end()
    assert client.get("/api/sessions").status_code == 200


def test_api_outage_in_a_middleware_is_json_too(client, make_user, outage_of_database):
    """A signed-in API call fails in the session lookup, before the API's own handlers."""
    sign_in(client, make_user(None))
    outage_of_database.start(InterfaceError)

    response = client.post("/api/bookings/ABCD-1234/cancel", "{}", "application/json")

    assert_outage_page(response)
    assert json.loads(response.content)["code"] == "unavailable"


def test_healthz_stays_503(client, outage_of_database):
    outage_of_database.start()
    response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content)["status"] == "unavailable"


def test_other_errors_keep_the_500_page():
    request = RequestFactory().get("/classes/")
    try:
        raise ValueError("a bug, not an outage")
    except ValueError:
        response = outage.server_error(request)

    assert response.status_code == 500
    assert "Retry-After" not in response


def test_the_503_page_needs_no_database(django_assert_num_queries):
    request = RequestFactory().get("/classes/")
    with django_assert_num_queries(0):
        response = outage.outage_response(request)

    assert response.status_code == 503
    assert "ただいまご利用いただけません" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "kind"), [("/api/sessions", "application/json"), ("/", "text/html")]
)
def test_the_handler_answers_an_outage_raised_anywhere(path, kind):
    """handler500 sees the exception of a middleware as well as a view's."""
    request = RequestFactory().get(path)
    try:
        raise OperationalError("terminating connection due to administrator command")
    except OperationalError:
        response = outage.server_error(request)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith(kind)


def _cancel(client, path):
    body = json.dumps({"phone": "09012345678"})
    return client.post(path, body, content_type="application/json")


@pytest.mark.parametrize("path", ["/classes/", "/api/bookings/ABCD2345/cancel"])
def test_an_outage_of_the_shared_cache_answers_503_too(client, path, monkeypatch):
    """Redis down (CACHE_URL=redis://...): the class list and the API's rate limit read it."""
    request = client.get if path == "/classes/" else lambda p: _cancel(client, p)
    from django.core.cache import cache
    from redis.exceptions import ConnectionError as RedisConnectionError

    def refused(*args, **kwargs):
        raise RedisConnectionError("Error 111 connecting to cache.internal:6379.")

    for method in ("get", "get_many", "set", "add", "incr"):
        monkeypatch.setattr(cache, method, refused)
    response = request(path)
    assert_outage_page(response)
    assert "Error 111" not in response.content.decode()
    monkeypatch.undo()
    assert request(path).status_code in (200, 404)  # back: the list, or "no such booking"
