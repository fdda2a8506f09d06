"""Shared plumbing of the benchmark scripts: scratch databases, environment, percentiles.

The scripts run as ``python bench/<name>.py``, so this module is imported as ``support``.
None of them ever touches the project database.
"""

from __future__ import annotations

import statistics
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

BENCH_SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdef"


def percentile(values: list[float], pct: int) -> float:
    """Return the pct-th percentile (inclusive method); the value itself for one sample."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def free_port() -> int:
    """A free local TCP port for the benchmark's own gunicorn."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _admin_url(url: str) -> tuple[str, str]:
    """Return the maintenance database's URL (to create or drop ours) and our database's name."""
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    # psycopg knows libpq options only; conn_max_age is ours (config.env).
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "conn_max_age"])
    return parts._replace(path="/postgres", query=query).geturl(), name


def ensure_database(url: str, *, fresh: bool) -> str:
    """Create the PostgreSQL database named in ``url`` if missing (``fresh``: drop it first)."""
    import psycopg
    from psycopg import sql

    admin_url, name = _admin_url(url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if fresh:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    admin_url, name = _admin_url(url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def bench_env(database_url: str, *, allowed_hosts: str = "testserver") -> dict[str, str]:
    """Return the environment of a production-like run (DEBUG off) on the scratch database."""
    return {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": BENCH_SECRET_KEY,
        "ALLOWED_HOSTS": allowed_hosts,
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATIC_MANIFEST": "0",
        "CACHE_URL": "locmem://",
        "LOG_LEVEL": "WARNING",
    }


def staff_courses() -> tuple[list, list]:
    """The benchmarks' five staff courses of one lesson each under the home page: (lessons,
    courses). Call after django.setup()."""
    from wagtail.models import Page

    from courses.models import CourseIndexPage, CoursePage, LessonPage

    home = Page.objects.get(depth=2).specific
    catalogue = home.add_child(instance=CourseIndexPage(title="職員研修", slug="bench-courses"))
    titles = [
        "情報セキュリティ研修",
        "個人情報保護研修",
        "窓口DX研修",
        "文書管理研修",
        "新任者ICT研修",
    ]
    courses, lessons = [], []
    for n, title in enumerate(titles, 1):
        course = catalogue.add_child(instance=CoursePage(title=title, slug=f"bench-course-{n}"))
        lessons.append(
            course.add_child(instance=LessonPage(title="第1回", slug=f"bench-lesson-{n}", body=[]))
        )
        courses.append(CoursePage.objects.get(pk=course.pk))
    return lessons, courses


class profiled:
    """``with profiled(args.profile):`` — profile the block with pyinstrument when enabled and
    print the call tree to stderr (stdout stays the one JSON object)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.profiler = None

    def __enter__(self) -> profiled:
        if self.enabled:
            from pyinstrument import Profiler

            self.profiler = Profiler(interval=0.0005)
            self.profiler.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.profiler is not None:
            import sys

            self.profiler.stop()
            sys.stderr.write(self.profiler.output_text(unicode=True, color=False, show_all=False))
