"""Load demo data: real venues and curricula, the home page, one demo user per role.

Idempotent: every object is found by a natural key and only created or updated.

Refused, changing nothing (``check_may_seed``), where demo data must never land:

- with DEBUG off (production settings), unless ``--allow-production-demo`` is given: the demo
  accounts' passwords are published, and the first to sign in as the demo admin would enrol
  their own second factor;
- on a database holding users seed_demo did not create, unless it has seeded that database
  before (``make run`` runs it on every start, also after people signed up on the demo).
  seed_demo's users are known by e-mail AND employee number together (DEMO_USERS and the
  analytics demo's staff): sign-up sets no employee number, so an account registered under a
  demo address does not pass for one, and a database seeded before holds the demo admin.
"""

from __future__ import annotations

import csv
from datetime import time, timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import Department, User
from accounts.permissions import sync_role_groups
from accounts.roles import GROUP_NAMES, Role
from base.homepage import HOME_LEAD, HOME_TITLE
from base.models import HomePage
from classes.models import ClassSeries, Level, Registration, Venue
from classes.services import BookingRequest, allocate_seat, create_series_sessions
from classes.venue_import import import_venues
from courses.models import CurriculumUnit
from demo.analytics import STAFF, seed_analytics_demo, staff_identity
from demo.courses import import_demo_packages, seed_course_pages
from demo.training import seed_current_training

# Demo only: documented in the README, printed by the command, never for production data.
DEMO_USERS = [
    # email, password, family, given, kana family, kana given, role, employee number
    (
        "admin@example.jp",
        "demo-admin-2026",
        "豊島",
        "管理",
        "トシマ",
        "カンリ",
        Role.ADMIN,
        "900001",
    ),
    (
        "trainer@example.jp",
        "demo-trainer-2026",
        "池袋",
        "講師",
        "イケブクロ",
        "コウシ",
        Role.TRAINER,
        "900002",
    ),
    (
        "counter@example.jp",
        "demo-counter-2026",
        "巣鴨",
        "窓口",
        "スガモ",
        "マドグチ",
        Role.COUNTER,
        "900003",
    ),
    (
        "staff@example.jp",
        "demo-staff-2026",
        "目白",
        "職員",
        "メジロ",
        "ショクイン",
        Role.STAFF,
        "900004",
    ),
]

DEMO_DEPARTMENTS = [
    # code, name, kind, parent code
    ("10", "政策経営部", Department.Kind.DIVISION, None),
    ("1010", "情報管理課", Department.Kind.SECTION, "10"),
    ("1020", "DX推進担当課", Department.Kind.SECTION, "10"),
    ("20", "区民部", Department.Kind.DIVISION, None),
    ("2010", "区民活動推進課", Department.Kind.SECTION, "20"),
]


# Demo classes, one per level; the sessions start in the coming weeks, counted from the day
# seed_demo first runs. A class whose title exists is left alone (idempotent).
DEMO_CLASSES = [
    {
        "title": "はじめてのスマホ（電源・画面の操作）",
        "level": Level.FIRST,
        "curriculum_code": "B01",
        "description": "電源の入れ方、画面の操作、音量と充電。スマホを初めて使う方向けです。",
        "booking_mode": ClassSeries.BookingMode.WHOLE_SERIES,
        "loaner_phones": True,
        "partner": "携帯電話会社（デモ）",
        "what_to_bring": "お持ちのスマホ（ない方は貸出用をご用意します）、老眼鏡",
        "venue": "区民ひろば駒込",
        "weekday": 1,  # Tuesday
        "start": time(10),
        "end": time(12),
        "count": 4,
        "interval": 7,
        "capacity": 12,
        # (booking number, channel, e-mail); the number picks a made-up name and phone.
        "bookings": [(1, "web", "demo1@example.jp"), (2, "web", ""), (3, "phone", "")],
    },
    {
        "title": "LINEで家族と連絡しよう",
        "level": Level.BASIC,
        "curriculum_code": "B07",
        "description": "トーク、写真の送り方、ビデオ通話。",
        "booking_mode": ClassSeries.BookingMode.PER_SESSION,
        "loaner_phones": False,
        "partner": "",
        "what_to_bring": "LINE を入れたスマホ",
        "venue": "区民ひろば南池袋",
        "weekday": 3,  # Thursday
        "start": time(14),
        "end": time(16),
        "count": 3,
        "interval": 7,
        "capacity": 4,
        # Six people for four seats: the first session is full with two on the waitlist.
        "bookings": [
            (4, "web", ""),
            (5, "phone", ""),
            (6, "web", ""),
            (7, "phone", ""),
            (8, "web", ""),
            (9, "phone", ""),
        ],
    },
    {
        "title": "マイナポータルを使ってみよう",
        "level": Level.ADVANCED,
        "curriculum_code": "A02",
        "description": "マイナポータルへのログインと、自分の情報の確かめ方。",
        "booking_mode": ClassSeries.BookingMode.PER_SESSION,
        "loaner_phones": False,
        "partner": "",
        "what_to_bring": "マイナンバーカード、暗証番号（数字4けた）、お持ちのスマホ",
        "venue": "区民ひろば要",
        "weekday": 4,  # Friday
        "start": time(10),
        "end": time(12),
        "count": 2,
        "interval": 14,
        "capacity": 10,
        "bookings": [(10, "web", ""), (11, "phone", "")],
    },
]
DEMO_AREAS = ["駒込", "南池袋", "要町", "巣鴨", "池袋本町", "目白"]
# The exit status of a refusal (as the import commands use).
REFUSED = 2


def demo_identities() -> set[tuple[str, str]]:
    """(e-mail, employee number) of every user seed_demo creates."""
    users = {(email, number) for email, _pw, *_rest, number in DEMO_USERS}
    return users | {staff_identity(n) for n in range(1, STAFF + 1)}


def foreign_user_count() -> int:
    """Users seed_demo did not create (a demo address with another number counts)."""
    known = demo_identities()
    emails = {email for email, _number in known}
    others = User.objects.exclude(email__in=emails).count()
    lookalikes = User.objects.filter(email__in=emails).values_list("email", "employee_number")
    return others + sum(1 for pair in lookalikes if pair not in known)


def seeded_before() -> bool:
    """Whether seed_demo has seeded this database: its admin is there, with its number."""
    email, _password, *_rest, number = DEMO_USERS[0]
    return User.objects.filter(email=email, employee_number=number).exists()


def check_may_seed(*, allow_production_demo: bool) -> None:
    """Raise CommandError where demo data must not be loaded; reads only."""
    if not settings.DEBUG and not allow_production_demo:
        raise CommandError(
            "DEBUG が無効（本番の設定）なので、デモ用データは読み込みません。デモ用アカウントの"
            "パスワードは公開されています。デモ用のサーバーに限り --allow-production-demo を"
            "付けて実行してください。何も変更していません。 / "
            "DEBUG is off (production settings), so no demo data is loaded: the demo accounts' "
            "passwords are published. Only on a demonstration server, run it with "
            "--allow-production-demo. Nothing was changed.",
            returncode=REFUSED,
        )
    count = foreign_user_count()
    if count and not seeded_before():
        raise CommandError(
            f"このデータベースには seed_demo が作成していない利用者が {count} 人います。"
            "本番などのデータベースの可能性があるため、デモ用データは読み込みません。"
            "空のデータベースで実行してください。何も変更していません。 / "
            f"This database holds {count} user(s) that seed_demo did not create: it may be a "
            "production database, so no demo data is loaded. Run it on an empty database. "
            "Nothing was changed.",
            returncode=REFUSED,
        )


def _data_path(app_label: str, name: str) -> Path:
    return Path(apps.get_app_config(app_label).path) / "data" / name


class Command(BaseCommand):
    help = (
        "デモ用データを読み込みます（何度実行しても同じ結果になります）。 / "
        "Load demo data (idempotent)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production-demo",
            action="store_true",
            help=(
                "DEBUG が無効でも実行します（デモ用のサーバーに限る）。 / "
                "Run although DEBUG is off (demonstration servers only)."
            ),
        )

    def handle(self, *args, **options) -> None:
        check_may_seed(allow_production_demo=options["allow_production_demo"])
        # Before the block below: each package import is its own durable transaction.
        packages, problems = import_demo_packages()
        with transaction.atomic():
            sync_role_groups()
            home = self._home_page()
            venues = self._venues()
            units = self._curricula()
            course_pages = seed_course_pages(home, packages)
            departments = self._departments()
            users = self._users()
        # Outside the block above: allocate_seat opens its own durable transaction.
        classes = self._classes()
        analytics = seed_analytics_demo()
        training = seed_current_training()
        self.stdout.write(
            f"Home page: {home.title}. Venues: {venues}. Curriculum units: {units}. "
            f"Departments: {departments}. Demo users: {users}. Demo classes: {classes}. "
            f"Course pages: {course_pages}. Demo H5P packages: {len(packages)}."
        )
        self.stdout.write(
            f"Analytics demo: population figures {analytics['population']} (c. 2016), "
            f"past classes {analytics['series']} in FY{analytics['fiscal_year']}, "
            f"venues with a 町名 {analytics['venues']}, "
            f"training completions {analytics['completions']}."
        )
        self.stdout.write(
            f"Training this fiscal year: requirements {training['requirements']}, "
            f"寺子屋ICT members {training['cohort_members']}."
        )
        for problem in problems:
            self.stderr.write(f"デモ用H5Pを登録できませんでした / Demo H5P not stored: {problem}")
        self.stdout.write("")
        self.stdout.write(
            "デモ用ログイン（本番では使用しないでください） / Demo logins (demo only):"
        )
        for email, password, *_rest, role, _number in DEMO_USERS:
            self.stdout.write(f"  {role.label:<4} {email:<22} {password}")

    def _home_page(self) -> HomePage:
        home = HomePage.objects.first()
        if home is None:  # the data migration creates it; an admin may have deleted it
            from wagtail.models import Page, Site

            home = Page.get_first_root_node().add_child(
                instance=HomePage(title=HOME_TITLE, slug="home", lead=HOME_LEAD)
            )
            Site.objects.update_or_create(
                is_default_site=True,
                defaults={"hostname": "localhost", "root_page": home, "site_name": HOME_TITLE},
            )
        return home

    def _venues(self) -> int:
        """The 26 区民ひろば of classes/data through the venue importer (temporary and former
        sites left out); an older seed's research notes (the old file's ``note`` column, once
        loaded into 行き方) are cleared."""
        import_venues(_data_path("classes", "toshima_kumin_hiroba_full.csv").read_bytes())
        with _data_path("classes", "toshima_kumin_hiroba.csv").open(encoding="utf-8") as fh:
            old_notes = {row["note"].strip() for row in csv.DictReader(fh)} - {""}
        Venue.objects.filter(access__in=old_notes).update(access="")
        return Venue.objects.filter(is_active=True).count()

    def _curricula(self) -> int:
        count = 0
        path = _data_path("courses", "digikatsu_smartphone_curriculum.csv")
        with path.open(encoding="utf-8") as fh:
            for order, row in enumerate(csv.DictReader(fh)):
                CurriculumUnit.objects.update_or_create(
                    course_code=row["course_id"],
                    title=row["unit"],
                    defaults={
                        "track": CurriculumUnit.Track.SMARTPHONE,
                        "level": row["course_level"],
                        "course_title": row["title_ja"],
                        "objectives": row["objectives_ja"],
                        "audience": "区民",
                        "evidence_level": row["evidence_level"],
                        "source": row["evidence"],
                        "sort_order": order,
                    },
                )
                count += 1
        path = _data_path("courses", "municipal_infosec_training_topics.csv")
        with path.open(encoding="utf-8") as fh:
            for order, row in enumerate(csv.DictReader(fh)):
                CurriculumUnit.objects.update_or_create(
                    course_code=row["unit_id"],
                    title=row["unit_ja"],
                    defaults={
                        "track": CurriculumUnit.Track.SECURITY,
                        "level": "",
                        "course_title": "情報セキュリティ研修",
                        "objectives": row["objectives_ja"],
                        "audience": row["audience"],
                        "source": row["basis"],
                        "sort_order": order,
                    },
                )
                count += 1
        return count

    def _departments(self) -> int:
        by_code: dict[str, Department] = {}
        for code, name, kind, parent_code in DEMO_DEPARTMENTS:
            dept, _created = Department.objects.get_or_create(
                code=code,
                defaults={"name": name, "kind": kind, "parent": by_code.get(parent_code)},
            )
            by_code[code] = dept
        return len(by_code)

    def _users(self) -> int:
        from django.contrib.auth.models import Group

        department = Department.objects.get(code="1020")
        for email, password, family, given, kana_f, kana_g, role, number in DEMO_USERS:
            user, created = User.objects.get_or_create(
                email=email,
                defaults={
                    "last_name": family,
                    "first_name": given,
                    "last_name_kana": kana_f,
                    "first_name_kana": kana_g,
                    "employee_number": number,
                    "department": department,
                },
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=GROUP_NAMES[role]))
            self._verify_email(user)
        return len(DEMO_USERS)

    def _classes(self) -> int:
        """Demo classes with sessions in the coming weeks and a few bookings."""
        trainer = User.objects.get(email="trainer@example.jp")
        counter = User.objects.get(email="counter@example.jp")
        today = timezone.localdate()
        for spec in DEMO_CLASSES:
            if ClassSeries.objects.filter(title=spec["title"]).exists():
                continue
            venue = Venue.objects.filter(name=spec["venue"]).first()
            if venue is None:  # an admin renamed or removed it
                continue
            with transaction.atomic():
                series = ClassSeries.objects.create(
                    title=spec["title"],
                    level=spec["level"],
                    curriculum_code=spec["curriculum_code"],
                    description=spec["description"],
                    booking_mode=spec["booking_mode"],
                    loaner_phones=spec["loaner_phones"],
                    partner=spec["partner"],
                    what_to_bring=spec["what_to_bring"],
                )
                # The first such weekday at least a week from today.
                first = today + timedelta(days=7 + (spec["weekday"] - today.weekday()) % 7)
                plan = create_series_sessions(
                    series,
                    venue=venue,
                    first_date=first,
                    start=spec["start"],
                    end=spec["end"],
                    count=spec["count"],
                    capacity=spec["capacity"],
                    interval_days=spec["interval"],
                    trainers=[trainer],
                )
            target = series if series.is_whole_series else plan.sessions[0]
            for number, channel, email in spec["bookings"]:
                allocate_seat(
                    target,
                    _demo_booking(number, email),
                    channel=channel,
                    created_by=counter if channel != Registration.Channel.WEB else None,
                )
        return ClassSeries.objects.filter(title__in=[c["title"] for c in DEMO_CLASSES]).count()

    def _verify_email(self, user: User) -> None:
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )


def _demo_booking(number: int, email: str = "") -> BookingRequest:
    """A made-up resident (090-0000-00xx numbers are not in service)."""
    return BookingRequest(
        name=f"デモ 利用者{number}",
        name_kana="でも りようしゃ",
        phone=f"090-0000-{number:04d}",
        age_band=Registration.AgeBand.AGE_70S,
        area=DEMO_AREAS[number % len(DEMO_AREAS)],
        device=Registration.Device.ANDROID if number % 2 else Registration.Device.IPHONE,
        wants_loaner=number == 2,
        email=email,
        consent=True,
    )
