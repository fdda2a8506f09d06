"""Open data (/open-data/): CSV files of aggregates of the smartphone classes, for anyone.

Two files, one row per fiscal year and venue or 町名, for every fiscal year that has ended:

- ``classes-by-venue.csv``: sessions held, seats, booked seats, attendance and participants by
  age band per venue;
- ``reach-by-town.csv``: participants aged 65+ and reach per 1,000 residents aged 65+ per 町名
  (the rows of the デジタルデバイド指標 page's 町名 table without filters, built by the same
  ``analytics.reach_figures.town_table``).

Every count about residents goes through ``analytics.suppression`` exactly as on the pages:
the same label ("<5") in the same cells. No file holds a name, phone number, booking reference
or person key: only the aggregates below. Files are written by ``base.exports.csv_bytes``
(UTF-8 with BOM, CRLF), generated on request and kept in the cache for
``CACHE_SECONDS``; the page shows when each file was generated. Licence: CC BY 4.0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Sum
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from analytics import suppression
from analytics.reach_figures import (
    Population,
    Scope,
    fiscal_year_of,
    participants,
    town_table,
)
from analytics.routers import reading
from base.exports import csv_bytes
from classes.models import ClassSession, Registration
from learning.fiscal import fiscal_year, fiscal_year_span

CACHE_SECONDS = 60 * 60
CACHE_PREFIX = "analytics.open_data"
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/deed.ja"
AGE_BANDS = list(Registration.AgeBand)


@dataclass(frozen=True)
class Column:
    """One column of a file: its header (Japanese, fixed) and what it holds."""

    name: str
    description: str | Promise


@dataclass(frozen=True)
class OpenDataFile:
    name: str
    title: str | Promise
    description: str | Promise
    columns: tuple[Column, ...]
    rows: Callable[[list[int]], list[list]]

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


@dataclass(frozen=True)
class Generated:
    """A file's bytes and when they were generated."""

    content: bytes
    generated_at: dt.datetime
    rows: int


def published_years(today: dt.date | None = None) -> list[int]:
    """Fiscal years that have ended and had a class session, oldest first (one query)."""
    last = fiscal_year(today or timezone.localdate()) - 1
    years = (
        ClassSession.objects.scheduled()
        .annotate(fy=fiscal_year_of("starts_at"))
        .filter(fy__lte=last)
        .order_by("fy")
        .values_list("fy", flat=True)
        .distinct()
    )
    return list(years)


# --- classes-by-venue.csv ----------------------------------------------------------------------

VENUE_COLUMNS = (
    Column("年度", _("年度（4月〜翌年3月。2024 は 2024年4月〜2025年3月）")),
    Column("会場", _("会場名。最後の行「合計」は全会場の合計")),
    Column("開催回数", _("開催した回の数（中止した回を除く）")),
    Column("定員", _("開催した回の定員の合計（席数）")),
    Column("予約", _("予約確定の席の数（回ごと。全回まとめての申込は回の数だけ数えます）")),
    Column("出席", _("出席・遅刻の記録の数（延べ人数）")),
    *(Column(f"参加者_{band.label}", _("この年代の参加者の実人数")) for band in AGE_BANDS),
    Column("参加者_合計", _("参加者の実人数の合計（年代の合計）")),
)


def _venue_rows(years: list[int]) -> list[list]:
    rows: list[list] = []
    for year in years:
        rows += _venue_year(year)
    return rows


def _venue_year(year: int) -> list[list]:
    start, end = fiscal_year_span(year)
    sessions = (
        ClassSession.objects.scheduled()
        .filter(starts_at__gte=start, starts_at__lt=end)
        .with_availability()
        .order_by()
        .values("venue__name")
        .annotate(
            sessions=Count("pk"),
            seats=Sum("seat_capacity"),
            booked=Sum("confirmed"),
            attended=Sum("checked_in"),
        )
    )
    held = pd.DataFrame.from_records(
        list(sessions), columns=["venue__name", "sessions", "seats", "booked", "attended"]
    )
    if held.empty:
        return []
    held = held.sort_values("venue__name").set_index("venue__name")
    people = (
        participants(Scope(start=start, end=end))
        .order_by()
        .values("age_band", venue=F("attendances__session__venue__name"))
        .annotate(n=Count("person_key", distinct=True))
    )
    found = pd.DataFrame.from_records(list(people), columns=["age_band", "venue", "n"])
    by_band = (
        found.pivot_table(index="venue", columns="age_band", values="n", aggfunc="sum")
        .reindex(index=held.index, columns=[band.value for band in AGE_BANDS])
        .fillna(0)
        .astype("int64")
    )
    total = suppression.total_label()
    booked = suppression.suppress_counts(held["booked"].astype("int64"))
    # Attendance beside bookings gives the no-shows (booked − attended): guarded as a
    # narrower figure of the bookings, so a difference of 1..k−1 is hidden too.
    attended = suppression.suppress_counts(held["attended"].astype("int64"), wider=booked)
    bands = suppression.suppress_counts(by_band).display()
    booked_shown, attended_shown = booked.display(), attended.display()
    rows = []
    for venue in [*held.index, total]:
        is_total = venue == total
        sessions = int(held["sessions"].sum() if is_total else held.at[venue, "sessions"])
        seats = int(held["seats"].sum() if is_total else held.at[venue, "seats"])
        rows.append(
            [
                year,
                venue,
                sessions,
                seats,
                booked_shown[venue],
                attended_shown[venue],
                *[bands.at[venue, band.value] for band in AGE_BANDS],
                bands.at[venue, total],
            ]
        )
    return rows


# --- reach-by-town.csv -------------------------------------------------------------------------

TOWN_COLUMNS = (
    Column("年度", _("年度（4月〜翌年3月）")),
    Column("町名", _("豊島区の町名（20）。最後の行「合計」は区全体")),
    Column("65歳以上の参加者", _("その年度に教室に出席した65歳以上の区民の実人数（申込時の町名）")),
    Column("65歳以上の人口", _("その町名の65歳以上の人口（空欄：人口データなし）")),
    Column("1000人あたり", _("65歳以上の人口1,000人あたりの参加者（小数1桁）")),
    Column("人口の基準日", _("人口の数字の基準日と注記")),
)


def _town_rows(years: list[int]) -> list[list]:
    population = Population.load()
    rows = []
    for year in years:
        table = town_table(Scope.fiscal_year(year), population).rows()
        for row in table.itertuples(index=False):
            rows.append(
                [
                    year,
                    row.town,
                    row.participants,
                    None if row.missing else int(row.population),
                    row.rate,
                    population.as_of_label(),
                ]
            )
    return rows


FILES: dict[str, OpenDataFile] = {
    f.name: f
    for f in (
        OpenDataFile(
            name="classes-by-venue",
            title=_("スマホ教室の会場別の集計（年度ごと）"),
            description=_("会場ごとの開催回数、定員、予約、出席と、年代別の参加者の実人数。"),
            columns=VENUE_COLUMNS,
            rows=_venue_rows,
        ),
        OpenDataFile(
            name="reach-by-town",
            title=_("65歳以上の参加者と1,000人あたりの割合（町名別・年度ごと）"),
            description=_(
                "町名ごとの65歳以上の参加者の実人数と、65歳以上の人口1,000人あたりの参加者。"
            ),
            columns=TOWN_COLUMNS,
            rows=_town_rows,
        ),
    )
}


def generate(name: str) -> Generated:
    """The file's content, from the cache or built now (KeyError for an unknown name).

    Built in the site's language (Japanese) whatever the visitor's, so the cached bytes are
    the same for everyone; the rows are read inside ``analytics.routers.reading()``, from
    the read replica when there is one.
    """
    spec = FILES[name]
    key = f"{CACHE_PREFIX}.{name}.k{suppression.min_cell()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    with translation.override(settings.LANGUAGE_CODE), reading():
        rows = spec.rows(published_years())
        content = csv_bytes([column.name for column in spec.columns], rows)
    generated = Generated(content=content, generated_at=timezone.now(), rows=len(rows))
    cache.set(key, generated, CACHE_SECONDS)
    return generated
