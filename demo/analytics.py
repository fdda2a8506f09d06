"""Demo data for the dashboards: population, past classes, staff training.

``seed_analytics_demo`` is called by ``seed_demo`` after the demo users, venues, curricula and
course pages exist. Everything is deterministic (``random.Random(SEED)``, dates counted from
the start of the fiscal year before the current one) and idempotent: each part is skipped when
its marker rows exist. Demo classes carry 「（デモ）」 in their titles, demo residents are
「デモ 区民NNN」 with 090-0001-NNNN numbers (not in service), demo staff
demo.staffNNN@example.jp.

Past sessions cannot be booked through ``classes.services.allocate_seat`` (it refuses the
past), so their bookings are written directly with the same rules: seats numbered from 1,
never more confirmed bookings than seats, one live booking per person and class, attendance
and skill checks only for confirmed bookings.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import Department, User
from accounts.roles import GROUP_NAMES, Role
from analytics.models import PopulationFigure
from analytics.population import C2016_AS_OF, C2016_NOTE, import_population
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
from courses.models import CoursePage, CurriculumUnit
from demo.courses import SECURITY_SLUG
from learning.fiscal import fiscal_year, fiscal_year_dates
from learning.models import CourseCompletion
from training.models import Cohort, CohortCourse, CohortMember, TrainingRequirement

SEED = 20251
DEMO_MARK = "（デモ）"
POPULATION_FILE = "toshima_pop_chome_agegroups_c2016.csv"
POPULATION_SOURCE = (
    "github xiushu53/toshima_pop toshima_jinko_rate.csv（2017年1月公開。"
    "出典・基準日の記載なし） / source and reference date not stated"
)
POPULATION_LICENCE = "記載なし（デモ用） / none stated (demo only)"

# The venues of the past demo classes, with their 町名 (given by the venue import since issue 14;
# kept here so an older database gets them too).
VENUE_AREAS = {
    "区民ひろば西巣鴨第一": "西巣鴨",
    "区民ひろば富士見台": "南長崎",
    "区民ひろば南池袋": "南池袋",
    "区民ひろば要": "要町",
    "区民ひろば駒込": "駒込",
    "区民ひろば西池袋": "西池袋",
}
RESIDENTS = 600
SERIES_PER_VENUE = 12
AGE_WEIGHTS = {
    Registration.AgeBand.UNDER_60: 4,
    Registration.AgeBand.AGE_60S: 8,
    Registration.AgeBand.AGE_65_69: 18,
    Registration.AgeBand.AGE_70S: 28,
    Registration.AgeBand.AGE_75_79: 24,
    Registration.AgeBand.AGE_80_PLUS: 18,
}
SKIPPED_CODES = {"A06"}  # マイナポイント: the programme has ended
HELP_SESSION = "スマホなんでも相談会"

DEMO_DEPARTMENTS = [
    # code, name, kind, parent code (seed_demo creates 10/1010/1020/20/2010)
    ("1030", "広報課", Department.Kind.SECTION, "10"),
    ("2020", "戸籍住民課", Department.Kind.SECTION, "20"),
    ("30", "保健福祉部", Department.Kind.DIVISION, None),
    ("3010", "高齢者福祉課", Department.Kind.SECTION, "30"),
    ("3020", "介護保険課", Department.Kind.SECTION, "30"),
    ("40", "都市整備部", Department.Kind.DIVISION, None),
    ("4010", "都市計画課", Department.Kind.SECTION, "40"),
    ("4020", "道路整備課", Department.Kind.SECTION, "40"),
    ("50", "子ども家庭部", Department.Kind.DIVISION, None),
    ("5010", "子育て支援課", Department.Kind.SECTION, "50"),
]
# Share of each section's staff who completed the security training in the past year.
COMPLETION_RATE = {
    "1010": 0.98,
    "1020": 0.95,
    "1030": 0.9,
    "2010": 0.85,
    "2020": 0.7,
    "3010": 0.8,
    "3020": 0.62,
    "4010": 0.75,
    "4020": 0.55,
    "5010": 0.88,
}
STAFF = 90


def staff_identity(n: int) -> tuple[str, str]:
    """E-mail and employee number of demo staff member ``n`` (1 to STAFF)."""
    return f"demo.staff{n:03d}@example.jp", f"95{n:04d}"


FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
FAMILY_KANA = ["サトウ", "スズキ", "タカハシ", "タナカ", "イトウ", "ワタナベ", "ヤマモト"]
FAMILY_KANA += ["ナカムラ", "コバヤシ", "カトウ"]
GIVEN = ["健", "花子", "翔", "美咲", "大輔", "由美", "誠", "陽子", "隆", "恵"]
GIVEN_KANA = ["ケン", "ハナコ", "ショウ", "ミサキ", "ダイスケ", "ユミ", "マコト", "ヨウコ"]
GIVEN_KANA += ["タカシ", "メグミ"]
REQUIREMENT_TITLE = "情報セキュリティ研修（全職員・毎年度）"
COHORT_NAME = "寺子屋ICT（デモ）"
COHORT_COURSES = ["b05", "b10", "a09"]


@dataclass(frozen=True)
class Resident:
    number: int
    name: str
    kana: str
    phone: str
    person_key: str
    age_band: str
    area: str
    device: str
    email: str


def seed_analytics_demo(today: dt.date | None = None) -> dict[str, int]:
    """Load the demo data of the dashboards; return counts of what exists afterwards."""
    today = today or timezone.localdate()
    year = fiscal_year(today) - 1
    population = _population()
    venues = _venue_areas()
    with transaction.atomic():
        series = _past_classes(year, today)
    with transaction.atomic():
        completions = _training(year, today)
    return {
        "population": population,
        "venues": venues,
        "series": series,
        "completions": completions,
        "fiscal_year": year,
    }


# --- Population ---------------------------------------------------------------------------


def _population() -> int:
    from django.apps import apps

    figures = PopulationFigure.objects.filter(as_of=C2016_AS_OF)
    if not figures.exists():
        path = apps.get_app_config("analytics").path
        import_population(
            f"{path}/data/{POPULATION_FILE}",
            as_of=C2016_AS_OF,
            source=POPULATION_SOURCE,
            licence=POPULATION_LICENCE,
            note=C2016_NOTE,
        )
    return figures.count()


def _venue_areas() -> int:
    for name, area in VENUE_AREAS.items():
        Venue.objects.filter(name=name, area="").update(area=area)
    return Venue.objects.exclude(area="").count()


# --- Classes ------------------------------------------------------------------------------


def _residents(rng: random.Random, local_areas: list[str]) -> list[Resident]:
    bands, weights = list(AGE_WEIGHTS), list(AGE_WEIGHTS.values())
    people = []
    for n in range(1, RESIDENTS + 1):
        if n <= len(TOSHIMA_AREAS):  # every town has residents who come
            area = TOSHIMA_AREAS[n - 1]
        elif rng.random() < 0.03:
            area = OUTSIDE_WARD
        elif rng.random() < 0.5:
            area = rng.choice(local_areas)
        else:
            area = rng.choice(TOSHIMA_AREAS)
        device = rng.choices(
            [Registration.Device.IPHONE, Registration.Device.ANDROID, Registration.Device.NONE],
            weights=[40, 42, 18],
        )[0]
        name = f"デモ 区民{n:03d}"
        phone = f"0900001{n:04d}"
        people.append(
            Resident(
                number=n,
                name=name,
                kana="でも くみん",
                phone=phone,
                person_key=make_person_key(name, phone),
                age_band=rng.choices(bands, weights=weights)[0],
                area=area,
                device=device,
                email=f"demo.resident{n:03d}@example.jp" if rng.random() < 0.3 else "",
            )
        )
    return people


def _topics() -> list[tuple[str, str]]:
    """(curriculum code, course title) of the smartphone curriculum, in its order."""
    seen: dict[str, str] = {}
    units = CurriculumUnit.objects.filter(track=CurriculumUnit.Track.SMARTPHONE).order_by(
        "sort_order"
    )
    for code, title in units.values_list("course_code", "course_title"):
        if code not in SKIPPED_CODES:
            seen.setdefault(code, title)
    return list(seen.items())


def _level(code: str) -> str:
    if code in ("B01", "B02"):
        return Level.FIRST
    return Level.ADVANCED if code.startswith("A") else Level.BASIC


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class _Writer:
    """Collects the rows of the past classes and writes them with bulk_create."""

    def __init__(self, rng: random.Random, trainer: User | None, counter: User | None) -> None:
        self.rng = rng
        self.trainer = trainer
        self.counter = counter
        self.references = 0
        self.registrations: list[Registration] = []
        # (registration index, sessions it attends, series with units, first, last)
        self.plans: list[tuple[int, list[ClassSession], list[CurriculumUnit]]] = []

    def reference(self) -> str:
        self.references += 1
        return f"DM{self.references:05d}"  # 7 characters: never a real 6-character code

    def book(
        self,
        series: ClassSeries,
        session: ClassSession | None,
        people: list[Resident],
        capacity: int,
        opens: dt.datetime,
        cancelled_session: bool = False,
    ) -> list[tuple[int, str]]:
        """Bookings of one target in arrival order; return (index, status) of each."""
        seat = 0
        result = []
        for person in people:
            created = opens + dt.timedelta(hours=self.rng.randint(1, 20 * 24))
            status = Registration.Status.CONFIRMED
            cancelled_at = None
            if cancelled_session or self.rng.random() < 0.08:
                status = Registration.Status.CANCELLED
                cancelled_at = created + dt.timedelta(days=1)
            elif seat >= capacity:
                status = Registration.Status.WAITLISTED
            if status == Registration.Status.CONFIRMED:
                seat += 1
            channel = self.rng.choices(
                [
                    Registration.Channel.WEB,
                    Registration.Channel.PHONE,
                    Registration.Channel.COUNTER,
                ],
                weights=[45, 35, 20],
            )[0]
            wants_loaner = series.loaner_phones and (
                person.device == Registration.Device.NONE or self.rng.random() < 0.05
            )
            self.registrations.append(
                Registration(
                    series=series,
                    session=session,
                    reference=self.reference(),
                    status=status,
                    seat=seat if status == Registration.Status.CONFIRMED else None,
                    name=person.name,
                    name_kana=person.kana,
                    phone=person.phone,
                    person_key=person.person_key,
                    age_band=person.age_band,
                    area=person.area,
                    device=person.device,
                    wants_loaner=wants_loaner,
                    email=person.email,
                    consented_at=created,
                    channel=channel,
                    created_by=self.counter if channel != Registration.Channel.WEB else None,
                    created_at=created,
                    cancelled_at=cancelled_at,
                )
            )
            result.append((len(self.registrations) - 1, status))
        return result


def _past_classes(year: int, today: dt.date) -> int:
    """Demo classes at every demo venue from the start of fiscal ``year`` until yesterday, so
    the dashboards show a whole past year and the current one so far; all in the past."""
    done = ClassSeries.objects.filter(title__startswith=DEMO_MARK)
    if done.exists():
        return done.count()
    venues = list(Venue.objects.filter(name__in=VENUE_AREAS).exclude(area="").order_by("name"))
    topics = _topics()
    if not venues or not topics:
        return 0
    rng = random.Random(SEED)
    people = _residents(rng, sorted({v.area for v in venues}))
    trainer = User.objects.filter(email="trainer@example.jp").first()
    counter = User.objects.filter(email="counter@example.jp").first()
    writer = _Writer(rng, trainer, counter)
    units_of: dict[str, list[CurriculumUnit]] = {}
    for unit in CurriculumUnit.objects.filter(course_code__in=[c for c, _t in topics]):
        units_of.setdefault(unit.course_code, []).append(unit)
    first_day = fiscal_year_dates(year)[0]
    last_day = today - dt.timedelta(days=1)
    months = max(1, (last_day - first_day).days // 30)

    series_rows: list[ClassSeries] = []
    specs = []
    for v_index, venue in enumerate(venues):
        for s_index in range(SERIES_PER_VENUE):
            help_session = s_index == SERIES_PER_VENUE - 1
            code, title = ("", HELP_SESSION) if help_session else rng.choice(topics)
            count = 1 if help_session else rng.choice([1, 2, 2, 3, 4])
            whole = bool(code) and count > 1 and rng.random() < 0.7
            month_offset = (s_index * months // SERIES_PER_VENUE + v_index) % months
            start_day = first_day + dt.timedelta(days=30 * month_offset + rng.randint(0, 20))
            start_day = min(start_day, last_day)
            series_rows.append(
                ClassSeries(
                    title=f"{DEMO_MARK}{title}",
                    description="デモ用の過去の教室です。 / A past class of the demo data.",
                    level=_level(code) if code else Level.FIRST,
                    curriculum_code=code,
                    loaner_phones=rng.random() < 0.5,
                    booking_mode=(
                        ClassSeries.BookingMode.WHOLE_SERIES
                        if whole
                        else ClassSeries.BookingMode.PER_SESSION
                    ),
                    is_published=False,
                    partner="携帯電話会社（デモ）" if rng.random() < 0.3 else "",
                )
            )
            specs.append((venue, count, start_day, rng.choice([8, 10, 12, 12, 16])))
    series_rows = ClassSeries.objects.bulk_create(series_rows)

    session_rows: list[ClassSession] = []
    for series, (venue, count, start_day, capacity) in zip(series_rows, specs, strict=True):
        hour = rng.choice([10, 13, 14])
        for i in range(count):
            day = min(start_day + dt.timedelta(days=7 * i), last_day)
            cancelled = not series.is_whole_series and rng.random() < 0.06
            session_rows.append(
                ClassSession(
                    series=series,
                    venue=venue,
                    starts_at=_aware(day, hour),
                    ends_at=_aware(day, hour + 2),
                    capacity=capacity,
                    status=(
                        ClassSession.Status.CANCELLED
                        if cancelled
                        else ClassSession.Status.SCHEDULED
                    ),
                    cancel_reason="（デモ）講師の都合により中止" if cancelled else "",
                )
            )
    session_rows = ClassSession.objects.bulk_create(session_rows)
    if trainer is not None:
        through = ClassSession.trainers.through
        through.objects.bulk_create(
            [through(classsession_id=s.pk, user_id=trainer.pk) for s in session_rows]
        )
    sessions_of: dict[int, list[ClassSession]] = {}
    for session in session_rows:
        sessions_of.setdefault(session.series_id, []).append(session)

    attend_plan: list[tuple[int, list[ClassSession], list[CurriculumUnit]]] = []
    for series, (venue, _count, _start, capacity) in zip(series_rows, specs, strict=True):
        sessions = sessions_of[series.pk]
        held = [s for s in sessions if s.status == ClassSession.Status.SCHEDULED]
        units = units_of.get(series.curriculum_code, [])
        local = [p for p in people if p.area == venue.area]
        targets = [None] if series.is_whole_series else sessions
        for session in targets:
            demand = round(capacity * rng.uniform(0.5, 1.6))
            chosen: dict[str, Resident] = {}
            while len(chosen) < demand:
                pool = local if local and rng.random() < 0.45 else people
                person = rng.choice(pool)
                chosen.setdefault(person.person_key, person)
            first = (session or sessions[0]).starts_at
            booked = writer.book(
                series,
                session,
                list(chosen.values()),
                capacity,
                opens=first - dt.timedelta(days=28),
                cancelled_session=session is not None
                and session.status == ClassSession.Status.CANCELLED,
            )
            attends = held if session is None else [session] if session in held else []
            # Skill checks pair a booking's first and last session: whole series, or one.
            checked = units if (session is None or len(sessions) == 1) else []
            for index, status in booked:
                if status == Registration.Status.CONFIRMED and attends:
                    attend_plan.append((index, attends, checked))

    registrations = Registration.objects.bulk_create(writer.registrations, batch_size=500)
    attendance: list[Attendance] = []
    checks: list[SkillCheck] = []
    for index, attends, units in attend_plan:
        registration = registrations[index]
        reliable = rng.random() < 0.85
        came: list[ClassSession] = []
        for session in attends:
            roll = rng.random()
            if reliable:
                status = "present" if roll < 0.88 else "late" if roll < 0.96 else "absent"
            else:
                status = "present" if roll < 0.45 else "late" if roll < 0.55 else "absent"
            late = status == Attendance.Status.LATE
            attendance.append(
                Attendance(
                    registration=registration,
                    session=session,
                    status=status,
                    checked_in_at=session.starts_at
                    + dt.timedelta(minutes=15 if late else -rng.randint(1, 15)),
                    recorded_by=trainer,
                )
            )
            if status != Attendance.Status.ABSENT:
                came.append(session)
        if not units or attends[0] not in came or attends[-1] not in came:
            continue
        for unit in units:
            before = rng.random() < 0.3
            after = before or rng.random() < 0.65
            checks.append(
                SkillCheck(
                    registration=registration,
                    phase=SkillCheck.Phase.PRE,
                    unit=unit,
                    can_do=before,
                    recorded_at=attends[0].starts_at + dt.timedelta(minutes=10),
                    recorded_by=trainer,
                )
            )
            checks.append(
                SkillCheck(
                    registration=registration,
                    phase=SkillCheck.Phase.POST,
                    unit=unit,
                    can_do=after,
                    recorded_at=attends[-1].ends_at - dt.timedelta(minutes=10),
                    recorded_by=trainer,
                )
            )
    Attendance.objects.bulk_create(attendance, batch_size=1000)
    SkillCheck.objects.bulk_create(checks, batch_size=1000)
    return len(series_rows)


# --- Staff training -----------------------------------------------------------------------


def _training(year: int, today: dt.date) -> int:
    """Demo staff across departments, the annual security requirement and its completions."""
    course = CoursePage.objects.filter(slug=SECURITY_SLUG).first()
    if course is None:
        return 0
    by_code = {d.code: d for d in Department.objects.all()}
    for code, name, kind, parent in DEMO_DEPARTMENTS:
        if code not in by_code:
            by_code[code], _created = Department.objects.get_or_create(
                code=code, defaults={"name": name, "kind": kind, "parent": by_code.get(parent)}
            )
    requirement = TrainingRequirement.objects.filter(course=course).first()
    if requirement is None:
        requirement = TrainingRequirement.objects.create(
            course=course,
            title=REQUIREMENT_TITLE,
            all_staff=True,
            due_rule=TrainingRequirement.DueRule.FIXED_DATE,
            due_month=12,
            due_day=26,
            recurrence=TrainingRequirement.Recurrence.ANNUAL,
        )
    staff = User.objects.filter(email__startswith="demo.staff", email__endswith="@example.jp")
    if staff.exists():
        return CourseCompletion.objects.filter(user__in=staff).count()

    rng = random.Random(SEED + 1)
    sections = [by_code[code] for code in COMPLETION_RATE if code in by_code]
    joined = dt.date(year - 3, 4, 1)
    people = []
    for n in range(1, STAFF + 1):
        department = sections[(n - 1) % len(sections)]
        f, g = rng.randrange(len(FAMILY)), rng.randrange(len(GIVEN))
        email, employee_number = staff_identity(n)
        user = User(
            email=email,
            employee_number=employee_number,
            last_name=FAMILY[f],
            first_name=GIVEN[g],
            last_name_kana=FAMILY_KANA[f],
            first_name_kana=GIVEN_KANA[g],
            department=department,
            department_since=joined,
            date_joined=_aware(joined, 9),
        )
        user.set_unusable_password()
        people.append(user)
    people = User.objects.bulk_create(people)
    group = Group.objects.get(name=GROUP_NAMES[Role.STAFF])
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=group.pk) for u in people]
    )

    code_of = {department.pk: code for code, department in by_code.items()}
    completions = []
    first_day, last_day = fiscal_year_dates(year)
    due = dt.date(year, 12, 26)
    current_first = last_day + dt.timedelta(days=1)
    for user in people:
        rate = COMPLETION_RATE[code_of[user.department_id]]
        if rng.random() < rate:
            # Most finish in the weeks before the due date; some after it.
            if rng.random() < 0.85:
                day = due - dt.timedelta(days=int(rng.triangular(0, 230, 20)))
            else:
                day = due + dt.timedelta(days=rng.randint(1, (last_day - due).days))
            completions.append(_completion(rng, user, course, max(day, first_day)))
        # The current year so far: fewer, all before today.
        if (today - current_first).days > 14 and rng.random() < rate * 0.6:
            span = (today - current_first).days - 1
            day = current_first + dt.timedelta(days=rng.randint(7, span))
            completions.append(_completion(rng, user, course, day))
    completions += _cohort(rng, year, people[:12])
    CourseCompletion.objects.bulk_create(completions)
    return len(completions)


def _completion(
    rng: random.Random, user: User, course: CoursePage, day: dt.date
) -> CourseCompletion:
    at = _aware(day, rng.randint(9, 17), rng.randint(0, 59))
    return CourseCompletion(
        user=user,
        course=course,
        course_title=course.title,
        completed_at=at,
        fiscal_year=fiscal_year(at),
        score=float(rng.choice([80, 85, 90, 90, 95, 100, 100])),
    )


def _cohort(rng: random.Random, year: int, members: list[User]) -> list[CourseCompletion]:
    """A 寺子屋ICT cohort of the past year: three courses in order, members at every step."""
    catalogue_courses = {p.slug: p for p in CoursePage.objects.filter(slug__in=COHORT_COURSES)}
    path = [catalogue_courses[slug] for slug in COHORT_COURSES if slug in catalogue_courses]
    if not path or Cohort.objects.filter(name=COHORT_NAME, fiscal_year=year).exists():
        return []
    cohort = Cohort.objects.create(
        name=COHORT_NAME,
        fiscal_year=year,
        description="デモ用の期です。 / A demo cohort.",
    )
    CohortCourse.objects.bulk_create(
        [CohortCourse(cohort=cohort, course=c, sort_order=i) for i, c in enumerate(path)]
    )
    start = dt.date(year, 5, 10)
    CohortMember.objects.bulk_create(
        [CohortMember(cohort=cohort, user=u, joined_on=start) for u in members]
    )
    completions = []
    for position, user in enumerate(members):
        steps = len(path) - position % (len(path) + 1)  # 3, 2, 1, 0 steps done, in turn
        day = start
        for course in path[:steps]:
            day = day + dt.timedelta(days=rng.randint(20, 60))
            completions.append(_completion(rng, user, course, day))
    return completions
