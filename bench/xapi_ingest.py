"""Benchmark xAPI ingestion: H5P statements from many learners against gunicorn workers.

Run with ``.venv/bin/python bench/xapi_ingest.py [--learners 50] [--runs 2] [--concurrency 25]``.

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
"""

from __future__ import annotations

import argparse
import json
import shutil
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
    free_port,
    server_env,
    setup_django,
    start_gunicorn,
    stop,
)
from support import ensure_database, percentile  # noqa: E402

VERBS = "http://adlnet.gov/expapi/verbs/"
PACKAGE_FILE = "security-quiz.h5p"
PACKAGE_TITLE = "bench xAPI 情報セキュリティ 理解度テスト"
WRONG_ANSWERS = 2  # odd learners get this many questions wrong


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=50, help="learners (K)")
    parser.add_argument("--runs", type=int, default=2, help="quiz runs per learner")
    parser.add_argument("--concurrency", type=int, default=25, help="learners sending at once")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    args = parser.parse_args()
    if min(args.learners, args.runs, args.concurrency, args.workers, args.threads) < 1:
        parser.error("every number must be at least 1")
    if args.runs > 20:
        parser.error("--runs above 20 would hit the per-learner rate limit (120/min)")
    return args


def choose_database(fresh: bool, workdir: Path) -> tuple[str, str]:
    """Return (database URL, label): PostgreSQL when reachable, else a scratch SQLite file."""
    import os

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
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


def main() -> None:
    args = parse_args()
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
