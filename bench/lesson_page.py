"""Benchmark rendering a lesson page with two H5P blocks for a signed-in staff learner.

Run with ``.venv/bin/python bench/lesson_page.py [--requests 50]``.

It migrates a throwaway SQLite file (or the database in ``BENCH_DATABASE_URL``, created if
missing), imports two demo H5P packages (demo/h5p/dist) into a temporary media folder,
builds a staff course with one lesson holding both as required H5P blocks, signs a staff user in
with Django's test client and renders the lesson page ``--requests`` times after a few warm-up
requests, with DEBUG off as in production. It prints one JSON object: median and p95 server time
in milliseconds (the whole request through the middleware, view and templates, in process, no
network) and the number of SQL queries per request. It never touches the project database.
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
from support import bench_env, ensure_database, percentile  # noqa: E402

WARM_UP = 3
PACKAGES = ("security-quiz.h5p", "sms-scam-true-false.h5p")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="timed page views (N)")
    args = parser.parse_args()
    if args.requests < 2:
        parser.error("--requests must be at least 2")
    return args


def setup(workdir: Path) -> str:
    """Point Django at the benchmark database and media folder; return the database label."""
    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    if database_url.startswith("postgres"):
        label = f"postgresql:{ensure_database(database_url, fresh=False)}"
    else:
        database_url = f"sqlite:///{workdir}/bench.sqlite3"
        label = "sqlite"
    os.environ.update({**bench_env(database_url), "MEDIA_ROOT": str(workdir / "media")})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return label


def build_lesson():
    """A staff course with one lesson holding two required H5P blocks; return (lesson, user)."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.models import User
    from accounts.permissions import sync_role_groups
    from accounts.roles import GROUP_NAMES, Role
    from base.models import HomePage
    from courses.choices import Audience
    from courses.models import CourseIndexPage, CoursePage, LessonPage
    from demo.h5p import DIST
    from learning.h5p.storage import import_package
    from learning.models import H5PPackage, LessonActivity

    sync_role_groups()
    stamp = f"{timezone.now():%Y%m%d%H%M%S%f}"
    packages = []
    for name in PACKAGES:
        title = f"bench {name}"
        package = H5PPackage.objects.filter(title=title).first()
        packages.append(package or import_package(DIST / name, title=title, trusted=True))
    home = HomePage.objects.first()
    catalogue = CourseIndexPage.objects.child_of(home).first() or home.add_child(
        instance=CourseIndexPage(title="オンライン教材", slug="courses")
    )
    course = catalogue.add_child(
        instance=CoursePage(
            title="ベンチマーク講座", slug=f"bench-{stamp}", audience=Audience.STAFF
        )
    )
    body = [{"type": "heading", "value": {"text": "この単元の目標", "size": "h2"}}]
    body.append({"type": "paragraph", "value": "<p>二つの問題に答えます。</p>"})
    for package in packages:
        value = {"package": package.pk, "required": True, "caption": package.title}
        body.append({"type": "h5p", "value": value})
    body.append(
        {"type": "callout", "value": {"kind": "tip", "text": "わからないときは聞いてください。"}}
    )
    lesson = course.add_child(instance=LessonPage(title="ベンチマーク", slug="lesson", body=body))
    assert LessonActivity.objects.filter(lesson=lesson).count() == len(PACKAGES)
    user = User.objects.create_user(
        email=f"bench-{stamp}@example.jp", password=None, last_name="豊島", first_name="職員"
    )
    user.groups.add(Group.objects.get(name=GROUP_NAMES[Role.STAFF]))
    return lesson, user


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="lesson-page-bench-"))
    try:
        database = setup(workdir)
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        call_command("migrate", verbosity=0)
        lesson, user = build_lesson()
        client = Client()
        client.force_login(user)
        url = lesson.url

        for _ in range(WARM_UP):
            response = client.get(url)
            assert response.status_code == 200, response.status_code
        times = []
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
        html = response.content.decode()
        connection.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        json.dumps(
            {
                "benchmark": "lesson_page",
                "database": database,
                "h5p_blocks": len(PACKAGES),
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
