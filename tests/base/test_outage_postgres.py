"""A PostgreSQL connection cut by ``pg_terminate_backend``: 503, then the next request recovers.

Requests go through Django's WSGI handler as under gunicorn (the test client leaves out the
end-of-request clean-up that closes an unusable connection), on one persistent connection as
production's ``conn_max_age`` gives. Runs when DATABASE_URL points at PostgreSQL.
"""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.test import RequestFactory

from base import outage
from tests.gates.support import ensure_page_tree

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def page_tree():
    """A transactional test starts on a flushed database: the site and its pages again."""
    ensure_page_tree()


def get(path: str) -> tuple[int, dict[str, str], bytes]:
    """One request through the WSGI handler, closed as a WSGI server closes it."""
    cache.clear()  # the class list is cached: every request here must read the database
    started: dict = {}

    def start_response(status: str, headers: list, exc_info=None) -> None:
        started["status"], started["headers"] = int(status.split()[0]), dict(headers)

    result = WSGIHandler()(RequestFactory().get(path).environ, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()  # request_finished: Django closes a connection that is no longer usable
    return started["status"], started["headers"], body


def terminate(pid: int) -> None:
    """Cut the backend from a second connection, as an administrator or a failover would."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone() == (True,)
    finally:
        other.close()


def backend_pid() -> int:
    connection.ensure_connection()
    return connection.connection.info.backend_pid


@pytest.fixture
def persistent_connection(monkeypatch):
    """One connection kept between requests (production's conn_max_age=60)."""

    def configure(*, health_checks: bool) -> None:
        monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
        monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", health_checks)
        connection.close()  # the next connection is opened with these settings

    yield configure
    connection.close()


def assert_unavailable(status: int, headers: dict, body: bytes) -> None:
    assert status == 503
    assert headers["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
    assert b"Traceback" not in body


@pytest.mark.parametrize("path", ["/api/sessions", "/classes/"])
def test_cut_during_a_request_answers_503_and_the_next_request_recovers(
    persistent_connection, path
):
    persistent_connection(health_checks=True)
    assert get(path)[0] == 200
    pid = backend_pid()
    cut = []

    def cut_before_the_first_query(execute, sql, params, many, context):
        if not cut:
            cut.append(True)
            terminate(pid)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(cut_before_the_first_query):
        status, headers, body = get(path)

    assert cut
    assert_unavailable(status, headers, body)
    if path.startswith("/api/"):
        assert json.loads(body)["code"] == "unavailable"
    # The dead connection was closed at the end of that request; the next one opens anew.
    assert connection.connection is None
    assert get(path)[0] == 200
    assert backend_pid() != pid


def test_cut_between_requests_without_health_checks_is_one_503(persistent_connection):
    persistent_connection(health_checks=False)
    assert get("/classes/")[0] == 200
    pid = backend_pid()

    terminate(pid)

    assert_unavailable(*get("/classes/"))
    assert get("/classes/")[0] == 200


def test_cut_between_requests_with_health_checks_is_not_seen(persistent_connection):
    """With conn_max_age, CONN_HEALTH_CHECKS is on (config.env): a connection that died
    between requests is replaced before its first query."""
    persistent_connection(health_checks=True)
    assert get("/classes/")[0] == 200
    pid = backend_pid()

    terminate(pid)

    assert get("/classes/")[0] == 200
    assert backend_pid() != pid
