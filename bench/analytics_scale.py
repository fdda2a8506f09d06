"""Benchmark the analytics dashboards and open-data files on a ward-scale PostgreSQL data set.

Run with ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python
bench/analytics_scale.py [--scale 1.0] [--runs 5] [--keep]``.

1. Refuses anything but PostgreSQL. Creates its own database ``bench_analytics_<pid>`` on the
   server of ``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/postgres``; the
   database named there is never touched) and drops it at the end (``--keep`` leaves it).
   Migrating takes a minute or two, so the first run also keeps the migrated, empty database
   as ``bench_analytics_tpl_<hash of the migrations>`` and later runs create theirs from it
   (``CREATE DATABASE ... TEMPLATE``); a template of other migrations is dropped.
   ``--no-template`` migrates from scratch and keeps nothing.
2. Builds, deterministically (``random.Random(SEED)``, dates counted from the current fiscal
   year), at scale 1.0: 3,000 staff in 60 departments (6 部 with 9 課 each),
   5 training requirements, about 21,000 course completions over the previous and current
   fiscal years, a 寺子屋ICT cohort; 26 venues, 2,000 sessions (500 series of 4) over the
   previous and the current fiscal year, 20,000 residents (distinct ``person_key``), 40,000
   bookings (confirmed up to capacity, then waiting; about 8 % cancelled), 30,000 attendance
   records, 10,000 pre/post skill-check pairs, the ward's population by 町名 and age band, and
   1,000,000 xAPI statements in about 167,000 attempts (``INSERT ... SELECT generate_series``).
   ``--scale`` multiplies the people-sized counts; the organisation (departments, venues,
   requirements, population) stays the ward's.
3. For every dashboard in the URLconf (``analytics:classes``, ``analytics:training``,
   ``analytics:reach``, ``open_data:index``; a missing one is listed in ``"missing"``) and
   every open-data file, starts a fresh Python process that signs in as an admin with TOTP (as
   the login form leaves the session: tests/gates/support.py ``sign_in``), requests the URL
   once to warm up, then ``--runs`` times (once when the warm-up took over 10 s) with Django's
   test client: DEBUG off, in process, the whole request with middleware and templates, no
   network. Each timed request runs inside ``CaptureQueriesContext``: ``queries`` is its
   number of SQL queries, ``slowest_query_ms``/``slowest_query`` the slowest one.
   ``peak_rss_mb`` is that process's ``resource.getrusage(RUSAGE_SELF).ru_maxrss``: the
   high-water mark of Django, the imports and the requests, with none of the build's memory.
   Open-data files are cached by ``analytics.open_data``; the cache is cleared before every
   timed request, so ``median_ms`` is the cost of building the file (``cached_median_ms``: the
   cached answer).
4. Builds the Excel export of each whole dashboard (``analytics.exports.build_export``, no
   filters, as the admin) twice in a fresh process, files in a temporary ``PRIVATE_ROOT``.
5. Prints one JSON object, with the server's version and ``jit`` setting (the environment's
   ``PGOPTIONS`` applies, e.g. ``PGOPTIONS="-c jit=off"``).

It never touches the project database.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from support import bench_env, drop_database, ensure_database, percentile, staff_courses  # noqa: E402

DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"
SEED = 20260401
ADMIN_EMAIL = "admin@bench.example.jp"
TEMPLATE_PREFIX = "bench_analytics_tpl_"

# At scale 1.0.
STAFF = 3_000
RESIDENTS = 20_000
SESSIONS = 2_000
SESSIONS_PER_SERIES = 4
BOOKINGS = 40_000
ATTENDANCE = 30_000
SKILL_PAIRS = 10_000
XAPI_STATEMENTS = 1_000_000
STATEMENTS_PER_ATTEMPT = 6
COHORT_MEMBERS = 120
# Fixed at every scale: the ward's organisation.
VENUES = 26
DIVISIONS = 6
SECTIONS_PER_DIVISION = 9
TRAINERS = 20
CANCELLED_SHARE = 0.08
EXPORT_RUNS = 2  # Excel exports of each whole dashboard (analytics.exports), timed
SLOW_MS = 10_000  # a warm-up slower than this: one timed run only

# Dashboards by URL name; a name missing from the URLconf is reported, not measured.
DASHBOARDS = ["analytics:classes", "analytics:training", "analytics:reach", "open_data:index"]
OPEN_DATA_FILE = "open_data:file"

AGE_WEIGHTS = {"under60": 6, "60s": 10, "65-69": 18, "70s": 26, "75-79": 22, "80+": 18}
DEVICE_WEIGHTS = {"iphone": 45, "android": 40, "none": 15}
FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
GIVEN = ["健", "花子", "翔", "美咲", "大輔", "由美", "誠", "陽子", "隆", "恵"]
# Residents by age band in each 町名 (roughly a 290,000-person ward).
POPULATION_BANDS = [(0, 17, 1_300), (18, 39, 5_200), (40, 64, 4_800), (65, None, 2_900)]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="people-sized counts × this")
    parser.add_argument("--runs", type=int, default=5, help="timed requests per URL")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--no-template",
        action="store_true",
        help="migrate from scratch; neither read nor keep the migrated template database",
    )
    # Internal: measure one URL in this (fresh) process and print its figures.
    parser.add_argument("--measure", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--open-data", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--export", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale <= 0 or args.scale > 10:
        parser.error("--scale must be above 0 and at most 10")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def bench_database_url(server_url: str) -> str:
    """Our own database on the server of ``server_url``: bench_analytics_<pid>."""
    parts = urlsplit(server_url)
    return parts._replace(path=f"/bench_analytics_{os.getpid()}").geturl()


def migrations_fingerprint() -> str:
    """A hash of every migration file of the project and the installed Django and Wagtail."""
    import django
    import wagtail

    digest = hashlib.sha256(f"{django.__version__} {wagtail.__version__}".encode())
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def create_database(database_url: str, *, use_template: bool) -> tuple[str, str | None]:
    """Create our database, from the migrated template when one matches the migrations.

    Migrating takes a minute or more; the template (``bench_analytics_tpl_<fingerprint>``) is
    an empty, migrated database kept on the server between runs. Returns our database's name
    and the template's name when it still has to be made (after migrating ours).
    """
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    if not use_template:
        return ensure_database(database_url, fresh=True), None
    template = f"{TEMPLATE_PREFIX}{migrations_fingerprint()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        stale = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
            [TEMPLATE_PREFIX + "%", template],
        ).fetchall()
        for (old,) in stale:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(old))
            )
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
        if exists:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
            return name, None
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name, template


def save_template(database_url: str, template: str) -> None:
    """Copy our freshly migrated (still empty) database as the template of the next runs."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(template), sql.Identifier(parts.path.lstrip("/"))
            )
        )


def setup(database_url: str) -> None:
    os.environ.update(bench_env(database_url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def scaled(count: int, scale: float) -> int:
    return max(1, round(count * scale))


# --- Build -------------------------------------------------------------------------------------


def build(rng: random.Random, scale: float) -> dict[str, Any]:
    """Create the data set; return what the build made, for the JSON."""
    from django.utils import timezone

    from learning.fiscal import fiscal_year

    now = timezone.now()
    current = fiscal_year(now)
    counts: dict[str, Any] = {"fiscal_years": [current - 1, current]}
    staff, departments, lessons, courses = _build_staff(rng, scale, current, now, counts)
    _build_training(rng, scale, current, now, staff, courses, counts)
    trainers = staff[:TRAINERS]
    _build_classes(rng, scale, current, now, trainers, counts)
    _build_population(counts)
    _build_xapi(scale, staff, lessons, current, counts)
    _build_admin()
    counts["departments"] = len(departments)
    return counts


def _build_staff(rng, scale, current, now, counts):
    from django.contrib.auth.models import Group

    from accounts.models import Department, User
    from accounts.permissions import sync_role_groups
    from accounts.roles import GROUP_NAMES, Role

    sync_role_groups()
    tz = dt.timezone(dt.timedelta(hours=9))
    # 60 departments: 6 部 with 9 課 each (a tree).
    departments, sections = [], []
    for d in range(DIVISIONS):
        division = Department.objects.create(
            code=f"{d + 1:02d}", name=f"第{d + 1}部", kind=Department.Kind.DIVISION
        )
        departments.append(division)
        for s in range(SECTIONS_PER_DIVISION):
            section = Department.objects.create(
                code=f"{d + 1:02d}{s + 1:02d}",
                name=f"第{d + 1}部 第{s + 1}課",
                kind=Department.Kind.SECTION,
                parent=division,
            )
            sections.append(section)
    departments += sections

    n_staff = scaled(STAFF, scale)
    first_day = dt.date(current - 9, 4, 1)
    span = (now.date() - first_day).days
    people = []
    for n in range(n_staff):
        joined = first_day + dt.timedelta(days=rng.randrange(span))
        people.append(
            User(
                email=f"staff{n:05d}@bench.example.jp",
                password="!",
                last_name=FAMILY[n % len(FAMILY)],
                first_name=GIVEN[(n // len(FAMILY)) % len(GIVEN)],
                last_name_kana="トシマ",
                first_name_kana=f"ショクイン{n:05d}",
                employee_number=f"{300000 + n}",
                department=sections[n % len(sections)],
                department_since=joined,
                date_joined=dt.datetime.combine(joined, dt.time(9), tzinfo=tz),
                is_active=rng.random() >= 0.02,
            )
        )
    people = User.objects.bulk_create(people, batch_size=2000)
    staff_group = Group.objects.get(name=GROUP_NAMES[Role.STAFF])
    trainer_group = Group.objects.get(name=GROUP_NAMES[Role.TRAINER])
    through = User.groups.through
    links = [through(user_id=u.pk, group_id=staff_group.pk) for u in people]
    links += [through(user_id=u.pk, group_id=trainer_group.pk) for u in people[:TRAINERS]]
    through.objects.bulk_create(links, batch_size=5000)
    counts["staff"] = n_staff

    lessons, courses = staff_courses()
    return people, departments, lessons, courses


def _build_training(rng, scale, current, now, staff, courses, counts):
    from learning.fiscal import fiscal_year_span
    from learning.models import CourseCompletion
    from training.models import Cohort, CohortCourse, CohortMember, TrainingRequirement

    fixed = TrainingRequirement.DueRule.FIXED_DATE
    after = TrainingRequirement.DueRule.DAYS_AFTER_JOINING
    annual = TrainingRequirement.Recurrence.ANNUAL
    once = TrainingRequirement.Recurrence.ONCE
    specs = [
        {"all_staff": True, "due_rule": fixed, "due_month": 9, "due_day": 30, "recurrence": annual},
        {
            "all_staff": True,
            "due_rule": after,
            "due_days": 60,
            "recurrence": annual,
            "grace_days": 14,
        },
        {
            "all_staff": True,
            "due_rule": fixed,
            "due_month": 12,
            "due_day": 31,
            "recurrence": annual,
        },
        {"all_staff": True, "due_rule": fixed, "due_month": 3, "due_day": 31, "recurrence": once},
        {"all_staff": True, "due_rule": after, "due_days": 90, "recurrence": once},
    ]
    for course, fields in zip(courses, specs, strict=True):
        TrainingRequirement.objects.create(course=course, **fields)

    # Each person completes each course in each of the two years with a department-dependent
    # likelihood (so the heat map has contrast), never in the future.
    completions = []
    for year in (current - 1, current):
        start, end = fiscal_year_span(year)
        end = min(end, now)
        seconds = int((end - start).total_seconds())
        for person in staff:
            share = 0.45 + (person.department_id % 10) * 0.05
            for course in courses:
                if rng.random() < share:
                    when = start + dt.timedelta(seconds=rng.randrange(seconds))
                    completions.append(
                        CourseCompletion(
                            user_id=person.pk,
                            course_id=course.pk,
                            course_title=course.title,
                            completed_at=when,
                            fiscal_year=year,
                            score=float(rng.randrange(60, 101)),
                        )
                    )
    CourseCompletion.objects.bulk_create(completions, batch_size=5000)
    counts["course_completions"] = len(completions)

    cohort = Cohort.objects.create(name="寺子屋ICT（ベンチ）", fiscal_year=current)
    for order, course in enumerate(courses[:3]):
        CohortCourse.objects.create(cohort=cohort, course=course, sort_order=order)
    members = rng.sample(staff, min(len(staff), scaled(COHORT_MEMBERS, scale)))
    CohortMember.objects.bulk_create([CohortMember(cohort=cohort, user=u) for u in members])
    counts["cohort_members"] = len(members)


def _curriculum_units() -> dict[str, list[int]]:
    """The smartphone curriculum's units from courses/data, by course code (ids)."""
    from courses.models import CurriculumUnit

    path = ROOT / "courses" / "data" / "digikatsu_smartphone_curriculum.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    units = CurriculumUnit.objects.bulk_create(
        [
            CurriculumUnit(
                track=CurriculumUnit.Track.SMARTPHONE,
                level=row["course_level"],
                course_code=row["course_id"],
                course_title=row["title_ja"],
                title=row["unit"],
                objectives=row["objectives_ja"],
                sort_order=n,
            )
            for n, row in enumerate(rows)
        ],
        ignore_conflicts=True,
    )
    by_code: dict[str, list[int]] = {}
    for unit in CurriculumUnit.objects.filter(track=CurriculumUnit.Track.SMARTPHONE):
        by_code.setdefault(unit.course_code, []).append(unit.pk)
    del units
    return by_code


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _build_classes(rng, scale, current, now, trainers, counts):
    from classes.choices import OUTSIDE_WARD, TOSHIMA_AREAS
    from classes.models import (
        Attendance,
        ClassSeries,
        ClassSession,
        Level,
        Registration,
        SkillCheck,
        Venue,
    )
    from classes.services import make_person_key
    from learning.fiscal import fiscal_year_span

    units = _curriculum_units()
    codes = sorted(units)
    venues = Venue.objects.bulk_create(
        [
            Venue(name=f"区民ひろば ベンチ{n + 1:02d}", area=TOSHIMA_AREAS[n % len(TOSHIMA_AREAS)])
            for n in range(VENUES)
        ]
    )

    # Sessions: series of 4 weekly sessions at one venue, from the previous fiscal year's start
    # to a month from now (the last ones are still to come).
    n_sessions = scaled(SESSIONS, scale)
    n_series = max(1, n_sessions // SESSIONS_PER_SERIES)
    first, _end = fiscal_year_span(current - 1)
    last_start = now + dt.timedelta(days=30 - 7 * SESSIONS_PER_SERIES)
    window = int((last_start - first).total_seconds() // 86400)
    levels = list(Level)
    series = ClassSeries.objects.bulk_create(
        [
            ClassSeries(
                title=f"スマホ教室 {codes[n % len(codes)]} ({n + 1})",
                level=levels[n % len(levels)],
                curriculum_code=codes[n % len(codes)],
                loaner_phones=n % 3 == 0,
            )
            for n in range(n_series)
        ]
    )
    sessions = []
    for n, one in enumerate(series):
        venue = venues[n % VENUES]
        day = first + dt.timedelta(days=rng.randrange(window))
        day = day.replace(hour=1, minute=0, second=0, microsecond=0)  # 10:00 JST
        count = SESSIONS_PER_SERIES if n < n_series - 1 else n_sessions - len(sessions)
        for k in range(count):
            starts = day + dt.timedelta(days=7 * k)
            sessions.append(
                ClassSession(
                    series=one,
                    venue=venue,
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(hours=2),
                    capacity=rng.choice([16, 20, 24]),
                    status=(
                        ClassSession.Status.CANCELLED
                        if rng.random() < 0.02
                        else ClassSession.Status.SCHEDULED
                    ),
                )
            )
    sessions = ClassSession.objects.bulk_create(sessions, batch_size=5000)
    through = ClassSession.trainers.through
    through.objects.bulk_create(
        [
            through(classsession_id=s.pk, user_id=trainers[n % len(trainers)].pk)
            for n, s in enumerate(sessions)
        ],
        batch_size=5000,
    )
    counts.update(venues=VENUES, series=len(series), sessions=len(sessions))

    # Residents: fixed name, phone, age band, 町名 and device each.
    n_residents = scaled(RESIDENTS, scale)
    areas = TOSHIMA_AREAS + [OUTSIDE_WARD]
    residents = []
    for n in range(n_residents):
        name = f"{FAMILY[n % 10]} {GIVEN[(n // 10) % 10]}{n}"
        phone = f"090{n:08d}"
        residents.append(
            (
                name,
                phone,
                make_person_key(name, phone),
                _weighted(rng, AGE_WEIGHTS),
                areas[rng.randrange(len(areas))] if rng.random() < 0.97 else OUTSIDE_WARD,
                _weighted(rng, DEVICE_WEIGHTS),
            )
        )
    counts["residents"] = n_residents

    # Bookings: each picks a session; within a session, distinct people, confirmed up to the
    # capacity then waiting; some cancelled (no seat).
    n_bookings = scaled(BOOKINGS, scale)
    per_session = [0] * len(sessions)
    for _ in range(n_bookings):
        per_session[rng.randrange(len(sessions))] += 1
    registrations = []
    number = 0
    for session, wanted in zip(sessions, per_session, strict=True):
        seat = 0
        for index in rng.sample(range(n_residents), min(wanted, n_residents)):
            name, phone, key, age, area, device = residents[index]
            number += 1
            created = session.starts_at - dt.timedelta(days=rng.randrange(1, 40))
            if rng.random() < CANCELLED_SHARE:
                status, seat_no, cancelled = Registration.Status.CANCELLED, None, created
            elif seat < session.capacity:
                seat += 1
                status, seat_no, cancelled = Registration.Status.CONFIRMED, seat, None
            else:
                status, seat_no, cancelled = Registration.Status.WAITLISTED, None, None
            registrations.append(
                Registration(
                    series_id=session.series_id,
                    session=session,
                    reference=f"B{number:07d}",
                    status=status,
                    seat=seat_no,
                    name=name,
                    name_kana="ベンチ",
                    phone=phone,
                    person_key=key,
                    age_band=age,
                    area=area,
                    device=device,
                    wants_loaner=device == "none" and rng.random() < 0.6,
                    consented_at=created,
                    channel=rng.choice(list(Registration.Channel)),
                    created_at=created,
                    cancelled_at=cancelled,
                )
            )
    registrations = Registration.objects.bulk_create(registrations, batch_size=5000)
    counts["bookings"] = len(registrations)

    # Attendance for confirmed bookings of past, held sessions.
    starts = {s.pk: s for s in sessions}
    held = [
        r
        for r in registrations
        if r.status == Registration.Status.CONFIRMED
        and starts[r.session_id].starts_at < now
        and starts[r.session_id].status == ClassSession.Status.SCHEDULED
    ]
    rng.shuffle(held)
    attended = held[: scaled(ATTENDANCE, scale)]
    statuses = ["present"] * 80 + ["late"] * 8 + ["absent"] * 12
    Attendance.objects.bulk_create(
        [
            Attendance(
                registration=r,
                session_id=r.session_id,
                status=rng.choice(statuses),
                checked_in_at=starts[r.session_id].starts_at,
            )
            for r in attended
        ],
        batch_size=5000,
    )
    counts["attendance"] = len(attended)

    # Skill checks: pre/post pairs on the units of the series' curriculum for attended bookings.
    series_codes = {s.pk: s.curriculum_code for s in series}
    checks = []
    pairs = 0
    target = scaled(SKILL_PAIRS, scale)
    for r in attended:
        if pairs >= target:
            break
        for unit in units[series_codes[r.series_id]][:3]:
            if pairs >= target:
                break
            before = rng.random() < 0.35
            after = before or rng.random() < 0.6
            when = starts[r.session_id].starts_at
            checks.append(
                SkillCheck(
                    registration=r, phase="pre", unit_id=unit, can_do=before, recorded_at=when
                )
            )
            checks.append(
                SkillCheck(
                    registration=r, phase="post", unit_id=unit, can_do=after, recorded_at=when
                )
            )
            pairs += 1
    SkillCheck.objects.bulk_create(checks, batch_size=5000)
    counts["skill_check_pairs"] = pairs


def _build_population(counts):
    """The ward's population by 町名 and age band, if this tree has the model yet."""
    try:
        from analytics.models import PopulationFigure
    except ImportError:
        counts["population_figures"] = "missing (analytics.models.PopulationFigure)"
        return
    from classes.choices import TOSHIMA_AREAS

    rows = [
        PopulationFigure(
            as_of=dt.date(2026, 1, 1),
            town=town,
            age_from=age_from,
            age_to=age_to,
            count=base + 37 * n,
            source="ベンチマーク用の架空の数値",
            licence="bench only",
        )
        for n, town in enumerate(TOSHIMA_AREAS)
        for age_from, age_to, base in POPULATION_BANDS
    ]
    PopulationFigure.objects.bulk_create(rows)
    counts["population_figures"] = len(rows)


def _build_xapi(scale, staff, lessons, current, counts):
    """Attempts and xAPI statements, generated in the database (INSERT ... SELECT)."""
    from django.db import connection

    from learning.fiscal import fiscal_year_span
    from learning.models import Attempt, H5PLibrary, H5PPackage, XapiStatement

    library = H5PLibrary.objects.create(
        machine_name="H5P.MultiChoice", major_version=1, minor_version=16, runnable=True
    )
    package = H5PPackage.objects.create(
        title="ベンチ 理解度テスト", main_library=library, max_score=5
    )
    n_statements = scaled(XAPI_STATEMENTS, scale)
    n_attempts = -(-n_statements // STATEMENTS_PER_ATTEMPT)
    user_ids = [u.pk for u in staff]
    lesson_ids = [lesson.pk for lesson in lessons]
    start, _end = fiscal_year_span(current - 1)
    attempt_table = Attempt._meta.db_table
    xapi_table = XapiStatement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {attempt_table}
                (user_id, lesson_id, package_id, number, started_at, finished_at,
                 completed, passed, score_raw, score_max, scaled)
            SELECT (%(users)s::int[])[1 + g %% %(n_users)s],
                   (%(lessons)s::int[])[1 + (g / %(n_users)s) %% %(n_lessons)s],
                   %(package)s,
                   1 + g / (%(n_users)s * %(n_lessons)s),
                   %(start)s::timestamptz + (g %% 600) * interval '1 day' / 1.2,
                   %(start)s::timestamptz + (g %% 600) * interval '1 day' / 1.2
                       + interval '10 minutes',
                   true, g %% 4 <> 0, (g %% 6)::float, 5, (g %% 6) / 5.0
            FROM generate_series(0, %(n)s - 1) AS g
            """,
            {
                "users": user_ids,
                "n_users": len(user_ids),
                "lessons": lesson_ids,
                "n_lessons": len(lesson_ids),
                "package": package.pk,
                "start": start,
                "n": n_attempts,
            },
        )
        cursor.execute(f"SELECT min(id) FROM {attempt_table}")
        first_attempt = cursor.fetchone()[0]
        cursor.execute(
            f"""
            INSERT INTO {xapi_table}
                (user_id, lesson_id, package_id, attempt_id, verb, object_id, top_level,
                 score_raw, score_max, scaled, success, reported_raw, reported_success,
                 raw, received_at)
            SELECT a.user_id, a.lesson_id, a.package_id, a.id,
                   CASE WHEN s.k = %(per)s - 1 THEN 'completed' ELSE 'answered' END,
                   'https://bench.example.jp/h5p/' || a.package_id
                       || CASE WHEN s.k = %(per)s - 1 THEN '' ELSE '?subContentId=' || s.k END,
                   s.k = %(per)s - 1,
                   (s.g %% 2)::float, 1, (s.g %% 2)::float, s.g %% 2 = 1,
                   (s.g %% 2)::float, s.g %% 2 = 1,
                   jsonb_build_object('verb', 'answered', 'bench', s.g),
                   a.started_at + s.k * interval '1 minute'
            FROM (SELECT g, g %% %(per)s AS k, g / %(per)s AS n
                  FROM generate_series(0, %(n)s - 1) AS g) AS s
            JOIN {attempt_table} AS a ON a.id = %(first)s + s.n
            """,
            {"per": STATEMENTS_PER_ATTEMPT, "n": n_statements, "first": first_attempt},
        )
    counts["attempts"] = n_attempts
    counts["xapi_statements"] = n_statements


def _build_admin() -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group

    from accounts.models import User
    from accounts.roles import GROUP_NAMES, Role

    admin = User.objects.create_user(
        email=ADMIN_EMAIL, password=None, last_name="管理", first_name="者"
    )
    EmailAddress.objects.create(user=admin, email=ADMIN_EMAIL, verified=True, primary=True)
    admin.groups.add(Group.objects.get(name=GROUP_NAMES[Role.ADMIN]))
    TOTP.activate(admin, generate_totp_secret())


# --- Measure -----------------------------------------------------------------------------------


def sign_in(client) -> None:
    """Sign the client in as the bench admin, as the login form does (password, then TOTP)."""
    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from allauth.account.internal.userkit import user_id_to_str
    from allauth.mfa.models import Authenticator

    from accounts.models import User

    user = User.objects.get(email=ADMIN_EMAIL)
    client.force_login(user)
    now = time.time()
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "at": now, "id": totp.pk, "type": totp.type},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
    session.save()


def measure_here(path: str, runs: int, *, open_data: bool) -> dict[str, Any]:
    """Request ``path`` (one warm-up, ``runs`` timed, one counted); this process's peak RSS."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    sign_in(client)

    def get():
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        return response

    started = time.perf_counter()
    get()  # warm-up
    warm_up_ms = (time.perf_counter() - started) * 1000
    # A page that takes many seconds is timed once: the point is made, the run stays short.
    timed_runs = runs if warm_up_ms < SLOW_MS else 1
    times = []
    for _ in range(timed_runs):
        if open_data:
            cache.clear()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = get()
            times.append((time.perf_counter() - started) * 1000)
    slowest = max(queries.captured_queries, key=lambda q: float(q["time"]), default=None)
    figures: dict[str, Any] = {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "runs": timed_runs,
        "queries": len(queries),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "bytes": len(response.content),
    }
    if slowest is not None:
        figures["slowest_query_ms"] = round(float(slowest["time"]) * 1000, 1)
        figures["slowest_query"] = slowest["sql"][:160]
    if open_data:
        cached = []
        for _ in range(runs):
            started = time.perf_counter()
            get()
            cached.append((time.perf_counter() - started) * 1000)
        figures["cached_median_ms"] = round(statistics.median(cached), 1)
    return figures


def measure_export(name: str, runs: int) -> dict[str, Any]:
    """Build the Excel export of a whole dashboard (no filters) as the admin, ``runs`` times."""
    from django.core.files.storage import storages
    from openpyxl import load_workbook

    from accounts.models import User
    from analytics.exports import build_export
    from analytics.models import ExportJob

    admin = User.objects.get(email=ADMIN_EMAIL)
    times, job = [], None
    for _ in range(runs):
        job = ExportJob.objects.create(requested_by=admin, dashboard=name, query="")
        started = time.perf_counter()
        build_export(str(job.pk))
        times.append((time.perf_counter() - started) * 1000)
        job.refresh_from_db()
        if job.status != ExportJob.Status.DONE:
            raise SystemExit(f"export of {name} ended {job.status}: {job.error}")
    return {
        "median_ms": round(statistics.median(times), 1),
        "runs": runs,
        "xlsx_bytes": storages["private"].size(job.file_name),
        "sheets": len(load_workbook(storages["private"].open(job.file_name)).sheetnames),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def measure_in_child(
    database_url: str, path: str, runs: int, *, open_data: bool = False, export: bool = False
) -> dict:
    """Measure one URL (or export) in a fresh process, so its peak RSS is its own."""
    command = [sys.executable, __file__, "--measure", path, "--runs", str(runs)]
    if open_data:
        command.append("--open-data")
    if export:
        command.append("--export")
    env = {**os.environ, "DATABASE_URL": database_url}
    with tempfile.TemporaryDirectory(prefix="bench-analytics-media-") as media:
        env["MEDIA_ROOT"] = media  # export files go here, never into the project's media
        env["PRIVATE_ROOT"] = media
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:]}
    return json.loads(done.stdout)


def targets() -> tuple[dict[str, str], list[str], dict[str, str]]:
    """Dashboard paths by URL name, the missing names, and open-data file paths by file name."""
    from django.urls import NoReverseMatch, reverse

    present, missing, files = {}, [], {}
    for name in DASHBOARDS:
        try:
            present[name] = reverse(name)
        except NoReverseMatch:
            missing.append(name)
    try:
        from analytics.open_data import FILES

        for file_name in FILES:
            files[f"{file_name}.csv"] = reverse(OPEN_DATA_FILE, args=[file_name])
    except (ImportError, NoReverseMatch):
        missing.append(OPEN_DATA_FILE)
    return present, missing, files


def main() -> None:
    args = parse_args()
    server_url = os.environ.get("DATABASE_URL", DEFAULT_SERVER_URL)
    if not server_url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "analytics_scale: DATABASE_URL must point at PostgreSQL "
            "(e.g. postgres://postgres@127.0.0.1:5432/postgres); the benchmark creates and "
            "drops its own database bench_analytics_<pid> on that server."
        )
    if args.measure:
        setup(server_url)
        if args.export:
            print(json.dumps(measure_export(args.measure, args.runs)))
        else:
            print(json.dumps(measure_here(args.measure, args.runs, open_data=args.open_data)))
        return

    database_url = bench_database_url(server_url)
    name, template = create_database(database_url, use_template=not args.no_template)
    try:
        setup(database_url)
        from django.core.management import call_command
        from django.db import connection

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        if template:
            connection.close()
            save_template(database_url, template)
        migrate_s = time.perf_counter() - started
        started = time.perf_counter()
        counts = build(random.Random(SEED), args.scale)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("SELECT current_setting('server_version'), current_setting('jit')")
            version, jit = cursor.fetchone()
        build_s = time.perf_counter() - started
        present, missing, files = targets()
        connection.close()

        dashboards = {
            path: measure_in_child(
                database_url, path, args.runs, open_data=url_name == "open_data:index"
            )
            for url_name, path in present.items()
        }
        open_data = {
            file_name: measure_in_child(database_url, path, args.runs, open_data=True)
            for file_name, path in files.items()
        }
        excel_exports = {
            url_name.split(":")[1]: measure_in_child(
                database_url, url_name.split(":")[1], EXPORT_RUNS, export=True
            )
            for url_name in present
            if url_name.startswith("analytics:")
        }
    finally:
        if not args.keep:
            drop_database(database_url)

    print(
        json.dumps(
            {
                "benchmark": "analytics_scale",
                "database": f"postgresql:{name}",
                "scale": args.scale,
                "runs": args.runs,
                "migrate_seconds": round(migrate_s, 1),
                "build_seconds": round(build_s, 1),
                "peak_rss": "ru_maxrss of a fresh process per URL (Django, imports, requests)",
                "postgresql": {"version": version, "jit": jit},
                "data": counts,
                "dashboards": dashboards,
                "open_data": open_data,
                "excel_exports": excel_exports,
                "missing": missing,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
