"""Benchmark a burst of class bookings through the JSON API on gunicorn and PostgreSQL.

Run with ``.venv/bin/python bench/registration_burst.py [--requests 200] [--concurrency 50]
[--workers 2] [--threads 1] [--warmup 20] [--cache-url locmem://] [--conn-max-age 60]
[--profile]``. ``--threads 1`` runs gunicorn's sync workers; more threads switch it to gthread.
``--conn-max-age`` is the workers' ``conn_max_age`` in ``DATABASE_URL``: 60 seconds by
default, as README "Production" recommends (each worker thread keeps its PostgreSQL
connection); ``--conn-max-age 0`` opens a new connection (a new PostgreSQL backend process)
for every request, as the bench did before.

1. Creates the benchmark database if it is missing (``BENCH_DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/toshima_ict_bench``; ``--fresh`` drops it first),
   migrates it, and creates one session whose capacity is a fifth of the requests.
2. Starts ``gunicorn config.wsgi`` with several workers (separate processes, so the seat
   lock is tested across processes) on a free local port, with DEBUG off and the API rate
   limit raised, and waits for ``/healthz``.
3. Warms every worker up with ``--warmup`` bookings of another session (not measured), then
   fires the bookings from a thread pool, every one a different person.
4. Checks the database: confirmed against capacity, seat numbers, waitlist order.
5. Stops gunicorn and prints one JSON object with the figures, including the SQL statements
   per measured booking (counted in the workers by a gunicorn hook file the bench writes:
   every statement Django sends, savepoints included, BEGIN/COMMIT not) and the CPU
   milliseconds per booking (utime + stime from /proc, before and after the burst) of the
   gunicorn workers, of PostgreSQL (the live backends of the bench database and the
   postmaster; with ``--conn-max-age 0`` also the backends it reaped meanwhile, which
   includes other clients' backends that ended during the burst) and of the load generator
   itself; the sum gives the ceiling two cores allow, ``cpus × 1000 / total CPU ms``
   bookings/s.

The load generator is one thread per client with ``http.client``: a connection per thread,
kept alive when the server allows it (gthread does; sync workers close it after each answer).

``--profile`` first books ``--warmup`` times in process (Django's test client, same database)
under pyinstrument and prints the call tree to stderr: where a worker's time goes.

It never touches the project database.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from support import (  # noqa: E402
    bench_env,
    ensure_database,
    free_port,
    percentile,
    profiled,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/toshima_ict_bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="bookings to send (N)")
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight (C)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per worker (1: sync workers)"
    )
    parser.add_argument(
        "--warmup", type=int, default=20, help="unmeasured bookings first (another session)"
    )
    parser.add_argument(
        "--cache-url", default="locmem://", help="CACHE_URL of the workers (redis://...)"
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="workers' conn_max_age in seconds (default 60, production; 0: connect per request)",
    )
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    parser.add_argument(
        "--profile", action="store_true", help="profile --warmup in-process bookings (stderr)"
    )
    args = parser.parse_args()
    if args.requests < 5 or args.concurrency < 1 or args.workers < 1 or args.threads < 1:
        parser.error("--requests must be at least 5; the others at least 1")
    if args.warmup < 0 or args.conn_max_age < 0:
        parser.error("--warmup and --conn-max-age must not be negative")
    return args


def server_env(database_url: str, cache_url: str) -> dict[str, str]:
    return {
        **os.environ,
        **bench_env(database_url, allowed_hosts="127.0.0.1"),
        "CACHE_URL": cache_url,
        # Every request comes from 127.0.0.1; the limit is per process with locmem. With a
        # shared cache the numbers of earlier runs would still count against their phone.
        "CLASSES_BOOKING_RATE_LIMIT": "1000000/m",
        "CLASSES_BOOKING_PHONE_RATE_LIMIT": "1000000/m",
    }


# The gunicorn config file the bench writes: in each worker, count the SQL statements of the
# measured booking requests (Django's execute wrappers) and write the totals on exit.
HOOKS = """
import json, os, threading

COUNT_PATH = os.environ["BENCH_COUNT_PATH"]
OUT_DIR = os.environ["BENCH_COUNT_DIR"]
_state = threading.local()
_totals = {"requests": 0, "queries": 0, "max": 0}
_lock = threading.Lock()


def _wrapper(execute, sql, params, many, context):
    if getattr(_state, "count", None) is not None:
        _state.count += 1
    return execute(sql, params, many, context)


def post_fork(server, worker):
    from django.core.signals import request_finished, request_started
    from django.db.backends.signals import connection_created

    def on_connection(sender, connection, **kwargs):
        if _wrapper not in connection.execute_wrappers:
            connection.execute_wrappers.append(_wrapper)

    def started(sender, environ=None, **kwargs):
        measured = (environ or {}).get("PATH_INFO") == COUNT_PATH
        _state.count = 0 if measured and environ.get("REQUEST_METHOD") == "POST" else None

    def finished(sender, **kwargs):
        count = getattr(_state, "count", None)
        if count is not None:
            with _lock:
                _totals["requests"] += 1
                _totals["queries"] += count
                _totals["max"] = max(_totals["max"], count)
        _state.count = None

    connection_created.connect(on_connection, weak=False)
    request_started.connect(started, weak=False)
    request_finished.connect(finished, weak=False)


def worker_exit(server, worker):
    with open(os.path.join(OUT_DIR, f"{os.getpid()}.json"), "w") as handle:
        json.dump(_totals, handle)
"""


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers: processes whose parent is the master."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == master:
            pids.append(int(entry.name))
    return pids


def cpu_seconds(pids: list[int], *, children: bool = False) -> dict[int, float]:
    """utime + stime of each process, in seconds (``children``: with the reaped children's)."""
    tick = os.sysconf("SC_CLK_TCK")
    result = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks = int(fields[11]) + int(fields[12])
        if children:
            ticks += int(fields[13]) + int(fields[14])
        result[pid] = ticks / tick
    return result


def postgres_cpu(database: str, *, reaped: bool) -> float:
    """CPU seconds so far of PostgreSQL for the bench database: its live backends and the
    postmaster (which forks each new backend); ``reaped``: with every child the postmaster
    has reaped (backends that ended: ours, when each request connects, but also others')."""
    postmaster, backends = None, []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cmdline.startswith("postgres: ") and f" {database} " in cmdline:
            backends.append(int(entry.name))
        elif "/bin/postgres " in cmdline and " -D " in cmdline:
            postmaster = int(entry.name)
    total = sum(cpu_seconds(backends).values())
    if postmaster is not None:
        total += sum(cpu_seconds([postmaster], children=reaped).values())
    return total


def cpu_snapshot(pids: list[int], database: str, *, reaped: bool) -> dict:
    """The CPU seconds of the workers, of PostgreSQL and of this process (the client)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "workers": cpu_seconds(pids),
        "postgres": postgres_cpu(database, reaped=reaped),
        "client": own.ru_utime + own.ru_stime,
        "machine": machine_busy_seconds(),
    }


def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has used (all cores, /proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(value) for value in fields]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def read_counts(directory: Path) -> dict:
    totals = {"requests": 0, "queries": 0, "max": 0}
    for path in directory.glob("*.json"):
        data = json.loads(path.read_text())
        totals["requests"] += data["requests"]
        totals["queries"] += data["queries"]
        totals["max"] = max(totals["max"], data["max"])
    return totals


def with_conn_max_age(url: str, seconds: int) -> str:
    """``url`` with ``conn_max_age`` set to ``seconds`` (config.env reads it)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "conn_max_age"]
    query.append(("conn_max_age", str(seconds)))
    return parts._replace(query=urlencode(query)).geturl()


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


def start_gunicorn(
    env: dict[str, str], port: int, workers: int, threads: int, log: Path, hooks: Path
):
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        # An explicit config file, so a gunicorn.conf.py in the repository is not read.
        "--config",
        str(hooks),
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


def payload(n: int, run: int = 0) -> bytes:
    """Person ``n`` of a run: the run (a session id) is in the phone number, so the numbers of
    earlier runs in the same database do not reach the cap on live bookings per number."""
    return json.dumps(
        {
            "name": f"豊島 利用者{n}",
            "name_kana": "としま りようしゃ",
            "phone": f"090{(run * 100000 + n) % 10**8:08d}",
            "age_band": "70s",
            "area": "駒込",
            "device": "android" if n % 2 else "iphone",
            "consent": True,
        }
    ).encode()


def profile_in_process(session, count: int) -> None:
    """Book ``count`` times through Django's test client under pyinstrument (stderr), after
    one unprofiled booking (the first request imports the URL configuration)."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    url = f"/api/sessions/{session.pk}/bookings"
    client.post(url, data=payload(0, session.pk), content_type="application/json")
    with profiled(True):
        for n in range(1, count + 1):
            client.post(url, data=payload(n, session.pk), content_type="application/json")


_client = threading.local()


def post(url: str, data: bytes) -> tuple[int, dict, float]:
    """POST ``data`` as JSON on this thread's connection (kept alive when the server allows)."""
    parts = urlsplit(url)
    headers = {"Content-Type": "application/json", "Content-Length": str(len(data))}
    start = time.perf_counter()
    for attempt in (1, 2):
        conn = getattr(_client, "conn", None)
        if conn is None:
            conn = _client.conn = http.client.HTTPConnection(parts.netloc, timeout=120)
        try:
            conn.request("POST", parts.path, body=data, headers=headers)
            response = conn.getresponse()
            status, text = response.status, response.read()
            if response.will_close:
                conn.close()
            break
        except (http.client.HTTPException, OSError) as exc:
            conn.close()
            _client.conn = None
            # A kept-alive connection the server closed meanwhile: once more on a new one.
            if attempt == 2 or not isinstance(
                exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
            ):
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
    env = server_env(with_conn_max_age(database_url, args.conn_max_age), args.cache_url)
    setup_django(env)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    capacity = max(1, args.requests // 5)
    session = create_session(capacity)
    warm_session = create_session(max(1, args.warmup))
    if args.profile and args.warmup:
        profile_in_process(create_session(max(1, args.warmup)), args.warmup)
    connection.close()

    scratch = Path(tempfile.mkdtemp(prefix="registration-burst-"))
    hooks = scratch / "gunicorn_hooks.py"
    hooks.write_text(HOOKS)
    counts_dir = scratch / "counts"
    counts_dir.mkdir()
    path = f"/api/sessions/{session.pk}/bookings"
    env = {**env, "BENCH_COUNT_PATH": path, "BENCH_COUNT_DIR": str(counts_dir)}
    log = scratch / "gunicorn.log"
    process, base = start_gunicorn(env, free_port(), args.workers, args.threads, log, hooks)
    url = f"{base}{path}"
    try:
        warm_url = f"{base}/api/sessions/{warm_session.pk}/bookings"
        warm = [payload(n, warm_session.pk) for n in range(1, args.warmup + 1)]
        with ThreadPoolExecutor(max_workers=max(1, min(args.concurrency, args.warmup))) as pool:
            list(pool.map(lambda data: post(warm_url, data), warm))
        pids = worker_pids(process.pid)
        # With a connection per request our backends end during the burst: count reaped ones.
        reaped = args.conn_max_age == 0
        cpu_before = cpu_snapshot(pids, database, reaped=reaped)
        bodies = [payload(n, session.pk) for n in range(1, args.requests + 1)]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            answers = list(pool.map(lambda data: post(url, data), bodies))
        wall = time.perf_counter() - started
        cpu_after = cpu_snapshot(pids, database, reaped=reaped)
    finally:
        stop(process)
    counted = read_counts(counts_dir)
    workers_before, workers_after = cpu_before["workers"], cpu_after["workers"]
    worker_cpu = sum(workers_after.get(pid, 0) - workers_before.get(pid, 0) for pid in pids)
    per_booking = {
        "workers": worker_cpu,
        "postgres": cpu_after["postgres"] - cpu_before["postgres"],
        "client": cpu_after["client"] - cpu_before["client"],
    }
    per_booking = {name: seconds * 1000 / len(answers) for name, seconds in per_booking.items()}
    total_cpu_ms = sum(per_booking.values())
    machine_ms = (cpu_after["machine"] - cpu_before["machine"]) * 1000 / len(answers)
    cpus = os.cpu_count() or 1

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
        "worker_class": "sync" if args.threads == 1 else "gthread",
        "cache_url": args.cache_url.split("://")[0],
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
        # Every SQL statement of the measured requests (savepoints too; BEGIN/COMMIT are not
        # sent as statements); the mean over the requests the workers counted.
        "queries_per_booking": round(counted["queries"] / counted["requests"], 2)
        if counted["requests"]
        else None,
        "queries_per_booking_max": counted["max"] if counted["requests"] else None,
        "requests_counted": counted["requests"],
        "conn_max_age": args.conn_max_age,
        "client": "http.client, one thread per client",
        "worker_cpu_ms_per_booking": round(per_booking["workers"], 2),
        # CPU ms per booking of each party on the same cores, and what they allow together.
        "cpu_ms_per_booking": {name: round(ms, 2) for name, ms in per_booking.items()},
        "client_cpu_share": round(per_booking["client"] / total_cpu_ms, 3)
        if total_cpu_ms
        else None,
        "cpu_ceiling_bookings_per_second": round(cpus * 1000 / total_cpu_ms, 1)
        if total_cpu_ms
        else None,
        # Everything the machine ran meanwhile (other processes too): how busy it was.
        "machine_cpu_ms_per_booking": round(machine_ms, 2),
        "machine_cpu_busy": round(machine_ms * len(answers) / 1000 / wall / cpus, 2),
    }
    if result["errors"]:
        sys.stderr.write(log.read_text(errors="replace")[-4000:])
    shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
