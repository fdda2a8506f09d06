"""A small world of classes for the 教室の出席 dashboard, built row by row (as in pretix, no
factory library) so that every figure can be worked out by hand.

All dates lie in FY2025 (April 2025 – March 2026) or before, so every session has been held.

| class | topic | booking | trainer | venue | sessions (JST) | capacity |
|---|---|---|---|---|---|---|
| S0 | B00 | session | other | 駒込 | 2025-02-10 (FY2024) | 10 |
| S1 | B01 | session | own | 駒込 | 2025-06-10, 06-17, 06-24 (中止) | 12 each |
| S2 | A01 | session | other | 要 | 2025-07-01 | 8 |
| S3 | B02 | series | other | 駒込 | 2025-09-02, 09-09 | 6 each |

People: p1..p12 (75-79, Android, 駒込), q1..q3 (65-69, iPhone, 要町), r1..r5 (80+, no
phone, loaner, 池袋). ``scale`` multiplies the p people (for the query-count test).

Its fixtures (``trainer``, ``other_trainer``, ``admin``, ``world``) are in conftest.py.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from classes.models import (
    Attendance,
    ClassSeries,
    ClassSession,
    Registration,
    SkillCheck,
    Venue,
)
from courses.models import CurriculumUnit

JST = ZoneInfo("Asia/Tokyo")
KOMAGOME = "区民ひろば駒込"
KANAME = "区民ひろば要"
_numbers = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JST)


def venue(name: str) -> Venue:
    return Venue.objects.get_or_create(name=name, defaults={"area": name[-2:]})[0]


def series(title: str, code: str, *, whole: bool = False) -> ClassSeries:
    mode = ClassSeries.BookingMode.WHOLE_SERIES if whole else ClassSeries.BookingMode.PER_SESSION
    return ClassSeries.objects.create(
        title=title, level="first", curriculum_code=code, booking_mode=mode
    )


def session(of: ClassSeries, where: Venue, starts: datetime, capacity: int, *trainers, **fields):
    created = ClassSession.objects.create(
        series=of,
        venue=where,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=capacity,
        **fields,
    )
    created.trainers.add(*trainers)
    return created


def person(key: str) -> dict:
    """Name, phone and key of a person: distinctive strings the page must never show."""
    number = sum(ord(c) for c in key) * 7 + len(key)
    return {
        "name": f"氏名{key}",
        "name_kana": "しめい",
        "phone": f"0901{number:07d}"[:11],
        "person_key": f"personkey-{key}-{number}",
    }


def book(
    key: str,
    *,
    of: ClassSession | None = None,
    whole: ClassSeries | None = None,
    status: str = Registration.Status.CONFIRMED,
    age_band: str = "75-79",
    device: str = "android",
    loaner: bool = False,
    area: str = "駒込",
) -> Registration:
    n = next(_numbers)
    return Registration.objects.create(
        series=whole or of.series,
        session=None if whole else of,
        reference=f"REF{n:07d}",
        status=status,
        seat=n if status == Registration.Status.CONFIRMED else None,
        age_band=age_band,
        area=area,
        device=device,
        wants_loaner=loaner,
        consented_at=at(2025, 1, 1),
        channel=Registration.Channel.PHONE,
        **person(key),
    )


def came(registration: Registration, at_session: ClassSession, status: str = "present"):
    return Attendance.objects.create(registration=registration, session=at_session, status=status)


def answer(registration: Registration, phase: str, units: dict[CurriculumUnit, bool]) -> None:
    for unit, can_do in units.items():
        SkillCheck.objects.create(registration=registration, phase=phase, unit=unit, can_do=can_do)


def unit(code: str, title: str, n: int) -> CurriculumUnit:
    return CurriculumUnit.objects.get_or_create(
        course_code=code,
        title=f"{title} 項目{n}",
        defaults={
            "track": CurriculumUnit.Track.SMARTPHONE,
            "course_title": title,
            "objectives": "できる",
            "sort_order": n,
        },
    )[0]


@dataclass
class World:
    komagome: Venue
    kaname: Venue
    s0: ClassSeries
    s1: ClassSeries
    s2: ClassSeries
    s3: ClassSeries
    sessions: dict[str, ClassSession] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)  # names, phones, references, keys


def build(own_trainer, other_trainer, *, scale: int = 1) -> World:
    """The world of the module docstring; ``scale`` people p per p person."""
    komagome, kaname = venue(KOMAGOME), venue(KANAME)
    world = World(
        komagome,
        kaname,
        series("はじめての一歩", "B00"),
        series("はじめてのスマホ", "B01"),
        series("アプリを使う", "A01"),
        series("写真を送る", "B02", whole=True),
    )
    s = world.sessions
    s["s0"] = session(world.s0, komagome, at(2025, 2, 10), 10, other_trainer)
    s["s1"] = session(world.s1, komagome, at(2025, 6, 10), 12, own_trainer)
    s["s2"] = session(world.s1, komagome, at(2025, 6, 17), 12, own_trainer)
    s["s4"] = session(world.s1, komagome, at(2025, 6, 24), 12, own_trainer, status="cancelled")
    s["s3"] = session(world.s2, kaname, at(2025, 7, 1), 8, other_trainer)
    s["s5"] = session(world.s3, komagome, at(2025, 9, 2), 6, other_trainer)
    s["s6"] = session(world.s3, komagome, at(2025, 9, 9), 6, other_trainer)

    u1, u2 = unit("B01", "はじめてのスマホ", 1), unit("B01", "はじめてのスマホ", 2)
    u3 = unit("A01", "アプリを使う", 1)

    def p(i: int, copy: int) -> str:
        return f"p{i}" if copy == 0 else f"p{i}x{copy}"

    for copy in range(scale):
        first, second = {}, {}
        for i in range(1, 13):  # s1: 12 confirmed; p1..p5 present, p6 late, p7 absent
            first[i] = book(p(i, copy), of=s["s1"])
            if i <= 6:
                came(first[i], s["s1"], "present" if i <= 5 else "late")
            elif i == 7:
                came(first[i], s["s1"], "absent")
        for i in range(13, 18):  # 5 waiting
            book(p(i, copy), of=s["s1"], status=Registration.Status.WAITLISTED)
        book(p(18, copy), of=s["s1"], status=Registration.Status.CANCELLED)
        for i in range(1, 9):  # s2: 8 confirmed, all present
            second[i] = book(p(i, copy), of=s["s2"])
            came(second[i], s["s2"])
        # Skill checks of B01: pre at s1, post at s2 (two bookings of one person).
        for i in range(1, 6):
            answer(first[i], "pre", {u1: i >= 4, u2: False})
            answer(second[i], "post", {u1: True, u2: i <= 4})
        answer(first[6], "pre", {u1: True, u2: True})  # no post: not a pair
        answer(first[7], "pre", {u1: False})  # post on another item only: not a pair
        answer(second[7], "post", {u2: True})
        world.secrets += [first[1].name, first[1].phone, first[1].reference]
        world.secrets += [first[1].person_key]

    for i in range(1, 4):  # s3: q1..q3
        q = book(f"q{i}", of=s["s3"], age_band="65-69", device="iphone", area="要町")
        came(q, s["s3"])
        if i <= 2:
            answer(q, "pre", {u3: False})
            answer(q, "post", {u3: True})
    for i in range(1, 6):  # r1..r5: S0 before, then the whole series S3
        extra = {"age_band": "80+", "device": "none", "loaner": True, "area": "池袋"}
        earlier = book(f"r{i}", of=s["s0"], **extra)
        came(earlier, s["s0"])
        whole = book(f"r{i}", whole=world.s3, **extra)
        came(whole, s["s5"])
        if i <= 4:
            came(whole, s["s6"])
    return world
