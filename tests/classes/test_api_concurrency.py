"""Fifty people book one class through the HTTP API at the same moment (PostgreSQL only).

A threaded WSGI server answers each request in its own thread with its own database
connection, so the requests really race for the session's row lock, as they would across app
processes. SQLite's in-memory test database cannot be shared between threads.

pytest-django's ``live_server`` listens with a backlog of 10 connections; fifty simultaneous
connects overflow it and the kernel resets some of them. The server here is the same Django
class with a deeper backlog.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test.testcases import QuietWSGIRequestHandler

from classes.models import Registration
from tests.classes.factories import make_session

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
    ),
]

PARALLEL = 50
CAPACITY = 10


class _DeepBacklogServer(ThreadedWSGIServer):
    request_queue_size = 128


@pytest.fixture
def api_server(transactional_db):
    server = _DeepBacklogServer(
        ("127.0.0.1", 0), QuietWSGIRequestHandler, allow_reuse_address=False
    )
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _payload(n: int) -> bytes:
    return json.dumps(
        {
            "name": f"豊島 花子{n}",
            "name_kana": "としま はなこ",
            "phone": f"03-3981-{n:04d}",
            "age_band": "75-79",
            "area": "駒込",
            "device": "iphone",
            "consent": True,
        }
    ).encode()


def _post(url: str, data: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        text = exc.read()
        try:
            return exc.code, json.loads(text)
        except ValueError:
            return exc.code, {"raw": text.decode(errors="replace")[:200]}


def test_fifty_parallel_api_bookings_fill_ten_seats_then_the_waitlist_in_order(
    api_server, settings
):
    settings.CLASSES_BOOKING_RATE_LIMIT = "10000/m"
    cache.clear()
    session = make_session(capacity=CAPACITY)
    url = f"{api_server}/api/sessions/{session.pk}/bookings"
    barrier = threading.Barrier(PARALLEL)

    def book(n: int) -> tuple[int, dict]:
        data = _payload(n)
        barrier.wait()
        return _post(url, data)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        answers = list(pool.map(book, range(1, PARALLEL + 1)))

    statuses = [status for status, _body in answers]
    assert [s for s in statuses if s >= 500] == []
    assert statuses == [201] * PARALLEL, answers
    confirmed = [body for _s, body in answers if body["status"] == "confirmed"]
    waitlisted = [body for _s, body in answers if body["status"] == "waitlisted"]
    assert len(confirmed) == CAPACITY
    assert len(waitlisted) == PARALLEL - CAPACITY

    regs = list(Registration.objects.filter(session=session).order_by("created_at", "pk"))
    assert len(regs) == PARALLEL
    seats = sorted(r.seat for r in regs if r.status == Registration.Status.CONFIRMED)
    assert seats == list(range(1, CAPACITY + 1))
    # Everyone confirmed booked before everyone waiting, and each answer's place in line is
    # the booking's place by time of booking.
    assert [r.status for r in regs] == ["confirmed"] * CAPACITY + ["waitlisted"] * (
        PARALLEL - CAPACITY
    )
    position_of = {body["reference"]: body["waitlist_position"] for body in waitlisted}
    in_order = [position_of[r.reference] for r in regs[CAPACITY:]]
    assert in_order == list(range(1, PARALLEL - CAPACITY + 1))
    assert all(r.channel == Registration.Channel.API for r in regs)
