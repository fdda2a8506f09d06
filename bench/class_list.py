"""Benchmark the anonymous public class list (/classes/) on gunicorn under 50 concurrent clients.

Run with ``.venv/bin/python bench/class_list.py [--requests 3000] [--concurrency 50]
[--workers 2] [--threads N] [--config] [--profile]``.

1. Creates the benchmark database if missing (``BENCH_DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/toshima_d_class_list``; ``--fresh`` drops it first;
   a ``sqlite:///...`` URL works too), migrates it, and replaces the benchmark's classes:
   the demo venues (classes/data/toshima_kumin_hiroba.csv), 60 upcoming sessions over them
   (per-session classes and one whole-series class), some full, some partly booked, all
   booked through ``allocate_seat``. The shared cache (``CACHE_URL``, default
   ``redis://127.0.0.1:6379/4``) is cleared, so nothing cached by an earlier run survives.
2. Counts the SQL queries of each list URL in process (Django's test client): the first
   request (cold cache) and the second (warm), and times warm requests in process
   (``--profile`` prints the pyinstrument tree of that loop to stderr).
3. Starts ``gunicorn config.wsgi`` (``--workers``, ``--threads``; ``--config`` adds
   ``-c gunicorn.conf.py``, the production settings) and fires ``--requests`` anonymous GETs
   from ``--concurrency`` client threads (one keep-alive connection each) at a mix of
   filters, page 1.
4. During the run, the staleness check books through the JSON API (as a resident would)
   the last seat of one session and one seat of another, then polls the list filtered to
   their venue until it shows the session full and the seat count one lower: how many stale
   pages were served after the booking's response (must be 0: invalidation, not expiry) and
   the milliseconds until the list showed it (with no stale page, one request's latency).
5. Prints one JSON object: requests/s, latency p50/p95, errors, queries, staleness.

It never touches the project database. The URLs and APIs used exist before issue 12 too,
so the script runs against the older tree as well (see the spec).
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from support import (  # noqa: E402
    bench_env,
    ensure_database,
    free_port,
    percentile,
    profiled,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/toshima_d_class_list"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/4"
TITLE_PREFIX = "ベンチ教室"
CARD = '<li class="class-card">'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requests", type=int, default=3000, help="timed GETs (0: in-process figures only)"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=30.0, help="stop the clients after this long"
    )
    parser.add_argument("--concurrency", type=int, default=50, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=None, help="threads per worker (default 1: sync)"
    )
    parser.add_argument(
        "--config", action="store_true", help="start gunicorn with -c gunicorn.conf.py"
    )
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    parser.add_argument("--profile", action="store_true", help="pyinstrument tree to stderr")
    parser.add_argument(
        "--in-process", type=int, default=100, help="warm in-process requests timed (0: none)"
    )
    args = parser.parse_args()
    if args.requests < 0 or args.concurrency < 1 or args.workers < 1:
        parser.error("--requests must not be negative; the others at least 1")
    if args.config and not (ROOT / "gunicorn.conf.py").exists():
        parser.error("--config: this tree has no gunicorn.conf.py")
    return args


def server_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        **bench_env(database_url, allowed_hosts="127.0.0.1,testserver"),
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", DEFAULT_CACHE_URL),
        # The staleness check books from 127.0.0.1 like every other request.
        "CLASSES_BOOKING_RATE_LIMIT": "1000000/m",
    }


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- Data -----------------------------------------------------------------------------------


class Booker:
    """Books through ``allocate_seat`` with a new made-up resident each time."""

    def __init__(self) -> None:
        self.n = 0

    def book(self, target) -> None:
        from classes.models import Registration
        from classes.services import BookingRequest, allocate_seat

        self.n += 1
        allocate_seat(
            target,
            BookingRequest(
                name=f"ベンチ 利用者{self.n}",
                name_kana="べんち りようしゃ",
                phone=f"080{self.n:08d}",
                age_band=Registration.AgeBand.AGE_70S,
                area="駒込",
                device=Registration.Device.ANDROID if self.n % 2 else Registration.Device.IPHONE,
                consent=True,
            ),
            channel=Registration.Channel.WEB,
        )


def build_classes() -> dict:
    """The demo venues and 60 upcoming sessions; returns what the clients and checks need."""
    from django.db import transaction
    from django.utils import timezone

    from classes.choices import TOSHIMA_AREAS
    from classes.models import ClassSeries, ClassSession, Registration, Venue

    Registration.objects.filter(series__title__startswith=TITLE_PREFIX).delete()
    ClassSession.objects.filter(series__title__startswith=TITLE_PREFIX).delete()
    ClassSeries.objects.filter(title__startswith=TITLE_PREFIX).delete()

    venues = []
    with (ROOT / "classes/data/toshima_kumin_hiroba.csv").open(encoding="utf-8") as fh:
        for i, row in enumerate(r for r in csv.DictReader(fh) if r["name_ja"].startswith("区民")):
            venue, _ = Venue.objects.update_or_create(
                name=row["name_ja"].strip(),
                defaults={"area": TOSHIMA_AREAS[(i * 3) % len(TOSHIMA_AREAS)], "is_active": True},
            )
            venues.append(venue)

    levels = ["first", "basic", "advanced"]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    booker = Booker()
    sessions: list = []
    with transaction.atomic():
        # 14 per-session classes of 4 sessions each (56), every one at one venue.
        for s in range(14):
            series = ClassSeries.objects.create(
                title=f"{TITLE_PREFIX} {s + 1:02d} スマホのきほん",
                level=levels[s % 3],
                covers_iphone=s % 4 != 1,
                covers_android=s % 4 != 2,
            )
            for k in range(4):
                starts = now + timedelta(days=2 + s * 2 + k * 7, hours=10 - now.hour)
                sessions.append(
                    ClassSession.objects.create(
                        series=series,
                        venue=venues[s % len(venues)],
                        starts_at=starts,
                        ends_at=starts + timedelta(hours=2),
                        capacity=3 if (s * 4 + k) % 6 == 0 else 12,
                    )
                )
        # One whole-series class of 4 sessions (60 in all).
        whole = ClassSeries.objects.create(
            title=f"{TITLE_PREFIX} 15 全4回 LINE講座",
            level="basic",
            booking_mode=ClassSeries.BookingMode.WHOLE_SERIES,
        )
        for k in range(4):
            starts = now + timedelta(days=5 + k * 7, hours=14 - now.hour)
            ClassSession.objects.create(
                series=whole,
                venue=venues[1],
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                capacity=10,
            )
    # Bookings (their own transactions): the small sessions full, others partly booked.
    for i, session in enumerate(sessions):
        seats = session.capacity if session.capacity == 3 else i % 5
        for _ in range(seats):
            booker.book(session)
    for _ in range(4):
        booker.book(whole)
    # The staleness targets: two 12-seat sessions of one venue, one seat and five seats left.
    last_seat, five_left = sessions[1], sessions[2]
    assert last_seat.capacity == 12 and five_left.capacity == 12
    for target, left in ((last_seat, 1), (five_left, 5)):
        booked = Registration.objects.filter(session=target).count()
        for _ in range(12 - left - booked):
            booker.book(target)
    # The targets' venues (the URL that shows both on page 1).
    assert last_seat.venue_id == five_left.venue_id
    return {
        "venues": venues,
        "last_seat": last_seat.pk,
        "five_left": five_left.pk,
        "watch_venue": last_seat.venue_id,
        "sessions": ClassSession.objects.filter(series__title__startswith=TITLE_PREFIX).count(),
        "full": sum(1 for s in sessions if s.capacity == 3),
        "bookings": booker.n,
    }


def list_urls(data: dict) -> list[str]:
    """The mix the clients request: no filter, each filter alone, two together; page 1."""
    from django.utils import timezone

    venues = data["venues"]
    date_from = (timezone.localdate() + timedelta(days=14)).isoformat()
    queries = [
        {},
        {},
        {"page": "1"},
        {"area": venues[0].area},
        {"area": venues[2].area},
        {"venue": str(venues[1].pk)},
        {"venue": str(venues[3].pk)},
        {"venue": str(data["watch_venue"])},
        {"level": "first"},
        {"device": "iphone"},
        {"date_from": date_from},
        {"area": venues[4].area, "level": "basic", "page": "1"},
    ]
    return ["/classes/" + (f"?{urlencode(q)}" if q else "") for q in queries]


# --- In process -----------------------------------------------------------------------------


def in_process(urls: list[str], requests: int, profile: bool) -> dict:
    """Queries of each URL cold and warm, and the warm in-process time per request."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    cache.clear()
    cold, warm = {}, {}
    for url in urls:
        for into in (cold, warm):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            into[url] = len(ctx.captured_queries)
    times = []
    with profiled(profile):
        for i in range(requests):
            started = time.perf_counter()
            client.get(urls[i % len(urls)])
            times.append((time.perf_counter() - started) * 1000)
    cache.clear()
    return {
        "queries_cold_max": max(cold.values()),
        "queries_warm_max": max(warm.values()),
        "queries_warm_min": min(warm.values()),
        "in_process_median_ms": round(statistics.median(times), 2) if times else None,
    }


# --- Server and clients ---------------------------------------------------------------------


def start_gunicorn(env: dict[str, str], port: int, args: argparse.Namespace, log: Path):
    command = [sys.executable, "-m", "gunicorn"]
    if args.config:
        command += ["-c", "gunicorn.conf.py"]
    command += ["config.wsgi", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}"]
    if args.threads is not None:
        command += ["--threads", str(args.threads)]
    if not args.config:
        command += ["--backlog", "2048", "--timeout", "60"]
    handle = log.open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            status, _body = Connection(port).request("GET", "/healthz")
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"gunicorn did not answer: {log.read_text(errors='replace')[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Connection:
    """One client's keep-alive connection; reconnects when the server closes it (sync)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"Accept-Language": "ja", "Host": "127.0.0.1"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self.conn.close()
                self.conn = None
            return response.status, data
        raise AssertionError("unreachable")


def card(html: str, session_pk: int) -> str | None:
    """The list card of a session (found by its booking link), or None."""
    for chunk in html.split(CARD)[1:]:
        if f"/classes/{session_pk}/book/" in chunk:
            return chunk.split("</li>", 1)[0] if "</li>" in chunk else chunk
    return None


def seats_shown(html: str, session_pk: int) -> int | None:
    """Seats left the card shows: 0 when full, None when the card is missing."""
    chunk = card(html, session_pk)
    if chunk is None:
        return None
    if "seats--full" in chunk:
        return 0
    found = re.search(r"残り\s*(\d+)\s*席", chunk)
    return int(found.group(1)) if found else None


def booking_body(n: int) -> bytes:
    return json.dumps(
        {
            "name": f"鮮度 確認{n}",
            "name_kana": "せんど かくにん",
            "phone": f"070{n:08d}",
            "age_band": "70s",
            "area": "駒込",
            "device": "iphone",
            "consent": True,
        }
    ).encode()


def staleness_check(port: int, data: dict, started: threading.Event) -> dict:
    """Book the last seat of one session and one seat of another through the API while the
    clients run; poll the list until it shows both; count the stale pages served after."""
    started.wait()
    time.sleep(1.0)  # the caches are warm and the server under load
    conn = Connection(port)
    watch = f"/classes/?venue={data['watch_venue']}"
    status, html = conn.request("GET", watch)
    before = {
        "last_seat": seats_shown(html.decode(), data["last_seat"]),
        "five_left": seats_shown(html.decode(), data["five_left"]),
    }
    result: dict = {"shown_before": before}
    for n, (name, pk, expected) in enumerate(
        (("last_seat", data["last_seat"], 0), ("five_left", data["five_left"], 4)), 1
    ):
        status, body = conn.request("POST", f"/api/sessions/{pk}/bookings", booking_body(n))
        committed = time.perf_counter()
        if status != 201:
            result[name] = {"error": status, "body": body[:200].decode(errors="replace")}
            continue
        stale, shown = 0, None
        while time.perf_counter() - committed < 30:
            _status, html = conn.request("GET", watch)
            shown = seats_shown(html.decode(), pk)
            if shown == expected:
                break
            stale += 1
            time.sleep(0.05)
        result[name] = {
            "expected_seats": expected,
            "shown": shown,
            "stale_pages_after_commit": stale,
            "ms_until_shown": round((time.perf_counter() - committed) * 1000, 1),
        }
    return result


def fire(
    port: int, urls: list[str], args: argparse.Namespace, started: threading.Event
) -> tuple[list[float], dict[int, int], float]:
    """``args.requests`` GETs from ``args.concurrency`` clients, or fewer if
    ``args.max_seconds`` pass first (a slow tree still finishes in time)."""
    counter = iter(range(args.requests))
    deadline = time.perf_counter() + args.max_seconds
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    def client() -> None:
        conn = Connection(port)
        mine, codes = [], {}
        while True:
            with lock:
                i = next(counter, None)
            if i is None or time.perf_counter() > deadline:
                break
            t0 = time.perf_counter()
            try:
                status, _body = conn.request("GET", urls[i % len(urls)])
            except OSError:
                status = 0
            mine.append((time.perf_counter() - t0) * 1000)
            codes[status] = codes.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
            for code, n in codes.items():
                statuses[code] = statuses.get(code, 0) + n

    threads = [threading.Thread(target=client) for _ in range(args.concurrency)]
    begin = time.perf_counter()
    started.set()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses, time.perf_counter() - begin


def main() -> None:
    args = parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    database = (
        ensure_database(database_url, fresh=args.fresh)
        if database_url.startswith("postgres")
        else database_url
    )
    env = server_env(database_url)
    setup_django(env)
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    data = build_classes()
    urls = list_urls(data)
    measured = in_process(urls, args.in_process, args.profile)
    cache.clear()
    connection.close()
    result = {
        "benchmark": "class_list",
        "database": database,
        "cache": env["CACHE_URL"],
        "sessions": data["sessions"],
        "full_sessions": data["full"],
        "urls": len(urls),
        **measured,
    }
    if args.requests == 0:
        print(json.dumps(result, ensure_ascii=False))
        return

    log = Path(tempfile.mkstemp(prefix="class-list-", suffix=".log")[1])
    port = free_port()
    process = start_gunicorn(env, port, args, log)
    started = threading.Event()
    staleness: dict = {}
    checker = threading.Thread(
        target=lambda: staleness.update(staleness_check(port, data, started))
    )
    try:
        # Warm-up: every URL once per worker, roughly.
        warm = Connection(port)
        for url in urls * args.workers:
            warm.request("GET", url)
        checker.start()
        latencies, statuses, wall = fire(port, urls, args, started)
        checker.join()
    finally:
        stop(process)
    ok = sum(n for code, n in statuses.items() if code == 200)
    result.update(
        {
            "requests": len(latencies),
            "concurrency": args.concurrency,
            "workers": args.workers,
            "threads": args.threads or ("gunicorn.conf.py" if args.config else 1),
            "config": args.config,
            "requests_per_second": round(ok / wall, 1),
            "latency_ms": {
                "p50": round(percentile(latencies, 50), 1),
                "p95": round(percentile(latencies, 95), 1),
                "max": round(max(latencies), 1),
            },
            "errors": sum(n for code, n in statuses.items() if code != 200),
            "status_counts": {str(code): n for code, n in sorted(statuses.items())},
            "wall_seconds": round(wall, 3),
            "staleness": staleness,
        }
    )
    log.unlink(missing_ok=True)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
