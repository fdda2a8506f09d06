"""Benchmark the learning pages for a signed-in staff learner: a lesson, a course, the catalogue.

Run with ``.venv/bin/python bench/lesson_page.py [--page lesson|course|catalogue] [--blocks N]
[--package PATH] [--requests 300] [--profile] [--show-queries]``.

It migrates a throwaway SQLite file (or the database in ``BENCH_DATABASE_URL``, created if
missing), imports H5P packages into a temporary media folder, builds the pages and signs a staff
user in with Django's test client, then renders the page ``--requests`` times after 30 warm-up
requests, with DEBUG off as in production. It prints one JSON object: median and p95 server time
in milliseconds (the whole request through the middleware, view and templates, in process, no
network) and the number of SQL queries per request. It never touches the project database.

- ``--page lesson`` (default): a staff course with one lesson of ``--blocks`` required H5P blocks
  between text blocks. The blocks use the demo packages in turn (each block its own copy), or
  all the one ``--package``. The learner has passed the first activity once.
- ``--page course``: a staff course of 15 lessons (one H5P block each, no course-wide time, so
  the page sums the lessons'), one prerequisite course the learner has completed, and 7 of the
  15 lessons completed.
- ``--page catalogue``: a catalogue of 21 courses of three lessons each, half of them without a
  course-wide time.

``--cache-url`` picks the shared cache (default ``locmem://``; e.g. ``redis://127.0.0.1:6379/1``,
flushed first). ``--profile`` prints pyinstrument's call tree of the timed requests to stderr,
``--show-queries`` the SQL of one request.
The script uses only URLs and APIs of the code before issue 12, so it also measures that tree.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from support import bench_env, ensure_database, percentile, profiled  # noqa: E402

WARM_UP = 30
DEMO_PACKAGES = ("security-quiz.h5p", "sms-scam-true-false.h5p", "smartphone-basics-quiz.h5p")
COURSE_LESSONS = 15
COURSE_LESSONS_DONE = 7
CATALOGUE_COURSES = 21
CATALOGUE_LESSONS = 3


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", choices=("lesson", "course", "catalogue"), default="lesson")
    parser.add_argument("--blocks", type=int, default=2, help="H5P blocks of the lesson")
    parser.add_argument("--package", type=Path, help="one .h5p file for every block")
    parser.add_argument("--requests", type=int, default=300, help="timed page views (N)")
    parser.add_argument("--cache-url", default="locmem://", help="the shared cache (CACHE_URL)")
    parser.add_argument("--profile", action="store_true", help="pyinstrument tree to stderr")
    parser.add_argument("--show-queries", action="store_true", help="the SQL of one view to stderr")
    args = parser.parse_args()
    if args.requests < 2:
        parser.error("--requests must be at least 2")
    if args.blocks < 1:
        parser.error("--blocks must be at least 1")
    if args.package is not None and not args.package.is_file():
        parser.error(f"--package: no such file {args.package}")
    return args


def setup(workdir: Path, cache_url: str) -> str:
    """Point Django at the benchmark database, cache and media folder; return the database label."""
    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    if database_url.startswith("postgres"):
        label = f"postgresql:{ensure_database(database_url, fresh=False)}"
    else:
        database_url = f"sqlite:///{workdir}/bench.sqlite3"
        label = "sqlite"
    os.environ.update(
        {
            **bench_env(database_url),
            "MEDIA_ROOT": str(workdir / "media"),
            "CACHE_URL": cache_url,
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return label


def packages(args: argparse.Namespace, stamp: str) -> list:
    """One package per block: copies of the demo packages in turn, or the one --package."""
    from demo.h5p import DIST
    from learning.h5p.storage import import_package

    if args.package is not None:
        package = import_package(args.package, title=f"bench {args.package.name}", trusted=True)
        return [package] * args.blocks
    return [
        import_package(
            DIST / DEMO_PACKAGES[n % len(DEMO_PACKAGES)],
            title=f"bench {n + 1} {stamp}",
            trusted=True,
        )
        for n in range(args.blocks)
    ]


def lesson_body(pkgs: list) -> list[dict]:
    body = [{"type": "heading", "value": {"text": "この単元の目標", "size": "h2"}}]
    for package in pkgs:
        body.append({"type": "paragraph", "value": "<p>次の問題に答えます。</p>"})
        value = {"package": package.pk, "required": True, "caption": package.title}
        body.append({"type": "h5p", "value": value})
    body.append(
        {"type": "callout", "value": {"kind": "tip", "text": "わからないときは聞いてください。"}}
    )
    return body


def staff_user(stamp: str):
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import Group

    from accounts.models import User
    from accounts.permissions import sync_role_groups
    from accounts.roles import GROUP_NAMES, Role

    sync_role_groups()
    user = User.objects.create_user(
        email=f"bench-{stamp}@example.jp", password=None, last_name="豊島", first_name="職員"
    )
    user.groups.add(Group.objects.get(name=GROUP_NAMES[Role.STAFF]))
    # Staff have a second factor set up, as they must where every role needs one (the bench
    # never checks a code, so the secret is a placeholder and needs no encryption key).
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "-"})
    return user


def catalogue_page(stamp: str):
    """A fresh catalogue below the home page, so reruns on one database count the same."""
    from base.models import HomePage
    from courses.models import CourseIndexPage

    home = HomePage.objects.first()
    return home.add_child(instance=CourseIndexPage(title="オンライン教材", slug=f"bench-{stamp}"))


def build(args: argparse.Namespace):
    """Build the page to time; return (url, user, what to report about it)."""
    from django.utils import timezone

    from courses.choices import Audience
    from courses.models import CoursePage, LessonPage
    from learning.fiscal import fiscal_year
    from learning.models import Attempt, CourseCompletion, LessonActivity, LessonProgress

    stamp = f"{timezone.now():%Y%m%d%H%M%S%f}"
    now = timezone.now()
    user = staff_user(stamp)
    catalogue = catalogue_page(stamp)

    def course(n: int, **fields) -> CoursePage:
        fields.setdefault("audience", Audience.STAFF)
        return catalogue.add_child(
            instance=CoursePage(title=f"ベンチマーク講座 {n}", slug=f"course-{n}", **fields)
        )

    if args.page == "lesson":
        pkgs = packages(args, stamp)
        lesson = course(1).add_child(
            instance=LessonPage(title="ベンチマーク", slug="lesson", body=lesson_body(pkgs))
        )
        assert LessonActivity.objects.filter(lesson=lesson).count() == args.blocks
        fields = {
            "user": user,
            "lesson": lesson,
            "package": pkgs[0],
            "number": 1,
            "finished_at": now,
            "completed": True,
            "passed": True,
            "score_raw": 1,
            "score_max": 1,
            "scaled": 1.0,
        }
        if hasattr(Attempt, "tallied"):
            # Since issue 12 every attempt row carries the counted-attempt pointers of the
            # attempts before it (new ones by the xAPI path, old ones by migration learning
            # 0007); the first attempt has none.
            fields["tallied"] = True
        Attempt.objects.create(**fields)
        return lesson.url, user, {"h5p_blocks": args.blocks}

    if args.page == "course":
        pkgs = packages(argparse.Namespace(package=args.package, blocks=1), stamp)
        first = course(1)
        CourseCompletion.objects.create(
            user=user,
            course=first,
            course_title=first.title,
            completed_at=now,
            fiscal_year=fiscal_year(now),
        )
        page = course(2)
        page.prerequisites.add(first)
        page.save_revision().publish()
        for n in range(COURSE_LESSONS):
            lesson = page.add_child(
                instance=LessonPage(
                    title=f"第{n + 1}回", slug=f"lesson-{n + 1}", body=lesson_body(pkgs)
                )
            )
            if n < COURSE_LESSONS_DONE:
                LessonProgress.objects.create(user=user, lesson=lesson, completed_at=now)
        return page.url, user, {"lessons": COURSE_LESSONS, "lessons_done": COURSE_LESSONS_DONE}

    for n in range(CATALOGUE_COURSES):
        minutes = None if n % 2 else 30
        page = course(n + 1, estimated_minutes=minutes, topic=("B01", "S01", "")[n % 3])
        for m in range(CATALOGUE_LESSONS):
            page.add_child(instance=LessonPage(title=f"第{m + 1}回", slug=f"lesson-{m + 1}"))
    return catalogue.url, user, {"courses": CATALOGUE_COURSES}


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="lesson-page-bench-"))
    try:
        database = setup(workdir, args.cache_url)
        from django.core.cache import cache
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        call_command("migrate", verbosity=0)
        cache.clear()
        url, user, shape = build(args)
        client = Client()
        client.force_login(user)

        for _ in range(WARM_UP):
            response = client.get(url)
            assert response.status_code == 200, response.status_code
        times = []
        with profiled(args.profile):
            for _ in range(args.requests):
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.status_code
        counts = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            counts.append(len(queries))
        if args.show_queries:
            for n, query in enumerate(queries.captured_queries, 1):
                sql = query["sql"]
                sql = sql if len(sql) < 300 else f"{sql[:100]} … {sql[-200:]}"
                sys.stderr.write(f"{n:3} {sql}\n")
        html = response.content.decode()
        connection.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        json.dumps(
            {
                "benchmark": "lesson_page",
                "page": args.page,
                "database": database,
                "cache": args.cache_url.split(":", 1)[0],
                **shape,
                "package": args.package.name if args.package else "demo",
                "player": "iframe" if "<iframe" in html else "placeholder",
                "requests": args.requests,
                "median_ms": round(statistics.median(times), 2),
                "p95_ms": round(percentile(times, 95), 2),
                "min_ms": round(min(times), 2),
                "max_ms": round(max(times), 2),
                "queries": counts[-1],
                "queries_stable": len(set(counts)) == 1,
                "html_bytes": len(response.content),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
