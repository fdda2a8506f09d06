"""Benchmark a burst of class bookings through the JSON API on gunicorn and PostgreSQL.

Run with ``.venv/bin/python bench/registration_burst.py [--requests 200] [--concurrency 50]``.

1. Creates the benchmark database if it is missing (``BENCH_DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/toshima_ict_bench``; ``--fresh`` drops it first),
   migrates it, and creates one session whose capacity is a fifth of the requests.
2. Starts ``gunicorn config.wsgi`` with several workers (separate processes, so the seat
   lock is tested across processes) on a free local port, with DEBUG off and the API rate
   limit raised, and waits for ``/healthz``.
3. Fires the bookings from a thread pool, every one a different person.
4. Checks the database: confirmed against capacity, seat numbers, waitlist order.
5. Stops gunicorn and prints one JSON object with the figures.

It never touches the project database.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from support import bench_env, ensure_database, percentile  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/toshima_ict_bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="bookings to send (N)")
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight (C)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    args = parser.parse_args()
    if args.requests < 5 or args.concurrency < 1 or args.workers < 1 or args.threads < 1:
        parser.error("--requests must be at least 5; the others at least 1")
    return args


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        **bench_env(database_url, allowed_hosts="127.0.0.1"),
        # Every request comes from 127.0.0.1; the limit is per process with locmem.
        "CLASSES_BOOKING_RATE_LIMIT": "1000000/m",
    }


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def create_session(capacity: int):
    from datetime import timedelta

    from django.utils import timezone

    from classes.models import ClassSeries, ClassSession, Venue

    venue, _ = Venue.objects.get_or_create(
        name="区民ひろば駒込（ベンチマーク）", defaults={"area": "駒込"}
    )
    series = ClassSeries.objects.create(
        title=f"ベンチマーク {timezone.now():%Y-%m-%d %H:%M:%S}", level="first"
    )
    starts = timezone.now() + timedelta(days=7)
    return ClassSession.objects.create(
        series=series,
        venue=venue,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=capacity,
    )


def start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int, log: Path):
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--backlog",
        "2048",
        "--timeout",
        "60",
    ]
    handle = log.open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return process, base
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(
        f"gunicorn did not answer /healthz: {log.read_text(errors='replace')[-2000:]}"
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def payload(n: int) -> bytes:
    return json.dumps(
        {
            "name": f"豊島 利用者{n}",
            "name_kana": f"としま りようしゃ{n}",
            "phone": f"090{n:08d}",
            "age_band": "70s",
            "area": "駒込",
            "device": "android" if n % 2 else "iphone",
            "consent": True,
        }
    ).encode()


def post(url: str, data: bytes) -> tuple[int, dict, float]:
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        return 0, {"error": str(exc)}, (time.perf_counter() - start) * 1000
    elapsed = (time.perf_counter() - start) * 1000
    try:
        body = json.loads(text)
    except ValueError:
        body = {"raw": text[:200].decode(errors="replace")}
    return status, body, elapsed


def check_database(session, answers: list[tuple[int, dict, float]]) -> dict:
    from classes.models import Registration

    regs = list(Registration.objects.filter(session=session).order_by("created_at", "pk"))
    confirmed = [r for r in regs if r.status == Registration.Status.CONFIRMED]
    waiting = [r for r in regs if r.status == Registration.Status.WAITLISTED]
    seats = sorted(r.seat for r in confirmed)
    position_of = {
        body["reference"]: body.get("waitlist_position")
        for status, body, _ms in answers
        if status == 201 and body.get("status") == "waitlisted"
    }
    return {
        "confirmed": len(confirmed),
        "waitlisted": len(waiting),
        "seats_unique": len(seats) == len(set(seats)),
        "confirmed_before_waitlisted": not confirmed
        or not waiting
        or max(r.created_at for r in confirmed) <= min(r.created_at for r in waiting),
        "waitlist_in_order": [position_of.get(r.reference) for r in waiting]
        == list(range(1, len(waiting) + 1)),
    }


def main() -> None:
    args = parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    database = ensure_database(database_url, fresh=args.fresh)
    env = server_env(database_url)
    setup_django(env)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    capacity = max(1, args.requests // 5)
    session = create_session(capacity)
    connection.close()

    log = Path(tempfile.mkstemp(prefix="registration-burst-", suffix=".log")[1])
    process, base = start_gunicorn(env, free_port(), args.workers, args.threads, log)
    url = f"{base}/api/sessions/{session.pk}/bookings"
    try:
        bodies = [payload(n) for n in range(1, args.requests + 1)]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            answers = list(pool.map(lambda data: post(url, data), bodies))
        wall = time.perf_counter() - started
    finally:
        stop(process)

    checked = check_database(session, answers)
    statuses = Counter(status for status, _body, _ms in answers)
    latencies = [ms for _status, _body, ms in answers]
    booked = sum(1 for status, _body, _ms in answers if status == 201)
    result = {
        "benchmark": "registration_burst",
        "database": database,
        "requests": args.requests,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "threads": args.threads,
        "capacity": capacity,
        "confirmed": checked["confirmed"],
        "waitlisted": checked["waitlisted"],
        "overbooked": max(checked["confirmed"] - capacity, 0),
        "errors": sum(n for status, n in statuses.items() if not 200 <= status < 300),
        "status_counts": {str(status): n for status, n in sorted(statuses.items())},
        "seats_unique": checked["seats_unique"],
        "confirmed_before_waitlisted": checked["confirmed_before_waitlisted"],
        "waitlist_in_order": checked["waitlist_in_order"],
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 1),
            "p95": round(percentile(latencies, 95), 1),
            "max": round(max(latencies), 1),
        },
        "bookings_per_second": round(booked / wall, 1),
        "wall_seconds": round(wall, 3),
    }
    log.unlink(missing_ok=True)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
