"""Benchmark the mandatory-training reports on PostgreSQL: 3,000 staff, 60 departments.

Run with ``.venv/bin/python bench/training_report.py [--runs 15] [--keep] [--profile]``
(``--profile``: a pyinstrument call tree of the timed requests of each page on stderr).

1. Creates its own database (``BENCH_DATABASE_URL``, else ``DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/toshima_bench_training``), dropping an old one of that
   name first, and migrates it.
2. Builds with ``bulk_create``: 60 departments (6 部 with 9 課 each), 3,000 staff (about 2 %
   of them leavers, deactivated), 5 requirements (all staff every year with a fixed due date;
   all staff every year N days after joining; one 部 every year; two 部 once; all staff once),
   40,000 course completions spread over 4 fiscal years (retakes included), lesson reading
   (受講中), exemptions, an admin and the manager of one 部, both with a second factor.
3. Renders with Django's test client, DEBUG off as in production, after a warm-up: the admin's
   department report, the manager's department report, and the manager's drill-down to their
   部 with everyone below it (``scope=all``: each person's status for all 5 requirements),
   ``--runs`` times each. Then マイ学習 (``learning:my_learning``) of a staff member of that 部
   whom all 5 requirements apply to (added by name to the one for two other 部), with a
   completion this year, lessons read and one completed.
4. Prints one JSON object: median and p95 server time in milliseconds (the whole request in
   process: middleware, view, templates; no network), the median CPU time of this process per
   request (``cpu_median_ms``: without PostgreSQL's own time, and less disturbed by a busy
   machine) and the SQL queries per request. Then it
   drops the database (``--keep`` leaves it).

It never touches the project database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from support import (  # noqa: E402
    bench_env,
    drop_database,
    ensure_database,
    percentile,
    profiled,
    staff_courses,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/toshima_bench_training"
STAFF = 3_000
DIVISIONS = 6
SECTIONS_PER_DIVISION = 9  # 6 + 54 = 60 departments
REQUIREMENTS = 5
FISCAL_YEARS = 4
COMPLETIONS = 40_000
LEAVER_SHARE = 0.02
WARM_UP = 2


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed requests per page (≥ 10)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--profile", action="store_true", help="pyinstrument call trees of the timed requests"
    )
    args = parser.parse_args()
    if args.runs < 10:
        parser.error("--runs must be at least 10")
    return args


def setup(database_url: str) -> None:
    os.environ.update(bench_env(database_url))
    # The admin and manager sign in with a second factor, whose secret is stored encrypted
    # (required with DEBUG off): a throwaway key for the scratch database.
    from cryptography.fernet import Fernet

    os.environ.setdefault("MFA_ENCRYPTION_KEYS", Fernet.generate_key().decode("ascii"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build(rng: random.Random) -> dict:
    """Bulk-create the organisation, staff, requirements and completions; return what to view."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.models import Department, User
    from accounts.permissions import sync_role_groups
    from accounts.roles import GROUP_NAMES, Role
    from learning.fiscal import fiscal_year, fiscal_year_span
    from learning.models import CourseCompletion, LessonProgress
    from training.models import RequirementExemption, TrainingRequirement

    sync_role_groups()
    tz = timezone.get_default_timezone()
    now = timezone.now()
    current = fiscal_year(now)
    years = list(range(current - FISCAL_YEARS + 1, current + 1))

    # Courses: one per requirement, each with one lesson (for 受講中).
    lessons, courses = staff_courses()

    # Departments: Department.save builds the path, so 60 plain saves (no bulk_create needed).
    divisions, sections = [], []
    for d in range(DIVISIONS):
        division = Department.objects.create(code=f"{d + 1:02d}", name=f"第{d + 1}部")
        divisions.append(division)
        for s in range(SECTIONS_PER_DIVISION):
            sections.append(
                Department.objects.create(
                    code=f"{d + 1:02d}{s + 1:02d}", name=f"第{d + 1}部 第{s + 1}課", parent=division
                )
            )

    # Staff: spread over the sections, joined in the last ten years.
    first_day = dt.date(current - 9, 4, 1)
    people = []
    for n in range(STAFF):
        joined = first_day + dt.timedelta(days=rng.randrange((now.date() - first_day).days))
        people.append(
            User(
                email=f"staff{n:05d}@bench.example.jp",
                password="!",
                last_name="豊島",
                first_name=f"職員{n}",
                last_name_kana="トシマ",
                first_name_kana=f"ショクイン{n:05d}",
                employee_number=f"{200000 + n}",
                department=sections[n % len(sections)],
                department_since=joined,
                date_joined=dt.datetime.combine(joined, dt.time(9), tzinfo=tz),
                is_active=rng.random() >= LEAVER_SHARE,
            )
        )
    people = User.objects.bulk_create(people, batch_size=1000)
    staff_group = Group.objects.get(name=GROUP_NAMES[Role.STAFF])
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=staff_group.pk) for u in people],
        batch_size=1000,
    )

    fixed, after = (
        TrainingRequirement.DueRule.FIXED_DATE,
        TrainingRequirement.DueRule.DAYS_AFTER_JOINING,
    )
    annual, once = TrainingRequirement.Recurrence.ANNUAL, TrainingRequirement.Recurrence.ONCE
    specs = [
        (
            {
                "all_staff": True,
                "due_rule": fixed,
                "due_month": 9,
                "due_day": 30,
                "recurrence": annual,
            },
            [],
        ),
        (
            {
                "all_staff": True,
                "due_rule": after,
                "due_days": 60,
                "recurrence": annual,
                "grace_days": 14,
            },
            [],
        ),
        ({"due_rule": fixed, "due_month": 12, "due_day": 31, "recurrence": annual}, divisions[:1]),
        ({"due_rule": fixed, "due_month": 3, "due_day": 31, "recurrence": once}, divisions[1:3]),
        ({"all_staff": True, "due_rule": after, "due_days": 90, "recurrence": once}, []),
    ]
    requirements = []
    for course, (fields, departments) in zip(courses, specs, strict=True):
        requirement = TrainingRequirement.objects.create(course=course, **fields)
        requirement.departments.set(departments)
        requirements.append(requirement)

    # Completions: random person, course and fiscal year (retakes happen), never in the future.
    completions = []
    spans = {year: fiscal_year_span(year) for year in years}
    for _ in range(COMPLETIONS):
        person = people[rng.randrange(STAFF)]
        course = courses[rng.randrange(len(courses))]
        year = years[rng.randrange(len(years))]
        start, end = spans[year]
        end = min(end, now)
        when = start + dt.timedelta(seconds=rng.randrange(int((end - start).total_seconds())))
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
    CourseCompletion.objects.bulk_create(completions, batch_size=2000)

    # Reading this year (受講中 for those not yet done) and a few exemptions.
    start, _end = spans[current]
    reading = []
    for person in rng.sample(people, 1500):
        lesson = lessons[rng.randrange(len(lessons))]
        reading.append(
            LessonProgress(
                user_id=person.pk,
                lesson_id=lesson.pk,
                read_at=start + dt.timedelta(days=rng.randrange(1, 60)),
            )
        )
    LessonProgress.objects.bulk_create(reading, ignore_conflicts=True, batch_size=1000)
    RequirementExemption.objects.bulk_create(
        [
            RequirementExemption(
                requirement=requirements[n % 2],
                user_id=person.pk,
                fiscal_year=current,
                reason="育児休業中",
            )
            for n, person in enumerate(rng.sample(people, 40))
        ]
    )

    admin = User.objects.create_user(email="admin@bench.example.jp", password=None)
    admin.groups.add(Group.objects.get(name=GROUP_NAMES[Role.ADMIN]))
    manager = User.objects.create_user(email="bucho@bench.example.jp", password=None)
    manager.groups.add(staff_group)
    divisions[0].managers.add(manager)
    for user in (admin, manager):
        TOTP.activate(user, generate_totp_secret())
    return {
        "admin": admin,
        "manager": manager,
        "division": divisions[0],
        "year": current,
        "people": people,
        "sections": sections,
        "lessons": lessons,
        "courses": courses,
        "requirements": requirements,
    }


def my_learner(world: dict) -> object:
    """A staff member of the first 部 whom all 5 requirements apply to, with some progress.

    Built after the reports are measured and with its own random numbers, so the reports' data
    stays what earlier versions of this benchmark measured.
    """
    from django.utils import timezone

    from learning.fiscal import fiscal_year_span
    from learning.models import CourseCompletion, LessonProgress

    division_sections = {s.pk for s in world["sections"] if s.parent_id == world["division"].pk}
    learner = next(
        p for p in world["people"] if p.is_active and p.department_id in division_sections
    )
    # Every role signs in with a second factor.
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(learner, generate_totp_secret())
    # The once-only requirement for two other 部 names the learner, so all five apply.
    world["requirements"][3].people.add(learner)
    start, _end = fiscal_year_span(world["year"])
    now = timezone.now()
    lessons, courses = world["lessons"], world["courses"]
    CourseCompletion.objects.filter(user=learner, fiscal_year=world["year"]).delete()
    CourseCompletion.objects.create(
        user=learner,
        course=courses[0],
        course_title=courses[0].title,
        completed_at=start + dt.timedelta(days=20),
        fiscal_year=world["year"],
        score=90.0,
    )
    LessonProgress.objects.filter(user=learner).delete()
    LessonProgress.objects.bulk_create(
        [
            LessonProgress(user=learner, lesson=lessons[1], read_at=now - dt.timedelta(days=3)),
            LessonProgress(user=learner, lesson=lessons[2], read_at=now - dt.timedelta(days=2)),
            LessonProgress(
                user=learner,
                lesson=lessons[3],
                read_at=now - dt.timedelta(days=1),
                completed_at=now - dt.timedelta(hours=20),
            ),
        ]
    )
    return learner


def measure(client, url: str, runs: int, *, profile: bool = False) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UP):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times, cpu = [], []
    if profile:
        sys.stderr.write(f"\n=== {url} ===\n")
    with profiled(profile):
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "queries": len(queries),
        "html_bytes": len(response.content),
    }


def main() -> None:
    args = parse_args()
    database_url = os.environ.get(
        "BENCH_DATABASE_URL", os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    if not database_url.startswith("postgres"):
        sys.exit("DATABASE_URL must point at PostgreSQL for this benchmark.")
    name = ensure_database(database_url, fresh=True)
    try:
        setup(database_url)
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        world = build(random.Random(20260401))
        build_s = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        year = world["year"]
        report = f"{reverse('training:report')}?year={year}"
        drill = reverse("training:department", args=[world["division"].pk])
        drill = f"{drill}?year={year}&scope=all"
        admin, manager = Client(), Client()
        admin.force_login(world["admin"])
        manager.force_login(world["manager"])
        figures = {
            "admin_report": measure(admin, report, args.runs, profile=args.profile),
            "manager_report": measure(manager, report, args.runs, profile=args.profile),
            "manager_department": measure(manager, drill, args.runs, profile=args.profile),
        }
        learner = Client()
        learner.force_login(my_learner(world))
        figures["my_learning"] = measure(
            learner, reverse("learning:my_learning"), args.runs, profile=args.profile
        )
        from accounts.models import Department, User
        from learning.models import CourseCompletion
        from training.models import TrainingRequirement

        counts = {
            "staff": User.objects.filter(employee_number__isnull=False).count(),
            "leavers": User.objects.filter(employee_number__isnull=False, is_active=False).count(),
            "departments": Department.objects.count(),
            "requirements": TrainingRequirement.objects.count(),
            "fiscal_years": FISCAL_YEARS,
            "completions": CourseCompletion.objects.count(),
            "manager_scope_staff": User.objects.filter(
                department__in=world["division"].subtree()
            ).count(),
        }
        connection.close()
    finally:
        if not args.keep:
            drop_database(database_url)

    print(
        json.dumps(
            {
                "benchmark": "training_report",
                "database": f"postgresql:{name}",
                **counts,
                "fiscal_year": year,
                "runs": args.runs,
                "build_s": round(build_s, 1),
                **figures,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
