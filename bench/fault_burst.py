"""Fault script: a booking burst that survives a killed worker and a cut database connection.

Run with ``.venv/bin/python bench/fault_burst.py [--requests 600] [--concurrency 24]
[--workers 2] [--rate 60] [--outage-seconds 3] [--fresh]``.

1. Creates and migrates the scratch database (``BENCH_DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/toshima_ict_fault``; never the project database) and
   one class session whose capacity is a third of the requests.
2. Starts a small TCP relay in this process between the workers and PostgreSQL, and
   ``gunicorn config.wsgi`` with ``--workers`` sync workers whose ``DATABASE_URL`` points at
   the relay (``conn_max_age=60``, as in production).
3. Sends the bookings from ``--concurrency`` threads at ``--rate`` a second (so the burst goes
   on through the faults and after them), every one a different person. After a
   quarter of them one worker is killed with SIGKILL (the master starts a new one); after
   half, the relay cuts every database connection and refuses new ones for
   ``--outage-seconds``, then lets them through again.
4. Reads the database directly and prints one JSON object: bookings attempted, 201s
   received, every 201's booking found in the database (``missing_201`` must be 0), confirmed
   against capacity (``oversold`` must be 0), seat numbers unique, 503s (with
   ``Retry-After``), 5xx other than 503 (must be 0), requests that got no answer (the killed
   worker's requests in flight: the client sees a reset connection, never a false 201), and
   whether bookings succeed again after the outage.

Exit status 1 when an invariant fails (a 201 without its booking, oversold, a duplicate seat,
a 5xx other than 503, no booking after the outage).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import selectors
import signal
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from registration_burst import (  # noqa: E402
    create_session,
    payload,
    server_env,
    setup_django,
    start_gunicorn,
    stop,
    worker_pids,
)
from support import ensure_database, free_port  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/toshima_ict_fault"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=600, help="bookings to send")
    parser.add_argument("--concurrency", type=int, default=24, help="requests in flight")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--rate", type=float, default=60.0, help="bookings started per second (paced)"
    )
    parser.add_argument(
        "--outage-seconds", type=float, default=3.0, help="how long the database is cut off"
    )
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    args = parser.parse_args()
    if args.requests < 40 or args.concurrency < 1 or args.workers < 2:
        parser.error("--requests ≥ 40, --concurrency ≥ 1 and --workers ≥ 2")
    if args.outage_seconds <= 0 or args.rate <= 0:
        parser.error("--outage-seconds and --rate must be positive")
    return args


class Relay:
    """A TCP relay to PostgreSQL that can cut every connection and refuse new ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut = threading.Event()
        self.pairs: set[tuple[socket.socket, socket.socket]] = set()
        self.lock = threading.Lock()
        self.cut_connections = 0
        self.refused = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut.is_set():
                self.refused += 1
                client.close()
                continue
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            pair = (client, server)
            with self.lock:
                self.pairs.add(pair)
            threading.Thread(target=self._pump, args=(pair,), daemon=True).start()

    def _pump(self, pair: tuple[socket.socket, socket.socket]) -> None:
        client, server = pair
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, server)
        selector.register(server, selectors.EVENT_READ, client)
        try:
            while not self.cut.is_set():
                for key, _ in selector.select(timeout=0.2):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            pass
        finally:
            selector.close()
            with self.lock:
                self.pairs.discard(pair)
            for sock in pair:
                sock.close()

    def outage(self, seconds: float) -> None:
        """Cut every connection now and refuse new ones for ``seconds``."""
        self.cut.set()
        with self.lock:
            pairs = list(self.pairs)
        for pair in pairs:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self.cut_connections += len(pairs)
        time.sleep(seconds)
        self.cut.clear()


_local = threading.local()


def post(base: str, path: str, data: bytes) -> tuple[int, dict, dict]:
    """POST on this thread's kept-alive connection: (status, body, headers); status 0 when the
    connection broke without an answer (not retried: a retry could book twice)."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=60)
    headers = {"Content-Type": "application/json", "Content-Length": str(len(data))}
    try:
        conn.request("POST", path, body=data, headers=headers)
        response = conn.getresponse()
        status, text = response.status, response.read()
        answer_headers = {k.lower(): v for k, v in response.getheaders()}
        if response.will_close:
            conn.close()
            _local.conn = None
    except (http.client.HTTPException, OSError) as exc:
        conn.close()
        _local.conn = None
        return 0, {"error": str(exc)}, {}
    try:
        body = json.loads(text)
    except ValueError:
        body = {"raw": text[:200].decode(errors="replace")}
    return status, body, answer_headers


def main() -> None:
    args = parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    ensure_database(database_url, fresh=args.fresh)
    direct = server_env(database_url, "locmem://")
    setup_django(direct)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    capacity = args.requests // 3
    session = create_session(capacity)
    run = session.pk

    parts = urlsplit(database_url)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5432))
    relayed = parts._replace(netloc=f"{parts.username or 'postgres'}@127.0.0.1:{relay.port}")
    relayed_url = relayed._replace(query="conn_max_age=60").geturl()
    env = server_env(relayed_url, "locmem://")
    env["LOG_LEVEL"] = "ERROR"

    workdir = Path(tempfile.mkdtemp(prefix="fault-burst-"))
    config = workdir / "gunicorn_conf.py"
    config.write_text("# no hooks: the fault script counts answers, not statements\n")
    port = free_port()
    process, base = start_gunicorn(env, port, args.workers, 1, workdir / "gunicorn.log", config)
    path = f"/api/sessions/{session.pk}/bookings"
    sent = Counter()
    events: dict[str, float] = {}

    phase_of: dict[int, str] = {}

    def book(n: int):
        # Paced, so the burst goes on through the outage and after it.
        delay = started + n / args.rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        sent["n"] += 1
        phase_of[n] = (
            "after_outage"
            if "outage_ended_after" in events
            else "during_outage"
            if "outage_started_after" in events
            else "before_outage"
        )
        return n, *post(base, path, payload(n, run))

    def faults() -> None:
        while sent["n"] < args.requests // 4:
            time.sleep(0.01)
        victim = worker_pids(process.pid)[0]
        os.kill(victim, signal.SIGKILL)
        events["worker_killed_after"] = sent["n"]
        while sent["n"] < args.requests // 2:
            time.sleep(0.01)
        events["outage_started_after"] = sent["n"]
        relay.outage(args.outage_seconds)
        events["outage_ended_after"] = sent["n"]

    started = time.perf_counter()
    fault_thread = threading.Thread(target=faults, daemon=True)
    fault_thread.start()
    try:
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            answers = list(pool.map(book, range(1, args.requests + 1)))
        fault_thread.join(timeout=args.outage_seconds + 30)
        # Recovery: after the outage, new bookings go through again.
        after = [post(base, path, payload(args.requests + k, run)) for k in range(1, 4)]
    finally:
        stop(process)
    elapsed = time.perf_counter() - started

    from classes.models import Registration

    rows = list(Registration.objects.filter(session=session).values("reference", "status", "seat"))
    in_db = {row["reference"] for row in rows}
    confirmed = [row for row in rows if row["status"] == "confirmed"]
    seats = [row["seat"] for row in confirmed]
    statuses = Counter(status for _, status, _, _ in answers)
    created = [body.get("reference") for _, status, body, _ in answers if status == 201]
    unavailable = [headers for _, status, _, headers in answers if status == 503]
    other_5xx = sum(count for status, count in statuses.items() if status >= 500 and status != 503)
    result = {
        "requests": args.requests,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "capacity": capacity,
        "seconds": round(elapsed, 2),
        "events": events,
        "relay": {"connections_cut": relay.cut_connections, "connections_refused": relay.refused},
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "created_201": len(created),
        "bookings_in_db": len(rows),
        "missing_201": sum(1 for ref in created if ref not in in_db),
        "in_db_without_201": len(in_db - set(created)),
        "confirmed": len(confirmed),
        "oversold": max(0, len(confirmed) - capacity),
        "duplicate_seats": len(seats) - len(set(seats)),
        "unavailable_503": len(unavailable),
        "unavailable_503_with_retry_after": sum(1 for h in unavailable if "retry-after" in h),
        "other_5xx": other_5xx,
        "no_answer": statuses.get(0, 0),
        "statuses_by_phase": {
            phase: {
                str(k): v
                for k, v in sorted(
                    Counter(st for n, st, _, _ in answers if phase_of.get(n) == phase).items()
                )
            }
            for phase in ("before_outage", "during_outage", "after_outage")
        },
        "after_outage_statuses": [status for status, _, _ in after],
    }
    print(json.dumps(result, ensure_ascii=False))
    failed = (
        result["missing_201"]
        or result["oversold"]
        or result["duplicate_seats"]
        or other_5xx
        or result["unavailable_503"] != result["unavailable_503_with_retry_after"]
        or not any(status == 201 for status in result["after_outage_statuses"])
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
