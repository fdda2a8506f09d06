"""Small builders for class data (no factory library, as in pretix)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from classes.models import ClassSeries, ClassSession, Venue
from classes.services import BookingRequest


def make_venue(name: str = "区民ひろば駒込", **fields) -> Venue:
    venue, _ = Venue.objects.get_or_create(
        name=name, defaults={"address": "豊島区駒込2-2-4", "area": "駒込", **fields}
    )
    return venue


def make_series(**fields) -> ClassSeries:
    defaults = {"title": "はじめてのスマホ", "level": "first", "curriculum_code": "B01"}
    defaults.update(fields)
    return ClassSeries.objects.create(**defaults)


def make_session(series: ClassSeries | None = None, *, capacity: int = 10, days: int = 7, **fields):
    series = series or make_series()
    starts = fields.pop("starts_at", timezone.now() + timedelta(days=days))
    return ClassSession.objects.create(
        series=series,
        venue=fields.pop("venue", None) or make_venue(),
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=capacity,
        **fields,
    )


def booking(n: int = 1, **fields) -> BookingRequest:
    data = {
        "name": f"豊島 花子{n}",
        "name_kana": "としま はなこ",
        "phone": f"03-3981-{n:04d}",
        "age_band": "75-79",
        "area": "駒込",
        "device": "android",
        "consent": True,
    }
    data.update(fields)
    return BookingRequest(**data)


def schedule_form(series: ClassSeries, venue: Venue, **overrides) -> dict:
    """The 回をまとめて作成 form's fields, asking for a preview: four weekly sessions from
    2030-01-08 (a Tuesday), 10:00-12:00, 12 seats; ``overrides`` replace any field."""
    data = {
        "series": series.pk,
        "venue": venue.pk,
        "room": "",
        "first_date": "2030-01-08",
        "start_time": "10:00",
        "end_time": "12:00",
        "count": "4",
        "interval": "7",
        "capacity": "12",
        "holidays": "",
        "action": "preview",
    }
    data.update(overrides)
    return data
