"""Two workers never send the same class mail twice (PostgreSQL: real concurrent connections).

``classes.notifications.deliver`` locks the row while sending (``SKIP LOCKED``), so workers
that reach a row being sent move on.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.db import connection, connections
from django.utils import timezone

from classes.models import Notification
from classes.notifications import deliver
from classes.services import allocate_seat
from tests.classes.factories import booking, make_session

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
    ),
]

WORKERS = 5


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_send_a_pending_mail_once():
    session = make_session()
    registration = allocate_seat(session, booking(1), channel="phone")  # no mail queued
    registration.email = "hanako@example.jp"
    registration.save(update_fields=["email"])
    note = Notification.objects.create(
        registration=registration, kind="booked", next_attempt_at=timezone.now()
    )
    barrier = threading.Barrier(WORKERS)
    others_done = threading.Event()
    finished = []
    lock = threading.Lock()
    sent = []

    def slow_send(*args, **kwargs):
        sent.append(args[3])
        # Hold the row until every other worker has come and gone (10 s only as a safeguard).
        others_done.wait(timeout=10)
        return 1

    def work(_n: int) -> str:
        try:
            barrier.wait()
            return deliver(note.pk)
        finally:
            with lock:
                finished.append(_n)
                if len(finished) >= WORKERS - 1:
                    others_done.set()
            connections.close_all()

    patched = mock.patch("classes.notifications.send_mail", side_effect=slow_send)
    with patched, ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = list(pool.map(work, range(WORKERS)))

    assert sorted(outcomes) == ["sent"] + ["skipped"] * (WORKERS - 1)
    assert sent == [["hanako@example.jp"]]
    note.refresh_from_db()
    assert (note.status, note.attempts) == ("sent", 1)
