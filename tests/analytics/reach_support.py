"""A small world for the デジタルデバイド指標 and the open data, small enough to work out by hand.

FY2024 (April 2024 – March 2025), all sessions held, k = 5:

| session | venue (its 町名) | date (JST) | capacity |
|---|---|---|---|
| S1 | 区民ひろば駒込 (駒込) | 2024-06-10 | 30 |
| S2 | 区民ひろば要町 (要町) | 2024-07-10 | 30 |

Participants aged 70〜74 (all 出席), by the 町名 on their booking:

| 町名 | at S1 | at S2 | people | 65+ population (2016 file) | per 1,000 |
|---|---|---|---|---|---|
| 駒込 | 9 | 1 | 10 | 1,200 + 800 = 2,000 | 5.0 |
| 要町 | 0 | 8 | 8 | 1,250 | 6.4 |
| 池袋 | 2 | 0 | 2 → <5 | 4,000 | <5 |
| 高田 | 6 | 0 | 6 → <5 (secondary) | 1,500 | <5 |
| 長崎 | 0 | 7 | 7 | none → 人口データなし | 人口データなし |
| 合計 | 17 | 16 | 33 | (長崎 missing) | 人口データなし |

Besides: one 千早 booking at S2 marked 欠席 (booked, not a participant). Every other town has
a population of 1,000 and no participants.
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from django.utils import timezone

from analytics.models import PopulationFigure
from analytics.population import C2016_AS_OF, C2016_NOTE
from classes.choices import TOSHIMA_AREAS
from classes.models import Attendance, ClassSeries, ClassSession, Registration, Venue

JST = ZoneInfo("Asia/Tokyo")
YEAR = 2024
POPULATION = {"駒込": 2000, "要町": 1250, "池袋": 4000, "高田": 1500}
MISSING_TOWN = "長崎"
SOURCE = "github:xiushu53/toshima_pop (出典・基準日の記載なし)"
_numbers = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=JST)


def make_venue(name: str, area: str) -> Venue:
    return Venue.objects.get_or_create(name=name, defaults={"area": area})[0]


def make_session(where: Venue, starts: dt.datetime, capacity: int = 30) -> ClassSession:
    series = ClassSeries.objects.create(title=f"スマホ教室 {where.name}", level="first")
    return ClassSession.objects.create(
        series=series,
        venue=where,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        capacity=capacity,
    )


def person(
    session: ClassSession,
    area: str,
    *,
    age_band: str = "70s",
    device: str = "android",
    attendance: str | None = Attendance.Status.PRESENT,
    key: str | None = None,
) -> Registration:
    """A confirmed booking of ``session`` and its attendance (``None``: no record)."""
    n = next(_numbers)
    seat = Registration.objects.filter(session=session).count() + 1
    booking = Registration.objects.create(
        series=session.series,
        session=session,
        reference=f"RCH{n:05d}",
        status=Registration.Status.CONFIRMED,
        seat=seat,
        name=f"到達 太郎{n}",
        name_kana="とうたつ たろう",
        phone=f"0399{n:06d}",
        person_key=key or f"0399{n:06d}|到達太郎{n}",
        age_band=age_band,
        area=area,
        device=device,
        consented_at=timezone.now(),
        channel=Registration.Channel.COUNTER,
    )
    if attendance is not None:
        Attendance.objects.create(registration=booking, session=session, status=attendance)
    return booking


def load_population(*, missing: str | None = MISSING_TOWN) -> None:
    """65+ population as the 2016 file gives it (as-of note, source); 駒込 in two 丁目."""
    rows = []
    for town in TOSHIMA_AREAS:
        if town == missing:
            continue
        if town == "駒込":
            rows += [("1", 1200), ("2", 800)]
        else:
            rows.append(("", POPULATION.get(town, 1000)))
        PopulationFigure.objects.bulk_create(
            PopulationFigure(
                as_of=C2016_AS_OF,
                town=town,
                chome=chome,
                age_from=65,
                age_to=None,
                count=count,
                source=SOURCE,
                as_of_note=C2016_NOTE,
            )
            for chome, count in rows
        )
        rows = []


def build_world() -> dict:
    """The table above; returns the venues, sessions and every booking made."""
    komagome = make_venue("区民ひろば駒込", "駒込")
    kaname = make_venue("区民ひろば要町", "要町")
    s1 = make_session(komagome, at(YEAR, 6, 10))
    s2 = make_session(kaname, at(YEAR, 7, 10))
    bookings = []
    for where, area, count in (
        (s1, "駒込", 9),
        (s2, "駒込", 1),
        (s2, "要町", 8),
        (s1, "池袋", 2),
        (s1, "高田", 6),
        (s2, "長崎", 7),
    ):
        bookings += [person(where, area) for _ in range(count)]
    bookings.append(person(s2, "千早", attendance=Attendance.Status.ABSENT))
    load_population()
    return {"komagome": komagome, "kaname": kaname, "s1": s1, "s2": s2, "bookings": bookings}
