"""Benchmark xAPI ingestion: H5P statements from many learners against gunicorn workers.

Run with ``.venv/bin/python bench/xapi_ingest.py [--learners 50] [--runs 2] [--concurrency 25]``,
or ``--in-process [--statements 710] [--profile]`` for one learner's history (see below).

1. Uses the PostgreSQL database in ``BENCH_DATABASE_URL`` (default
   ``postgres://postgres@127.0.0.1:5432/toshima_ict_bench``, created if missing; ``--fresh``
   drops it first), or a throwaway SQLite file when PostgreSQL cannot be reached, and migrates it.
2. Imports the demo security quiz (demo/h5p, a SingleChoiceSet with 5 questions) into a
   temporary media folder, builds a staff course with one lesson holding it as a required
   activity, creates ``--learners`` staff learners and signs each in (a session row made by the
   test client's ``force_login``, its cookie copied) with a CSRF cookie and token.
3. Starts ``gunicorn config.wsgi`` with several worker processes as bench/registration_burst.py
   does, and waits for ``/healthz``.
4. Each learner takes the quiz ``--runs`` times, as the H5P player reports it: one ``answered``
   statement per question (object ``...?subContentId=``, parent context, the chosen answer in
   ``result.response``) and a top-level ``completed`` with the total score, each with the
   learner's launch token (``X-H5P-Launch``); the server re-scores the set from the answers.
   Even-numbered learners answer all 5 correctly (passed), odd-numbered ones 3 of 5 (60 %,
   below the course's 80 %). A learner's statements go one after another; ``--concurrency``
   learners send at once.
5. Checks the database (statements stored, attempts, lessons complete), stops gunicorn and
   prints one JSON object: statements per second, latency p50/p95/max in ms, counts by status.

The per-learner xAPI rate limit (120 a minute) is left on: keep ``--runs`` at 20 or fewer.
It never touches the project database.

``--in-process``: one learner's answered H5P.TrueFalse statements (the test fixture
tests/fixtures/h5p/true-false-hello-world.h5p, one required activity of a one-lesson staff
course, alternately wrong and right, so each statement finishes an attempt and evaluates the
lesson and the course) through Django's test client with the session, the CSRF cookie and
token and the launch token, one after another, the rate limit lifted. A second learner sends
30 warm-up statements first. Prints median/p95 and queries per statement, the time (median of
the 11 statements around it) and queries of the learner's 30th, 500th and 700th statement (both
should not grow with the learner's history), and the same for ``--open`` (20) ``interacted``
statements sent afterwards, which leave the attempt open. Its database defaults to
``toshima_ict_bench_xapi`` (``BENCH_DATABASE_URL`` overrides it); ``--profile`` prints a
pyinstrument tree of the timed statements to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registration_burst import (  # noqa: E402 (the sibling benchmark's helpers)
    DEFAULT_DATABASE_URL,
    server_env,
    setup_django,
    start_gunicorn,
    stop,
)
from support import (  # noqa: E402
    bench_env,
    ensure_database,
    free_port,
    percentile,
    profiled,
)

VERBS = "http://adlnet.gov/expapi/verbs/"
PACKAGE_FILE = "security-quiz.h5p"
PACKAGE_TITLE = "bench xAPI 情報セキュリティ 理解度テスト"
WRONG_ANSWERS = 2  # odd learners get this many questions wrong
IN_PROCESS_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/toshima_ict_bench_xapi"
TRUE_FALSE = Path(__file__).resolve().parents[1] / "tests/fixtures/h5p/true-false-hello-world.h5p"
CHECKPOINTS = (30, 500, 700)
WARM_UP = 30


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=50, help="learners (K)")
    parser.add_argument("--runs", type=int, default=2, help="quiz runs per learner")
    parser.add_argument("--concurrency", type=int, default=25, help="learners sending at once")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="one learner's TrueFalse statements through Django's test client, no gunicorn",
    )
    parser.add_argument(
        "--statements", type=int, default=710, help="--in-process: the learner's statements"
    )
    parser.add_argument(
        "--open", type=int, default=20, help="--in-process: attempt-opening statements after"
    )
    parser.add_argument("--profile", action="store_true", help="pyinstrument tree to stderr")
    args = parser.parse_args()
    if min(args.learners, args.runs, args.concurrency, args.workers, args.threads) < 1:
        parser.error("every number must be at least 1")
    if args.in_process and min(args.statements, args.open) < 1:
        parser.error("--statements and --open must be at least 1")
    if args.runs > 20 and not args.in_process:
        parser.error("--runs above 20 would hit the per-learner rate limit (120/min)")
    return args


def choose_database(
    fresh: bool, workdir: Path, default: str = DEFAULT_DATABASE_URL
) -> tuple[str, str]:
    """Return (database URL, label): PostgreSQL when reachable, else a scratch SQLite file."""
    import os

    url = os.environ.get("BENCH_DATABASE_URL", default)
    if url.startswith("postgres"):
        try:
            return url, f"postgresql:{ensure_database(url, fresh=fresh)}"
        except Exception as exc:  # psycopg missing or the server not running
            print(f"PostgreSQL not available ({exc}); using SQLite", file=sys.stderr)
    return f"sqlite:///{workdir}/bench.sqlite3", "sqlite"


def build_lesson(learners: int):
    """Return (lesson, package, [(user, session key)]) for a fresh staff course."""
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from accounts.permissions import sync_role_groups
    from accounts.roles import GROUP_NAMES, Role
    from base.models import HomePage
    from courses.choices import Audience
    from courses.models import CourseIndexPage, CoursePage, LessonPage
    from demo.h5p import DIST
    from learning.h5p.storage import import_package
    from learning.models import H5PPackage

    sync_role_groups()
    stamp = f"{timezone.now():%Y%m%d%H%M%S%f}"
    package = H5PPackage.objects.filter(title=PACKAGE_TITLE).first() or import_package(
        DIST / PACKAGE_FILE, title=PACKAGE_TITLE, trusted=True
    )
    home = HomePage.objects.first()
    catalogue = CourseIndexPage.objects.child_of(home).first() or home.add_child(
        instance=CourseIndexPage(title="オンライン教材", slug="courses")
    )
    course = catalogue.add_child(
        instance=CoursePage(
            title="ベンチマーク講座", slug=f"xapi-{stamp}", audience=Audience.STAFF, pass_mark=80
        )
    )
    block = {"package": package.pk, "required": True, "caption": ""}
    lesson = course.add_child(
        instance=LessonPage(
            title="理解度テスト", slug="quiz", body=[{"type": "h5p", "value": block}]
        )
    )
    group = Group.objects.get(name=GROUP_NAMES[Role.STAFF])
    sessions = []
    for n in range(learners):
        user = User.objects.create_user(
            email=f"xapi-{stamp}-{n}@example.jp", password=None, last_name="豊島", first_name="職員"
        )
        user.groups.add(group)
        give_second_factor(user)
        client = Client()
        client.force_login(user)
        sessions.append((user, client.cookies[settings.SESSION_COOKIE_NAME].value))
    return lesson, package, sessions


def quiz_run(iri: str, content: dict, title: str, correct: int) -> list[dict]:
    """The statements H5P.SingleChoiceSet sends for one run with ``correct`` right answers."""
    actor = {"objectType": "Agent", "name": "ブラウザが送る名前", "mbox": "mailto:x@example.jp"}
    questions = content["choices"]
    statements = []
    for i, question in enumerate(questions):
        right = i < correct
        statements.append(
            {
                "actor": actor,
                "verb": {"id": VERBS + "answered", "display": {"en-US": "answered"}},
                "object": {
                    "id": f"{iri}?subContentId={question['subContentId']}",
                    "objectType": "Activity",
                    "definition": {
                        "extensions": {
                            "http://h5p.org/x-api/h5p-local-content-id": 1,
                            "http://h5p.org/x-api/h5p-subContentId": question["subContentId"],
                        },
                        "name": {"en-US": question["question"]},
                        "interactionType": "choice",
                        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                        "correctResponsesPattern": ["0"],
                        "choices": [
                            {"id": str(k), "description": {"en-US": text}}
                            for k, text in enumerate(question["answers"])
                        ],
                    },
                },
                "context": {
                    "contextActivities": {
                        "parent": [{"id": iri, "objectType": "Activity"}],
                        "category": [
                            {
                                "id": "http://h5p.org/libraries/H5P.SingleChoiceSet-1.11",
                                "objectType": "Activity",
                            }
                        ],
                    }
                },
                "result": {
                    "score": {"min": 0, "max": 1, "raw": int(right), "scaled": int(right)},
                    "completion": True,
                    "success": right,
                    "duration": "PT3.5S",
                    "response": "0" if right else "1",
                },
            }
        )
    total = len(questions)
    statements.append(
        {
            "actor": actor,
            "verb": {"id": VERBS + "completed", "display": {"en-US": "completed"}},
            "object": {
                "id": iri,
                "objectType": "Activity",
                "definition": {
                    "extensions": {"http://h5p.org/x-api/h5p-local-content-id": 1},
                    "name": {"en-US": title},
                },
            },
            "context": {
                "contextActivities": {
                    "category": [
                        {
                            "id": "http://h5p.org/libraries/H5P.SingleChoiceSet-1.11",
                            "objectType": "Activity",
                        }
                    ]
                }
            },
            "result": {
                "score": {"min": 0, "max": total, "raw": correct, "scaled": correct / total},
                "completion": True,
                "success": correct / total >= 0.8,
                "duration": "PT40S",
            },
        }
    )
    return statements


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, float, str]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        return 0, (time.perf_counter() - start) * 1000, str(exc)
    elapsed = (time.perf_counter() - start) * 1000
    return status, elapsed, "" if 200 <= status < 300 else text[:200].decode(errors="replace")


# --- In process: one learner's history --------------------------------------------------


def build_true_false_lesson(learners: int):
    """Return (lesson, package, [users]): a one-lesson staff course holding the TrueFalse
    fixture as its required activity, and ``learners`` staff learners."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.models import User
    from accounts.permissions import sync_role_groups
    from accounts.roles import GROUP_NAMES, Role
    from base.models import HomePage
    from courses.choices import Audience
    from courses.models import CourseIndexPage, CoursePage, LessonPage
    from learning.h5p.storage import import_package

    sync_role_groups()
    stamp = f"{timezone.now():%Y%m%d%H%M%S%f}"
    package = import_package(TRUE_FALSE, title=f"bench xAPI 正誤問題 {stamp}", trusted=True)
    home = HomePage.objects.first()
    catalogue = CourseIndexPage.objects.child_of(home).first() or home.add_child(
        instance=CourseIndexPage(title="オンライン教材", slug="courses")
    )
    course = catalogue.add_child(
        instance=CoursePage(
            title="ベンチマーク講座（正誤）",
            slug=f"xapi-tf-{stamp}",
            audience=Audience.STAFF,
            pass_mark=80,
        )
    )
    block = {"package": package.pk, "required": True, "caption": ""}
    lesson = course.add_child(
        instance=LessonPage(title="正誤問題", slug="quiz", body=[{"type": "h5p", "value": block}])
    )
    # Publishing through a revision runs the hooks that create the LessonActivity rows.
    lesson.save_revision().publish()
    lesson = LessonPage.objects.get(pk=lesson.pk)
    group = Group.objects.get(name=GROUP_NAMES[Role.STAFF])
    users = []
    for n in range(learners):
        user = User.objects.create_user(
            email=f"xapi-tf-{stamp}-{n}@example.jp",
            password=None,
            last_name="豊島",
            first_name="職員",
        )
        user.groups.add(group)
        give_second_factor(user)
        users.append(user)
    return lesson, package, users


def give_second_factor(user) -> None:
    """Every role signs in with a second factor (accounts.middleware): a TOTP authenticator."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())


def true_false_statement(iri: str, verb: str, solution: str, right: bool) -> dict:
    """What H5P.TrueFalse 1.6 sends: ``answered`` with the choice, or ``interacted``."""
    chosen = solution if right else ("true" if solution == "false" else "false")
    statement = {
        "actor": {"objectType": "Agent", "name": "ブラウザが送る名前"},
        "verb": {"id": VERBS + verb, "display": {"en-US": verb}},
        "object": {
            "id": iri,
            "objectType": "Activity",
            "definition": {
                "extensions": {"http://h5p.org/x-api/h5p-local-content-id": 1},
                "interactionType": "true-false",
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "correctResponsesPattern": [solution],
            },
        },
        "context": {
            "contextActivities": {
                "category": [
                    {"id": "http://h5p.org/libraries/H5P.TrueFalse-1.6", "objectType": "Activity"}
                ]
            }
        },
    }
    if verb == "answered":
        statement["result"] = {
            "score": {"min": 0, "max": 1, "raw": int(right), "scaled": int(right)},
            "completion": True,
            "success": right,
            "duration": "PT2S",
            "response": chosen,
        }
    return statement


def in_process(args: argparse.Namespace) -> None:
    import os

    workdir = Path(tempfile.mkdtemp(prefix="xapi-bench-"))
    database_url, database = choose_database(args.fresh, workdir, IN_PROCESS_DATABASE_URL)
    os.environ.update(
        {
            **bench_env(database_url),
            "MEDIA_ROOT": str(workdir / "media"),
            "XAPI_RATE_LIMIT": "1000000/m",
        }
    )
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from learning.activities import activity_iri
    from learning.models import Attempt, CourseCompletion, LessonProgress
    from learning.player import make_launch

    settings.XAPI_RATE_LIMIT = "1000000/m"
    call_command("migrate", verbosity=0)
    lesson, package, (learner, warm_learner) = build_true_false_lesson(2)
    iri = activity_iri(package)
    solution = package.answer_key["key"]["correct"]
    url = reverse("learning:xapi", args=[lesson.pk])

    def client_for(user) -> tuple[Client, dict[str, str]]:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        token = _get_new_csrf_string()
        client.cookies[settings.CSRF_COOKIE_NAME] = token
        launch = make_launch(user, lesson, package)
        headers = {"HTTP_X_CSRFTOKEN": token, "HTTP_X_H5P_LAUNCH": launch}
        return client, headers

    def send(client: Client, headers: dict[str, str], body: bytes) -> tuple[float, int]:
        # The query log keeps the last 9,000 queries only: empty it, or the count stalls at 0.
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.post(url, body, content_type="application/json", **headers)
            elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 201:
            raise SystemExit(f"statement refused: {response.status_code} {response.content[:300]}")
        return elapsed, len(queries)

    def body(verb: str, n: int) -> bytes:
        # Wrong first, then alternately right and wrong: every answer finishes an attempt.
        statement = true_false_statement(iri, verb, solution, right=n % 2 == 1)
        return json.dumps(statement, ensure_ascii=False).encode()

    warm_client, warm_headers = client_for(warm_learner)
    for n in range(WARM_UP):
        send(warm_client, warm_headers, body("answered", n))

    client, headers = client_for(learner)
    times, counts = [], []
    open_times, open_counts = [], []
    with profiled(args.profile):
        for n in range(args.statements):
            elapsed, count = send(client, headers, body("answered", n))
            times.append(elapsed)
            counts.append(count)
        for n in range(args.open):
            elapsed, count = send(client, headers, body("interacted", n))
            open_times.append(elapsed)
            open_counts.append(count)

    def window(at: int) -> list[float]:
        # The median of the 11 statements around the at-th (1-based) smooths out noise.
        return times[max(0, at - 6) : at + 5]

    checkpoints = {
        str(at): {
            "ms": round(statistics.median(window(at)), 2),
            "queries": counts[at - 1],
        }
        for at in CHECKPOINTS
        if at <= args.statements
    }
    result = {
        "benchmark": "xapi_ingest",
        "mode": "in-process",
        "database": database,
        "statements": args.statements,
        "warm_up_statements": WARM_UP,
        "latency_ms": {
            "p50": round(percentile(times, 50), 2),
            "p95": round(percentile(times, 95), 2),
            "max": round(max(times), 2),
        },
        "queries": {"min": min(counts), "max": max(counts), "median": statistics.median(counts)},
        "at_statement": checkpoints,
        "open_statement": {
            "statements": args.open,
            "latency_ms": {
                "p50": round(percentile(open_times, 50), 2),
                "p95": round(percentile(open_times, 95), 2),
            },
            "queries": {"min": min(open_counts), "max": max(open_counts)},
        },
        "attempts": Attempt.objects.filter(user=learner, lesson=lesson).count(),
        "lesson_complete": LessonProgress.objects.filter(
            user=learner, lesson=lesson, completed_at__isnull=False
        ).exists(),
        "course_completions": CourseCompletion.objects.filter(user=learner).count(),
    }
    connection.close()
    shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False))


def main() -> None:
    args = parse_args()
    # The learners' second factors are stored encrypted (required with DEBUG off): a
    # throwaway key for the scratch database.
    from cryptography.fernet import Fernet

    os.environ.setdefault("MFA_ENCRYPTION_KEYS", Fernet.generate_key().decode("ascii"))
    if args.in_process:
        in_process(args)
        return
    workdir = Path(tempfile.mkdtemp(prefix="xapi-bench-"))
    database_url, database = choose_database(args.fresh, workdir)
    env = {**server_env(database_url), "MEDIA_ROOT": str(workdir / "media")}
    env.update({"SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0"})
    setup_django(env)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.middleware.csrf import _get_new_csrf_string

    from demo.h5p import DIST
    from learning.activities import activity_iri
    from learning.models import Attempt, LessonProgress, XapiStatement
    from learning.player import make_launch

    call_command("migrate", verbosity=0)
    # One extra learner warms every worker up before the clock starts.
    lesson, package, sessions = build_lesson(args.learners + 1)
    warm_up_session = sessions.pop()
    with zipfile.ZipFile(DIST / PACKAGE_FILE) as zf:
        content = json.loads(zf.read("content/content.json"))
    iri = activity_iri(package)
    expected_passed = sum(1 for n in range(args.learners) if n % 2 == 0)
    connection.close()

    log = workdir / "gunicorn.log"
    process, base = start_gunicorn(env, free_port(), args.workers, args.threads, log)
    url = f"{base}/learning/lessons/{lesson.pk}/xapi/"

    def headers_for(user, session_key: str) -> dict[str, str]:
        token = _get_new_csrf_string()
        return {
            "Content-Type": "application/json",
            "X-CSRFToken": token,
            # The launch the lesson page makes for this learner and activity (required).
            "X-H5P-Launch": make_launch(user, lesson, package),
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={token}",
        }

    def learner(job: tuple[int, object, str]) -> list[tuple[int, float, str]]:
        n, user, session_key = job
        headers = headers_for(user, session_key)
        correct = 5 if n % 2 == 0 else 5 - WRONG_ANSWERS
        answers = []
        for _run in range(args.runs):
            for statement in quiz_run(iri, content, package.title, correct):
                body = json.dumps(statement, ensure_ascii=False).encode()
                answers.append(post(url, body, headers))
        return answers

    try:
        warm_headers = headers_for(*warm_up_session)
        warm_body = json.dumps(quiz_run(iri, content, package.title, 5)[0]).encode()
        with ThreadPoolExecutor(max_workers=args.workers * args.threads) as pool:
            warm = list(
                pool.map(
                    lambda _n: post(url, warm_body, warm_headers)[0],
                    range(args.workers * args.threads * 2),
                )
            )
        jobs = [(n, user, key) for n, (user, key) in enumerate(sessions)]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            answers = [a for result in pool.map(learner, jobs) for a in result]
        wall = time.perf_counter() - started
    finally:
        stop(process)

    statuses = Counter(status for status, _ms, _text in answers)
    latencies = [ms for _status, ms, _text in answers]
    accepted = statuses.get(201, 0)
    users = [user for user, _key in sessions]
    errors = Counter(text for status, _ms, text in answers if status != 201)
    result = {
        "benchmark": "xapi_ingest",
        "database": database,
        "learners": args.learners,
        "runs_per_learner": args.runs,
        "statements": len(answers),
        "concurrency": args.concurrency,
        "warm_up_statements": len(warm),
        "workers": args.workers,
        "threads": args.threads,
        "statements_per_second": round(accepted / wall, 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 1),
            "p95": round(percentile(latencies, 95), 1),
            "max": round(max(latencies), 1),
        },
        "status_counts": {str(status): n for status, n in sorted(statuses.items())},
        "errors": sum(n for status, n in statuses.items() if status != 201),
        "error_samples": [text for text, _n in errors.most_common(3)],
        "stored_statements": XapiStatement.objects.filter(lesson=lesson, user__in=users).count(),
        "finished_attempts": Attempt.objects.filter(
            lesson=lesson, user__in=users, finished_at__isnull=False
        ).count(),
        "expected_attempts": args.learners * args.runs,
        "lessons_complete": LessonProgress.objects.filter(
            lesson=lesson, user__in=users, completed_at__isnull=False
        ).count(),
        "expected_complete": expected_passed,
        "wall_seconds": round(wall, 3),
    }
    connection.close()
    shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
