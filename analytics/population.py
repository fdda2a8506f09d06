"""Population by 町丁目 and age: the importer of the ward's CSV and the queries over it.

``read_population`` parses a file (UTF-8 with or without BOM, or CP932) and checks every row;
``import_population`` writes the figures of one reference date in one transaction, or nothing
when any row is bad. Columns are found by their header name, in any order:

- the place: 町名 (town) and 丁目 (chome), or one combined 町丁目名 such as 池袋本町１丁目
  (full-width or kanji numerals; 町名 alone means the whole town);
- wide format: one column per age band, headed 0～4歳, 18～39歳, 18歳未満, 65歳以上, 5歳 …,
  each optionally split by sex (65歳以上_男, 65歳以上_女, 男65歳以上, or a 計 column, which
  then wins over the split ones); the split columns are summed;
- long format: 年齢区分 (or 年齢) with 人口 / 人数 / 計, or with 男 and 女, which are summed.

Other columns (rates, totals, notes) are ignored. A band that wholly contains other bands of
the file (65歳以上 beside 65～69歳 …) is a subtotal and is left out, so nothing is counted
twice; rows of totals (総数, 合計, 豊島区計) are left out too.

The queries (``population_by_town``, ``latest_dataset``) aggregate in the database, one query
each.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pandas as pd
from django.db import transaction
from django.db.models import Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.models import PopulationFigure
from base.inputs import decode_csv
from classes.choices import TOSHIMA_AREAS

# The note the 2016 file carries on every screen until the ward imports its own file.
C2016_NOTE = "2016年ごろ・出典未確認 / as of about 2016, source unverified"
C2016_AS_OF = dt.date(2016, 1, 1)

Band = tuple[int, int | None]  # (age_from, age_to inclusive or None for "and over")

PLACE_COLUMNS: dict[str, tuple[str, ...]] = {
    "town": ("町名", "town", "町"),
    "chome": ("丁目", "chome"),
    "place": ("町丁目名", "町丁名", "町丁目", "町丁", "地域", "chome_name", "chome_name_as_listed"),
    "age": ("年齢区分", "年齢", "年齢階級", "年齢階層", "age_group", "age_band", "age"),
    "count": ("人口", "人数", "計", "総数", "合計", "count", "population", "total"),
    "male": ("男", "男性", "male"),
    "female": ("女", "女性", "female"),
    "as_of": ("基準日", "時点", "as_of"),
}
_HEADER_KEYS = {alias.lower(): key for key, aliases in PLACE_COLUMNS.items() for alias in aliases}

TOTAL_PLACES = frozenset({"総数", "合計", "計", "総計", "豊島区", "豊島区計", "区計", "全体"})
TOTAL_AGES = frozenset({"総数", "合計", "計", "総計", "全体", "全年齢", "年齢計"})
MAX_AGE = 130
QUOTE_LIMIT = 40

_SEX_SUFFIX = re.compile(r"^(?P<band>.+?)[_\s・(（]*(?P<sex>男性|女性|男|女|計|総数|合計)[)）]?$")
_SEX_PREFIX = re.compile(r"^(?P<sex>男性|女性|男|女|計|総数|合計)[_\s・]*(?P<band>\d.+)$")
_RANGE = re.compile(r"^(\d{1,3})歳?[~〜～\-－ー―‐]+(\d{1,3})歳?$")
_OVER = re.compile(r"^(\d{1,3})歳?以上$")
_UNDER = re.compile(r"^(\d{1,3})歳?未満$")
_SINGLE = re.compile(r"^(\d{1,3})歳$")
_KANJI_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CHOME = re.compile(r"^(?P<town>.+?)(?P<number>[0-9]+|[一二三四五六七八九十]+)丁目?$")

# (Japanese, English); Japanese first wherever they are shown.
error_messages: dict[str, tuple[str, str]] = {
    "unreadable": (
        _("ファイルを読み取れません。UTF-8 または Shift_JIS（CP932）の CSV を指定してください。"),
        "Cannot read the file: give a CSV in UTF-8 or Shift_JIS (CP932).",
    ),
    "malformed": (
        _("CSV の形式が正しくありません（%(line)s 行目付近）。"),
        "The CSV is malformed (near line %(line)s).",
    ),
    "empty": (_("ファイルに見出し行がありません。"), "The file has no header row."),
    "no_rows": (_("ファイルにデータ行がありません。"), "The file has no data rows."),
    "no_place_column": (
        _("見出し行に「町名」と「丁目」、または「町丁目名」の列がありません。"),
        "The header row has neither 町名 (town) and 丁目 (chome) nor a 町丁目名 column.",
    ),
    "no_age_columns": (
        _(
            "年齢の列がありません。「65歳以上」「0～4歳」のような列か、"
            "「年齢区分」と「人口」の列が必要です。"
        ),
        "No age columns: give columns such as 65歳以上 or 0～4歳, "
        "or the columns 年齢区分 (age band) and 人口 (population).",
    ),
    "no_count_column": (
        _("「年齢区分」の列はありますが、「人口」（または「男」と「女」）の列がありません。"),
        "There is an age-band column but no 人口 (population) column, nor 男 and 女 columns.",
    ),
    "duplicate_column": (
        _("列「%(column)s」が 2 回以上あります。"),
        "The column %(column)s appears more than once.",
    ),
    "overlapping_bands": (
        _("年齢の区分「%(first)s」と「%(second)s」が重なっています。"),
        "The age bands %(first)s and %(second)s overlap.",
    ),
    "no_as_of": (
        _("基準日がありません。--as-of で指定するか、「基準日」の列を入れてください。"),
        "No reference date: give --as-of or a 基準日 column.",
    ),
    "exists": (
        _(
            "基準日 %(as_of)s の人口はすでに %(count)s 件あります。"
            "置き換えるときは --replace を付けてください。"
        ),
        "%(count)s figures for %(as_of)s exist already; use --replace to replace them.",
    ),
    "invalid_rows": (
        _("誤りのある行が %(count)s 行あるため、何も書き込みませんでした。"),
        "%(count)s row(s) have errors, so nothing was written.",
    ),
    # Row errors.
    "cells": (
        _("列の数が見出し行と合いません（見出しは %(expected)s 列、この行は %(actual)s 列）。"),
        "The number of cells does not match the header row "
        "(%(expected)s in the header, %(actual)s here).",
    ),
    "missing_town": (_("町名が空です。"), "The town (町名) is empty."),
    "unknown_town": (
        _("町名「%(value)s」は豊島区の町名ではありません。"),
        "%(value)s is not one of Toshima's 20 town names (町名).",
    ),
    "bad_chome": (
        _("丁目「%(value)s」を数字として読めません。"),
        "The chome %(value)s is not a number.",
    ),
    "bad_count": (
        _("「%(column)s」の「%(value)s」は 0 以上の整数ではありません。"),
        "%(column)s: %(value)s is not a whole number of people (0 or more).",
    ),
    "bad_age": (
        _("年齢区分「%(value)s」を読めません（例：0～4歳、65歳以上、18歳未満）。"),
        "Cannot read the age band %(value)s (e.g. 0～4歳, 65歳以上, 18歳未満).",
    ),
    "bad_as_of": (
        _("基準日「%(value)s」を日付として読めません（例：2026-01-01）。"),
        "The reference date %(value)s is not a date (e.g. 2026-01-01).",
    ),
    "other_as_of": (
        _("基準日「%(value)s」が 1 行目の基準日と異なります。1 つのファイルは 1 つの基準日です。"),
        "The reference date %(value)s differs from the first row's: one file, one date.",
    ),
    "duplicate": (
        _("%(place)s の %(band)s が %(first)s 行目にもあります。"),
        "%(place)s, %(band)s is already on line %(first)s.",
    ),
    "town_and_chome": (
        _("%(town)s は丁目ごとの行もあるため、町名全体の行は数えると二重になります。"),
        "%(town)s also has rows per chome, so a row for the whole town would count twice.",
    ),
}


def _render(code: str, params: dict) -> tuple[str, str]:
    japanese, english = error_messages[code]
    return str(japanese) % params, english % params


class _Messages:
    """The Japanese and English text of a ``code`` with its ``params`` (``error_messages``)."""

    code: str
    params: dict

    @property
    def message(self) -> str:
        return _render(self.code, self.params)[0]

    @property
    def english(self) -> str:
        return _render(self.code, self.params)[1]


class PopulationImportError(_Messages, Exception):
    """The file was refused as a whole; ``errors`` lists the bad rows, if that was why."""

    def __init__(self, code: str, errors: Iterable[RowError] = (), **params: object) -> None:
        self.code = code
        self.params = params
        self.errors = list(errors)
        super().__init__(code)

    def __str__(self) -> str:
        return f"{self.message} / {self.english}"


@dataclass(frozen=True)
class RowError(_Messages):
    """One problem with one row; ``line`` is the line a spreadsheet shows (header = 1)."""

    line: int
    code: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.line} 行目：{self.message} / line {self.line}: {self.english}"


@dataclass(frozen=True)
class Figure:
    """One parsed count: residents of a place in an age band."""

    line: int
    town: str
    chome: str
    age_from: int
    age_to: int | None
    count: int


@dataclass
class PopulationImportReport:
    encoding: str = ""
    layout: str = ""  # "wide" or "long"
    as_of: dt.date | None = None
    total_rows: int = 0
    figures: int = 0
    towns: int = 0
    places: int = 0
    bands: list[str] = field(default_factory=list)
    subtotal_bands: list[str] = field(default_factory=list)
    skipped_totals: int = 0
    replaced: int = 0
    dry_run: bool = False
    population: int = 0


@dataclass(frozen=True)
class PopulationDataset:
    """What a screen says about the population figures it divides by."""

    as_of: dt.date
    source: str
    licence: str
    note: str


def band_label(band: Band) -> str:
    """65歳以上, 0～4歳, 5歳."""
    start, end = band
    if end is None:
        return f"{start}歳以上"
    if start == end:
        return f"{start}歳"
    return f"{start}～{end}歳"


def parse_band(text: str) -> Band | None:
    """Read an age band: 0～4歳, 0-4, 65歳以上, 18歳未満, 5歳, 100歳以上; None if unreadable."""
    value = unicodedata.normalize("NFKC", text or "").replace(" ", "").replace("　", "")
    for pattern, build in (
        (_OVER, lambda m: (int(m[1]), None)),
        (_UNDER, lambda m: (0, int(m[1]) - 1) if int(m[1]) > 0 else None),
        (_RANGE, lambda m: (int(m[1]), int(m[2]))),
        (_SINGLE, lambda m: (int(m[1]), int(m[1]))),
    ):
        match = pattern.match(value)
        if match:
            band = build(match)
            if band is None or band[0] > MAX_AGE:
                return None
            if band[1] is not None and (band[1] < band[0] or band[1] > MAX_AGE):
                return None
            return band
    return None


def split_place(text: str) -> tuple[str, str]:
    """池袋本町１丁目 → (池袋本町, "1"); 駒込 → (駒込, ""); unknown names come back whole."""
    value = unicodedata.normalize("NFKC", text or "").strip().replace(" ", "")
    value = _town_spelling(value)
    if value in TOSHIMA_AREAS:
        return value, ""
    match = _CHOME.match(value)
    if match and match["town"] in TOSHIMA_AREAS:
        return match["town"], _chome_number(match["number"])
    return value, ""


def read_population(data: bytes) -> tuple[list[Figure], PopulationImportReport, list[RowError]]:
    """Parse and check a file; return its figures, a report and the row errors."""
    text, encoding = _decode(data)
    report = PopulationImportReport(encoding=encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        header = next(reader, None)
        line = reader.line_num
        for cells in reader:
            start, line = line + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                rows.append((start, cells))
    except csv.Error as exc:
        raise PopulationImportError("malformed", line=reader.line_num) from exc
    if header is None or not any(cell.strip() for cell in header):
        raise PopulationImportError("empty")
    layout = _Layout.from_header(header)
    report.layout = "wide" if layout.wide else "long"
    if not rows:
        raise PopulationImportError("no_rows")

    errors: list[RowError] = []
    figures: list[Figure] = []
    file_as_of: tuple[int, dt.date] | None = None
    for line, cells in rows:
        report.total_rows += 1
        row_errors: list[RowError] = []
        if len(cells) != len(header):
            row_errors.append(
                RowError(line, "cells", {"expected": len(header), "actual": len(cells)})
            )
        place = layout.place(line, cells, row_errors)
        if layout.as_of_index is not None:
            day = layout.row_as_of(line, cells, row_errors)
            if day is not None:
                if file_as_of is None:
                    file_as_of = (line, day)
                elif day != file_as_of[1]:
                    row_errors.append(RowError(line, "other_as_of", {"value": day.isoformat()}))
        if place == "total":
            report.skipped_totals += 1
            errors.extend(row_errors)
            continue
        counts = layout.counts(line, cells, row_errors)
        if counts == "total":
            report.skipped_totals += 1
            errors.extend(row_errors)
            continue
        if row_errors or place is None:
            errors.extend(row_errors)
            continue
        town, chome = place
        figures.extend(
            Figure(line, town, chome, start, end, count) for (start, end), count in counts
        )
    report.as_of = file_as_of[1] if file_as_of else None

    figures, subtotals = _drop_subtotals(figures)
    report.subtotal_bands = [band_label(b) for b in subtotals]
    errors.extend(_check_bands(figures))
    errors.extend(_check_duplicates(figures))
    errors.extend(_check_town_and_chome(figures))
    bad_lines = {e.line for e in errors}
    figures = [f for f in figures if f.line not in bad_lines]
    report.figures = len(figures)
    report.towns = len({f.town for f in figures})
    report.places = len({(f.town, f.chome) for f in figures})
    report.bands = [band_label(b) for b in sorted({(f.age_from, f.age_to) for f in figures})]
    report.population = sum(f.count for f in figures)
    errors.sort(key=lambda e: e.line)
    return figures, report, errors


def import_population(
    file: bytes | str | Path | IO[bytes],
    *,
    as_of: dt.date | None = None,
    source: str = "",
    licence: str = "",
    note: str = "",
    replace: bool = False,
    dry_run: bool = False,
) -> PopulationImportReport:
    """Load a population file for one reference date, all or nothing.

    ``as_of`` wins over a 基準日 column. Figures already loaded for that date are refused
    unless ``replace``, which deletes them in the same transaction. ``dry_run`` checks
    everything and writes nothing.
    """
    figures, report, errors = read_population(_read_bytes(file))
    report.dry_run = dry_run
    if as_of is not None:
        report.as_of = as_of
    if errors:
        raise PopulationImportError("invalid_rows", errors, count=len({e.line for e in errors}))
    if report.as_of is None:
        raise PopulationImportError("no_as_of")
    day = report.as_of
    now = timezone.now()
    with transaction.atomic():
        existing = PopulationFigure.objects.filter(as_of=day)
        count = existing.count()
        if count and not replace:
            raise PopulationImportError("exists", as_of=day.isoformat(), count=count)
        report.replaced = count
        if dry_run:
            return report
        existing.delete()
        PopulationFigure.objects.bulk_create(
            [
                PopulationFigure(
                    as_of=day,
                    town=f.town,
                    chome=f.chome,
                    age_from=f.age_from,
                    age_to=f.age_to,
                    count=f.count,
                    source=source,
                    licence=licence,
                    as_of_note=note,
                    imported_at=now,
                )
                for f in figures
            ],
            batch_size=1000,
        )
    return report


# --- Queries ------------------------------------------------------------------------------


def latest_dataset() -> PopulationDataset | None:
    """The reference date, source, licence and note of the newest figures (None: none)."""
    row = (
        PopulationFigure.objects.order_by("-as_of", "-imported_at", "-pk")
        .values("as_of", "source", "licence", "as_of_note")
        .first()
    )
    if row is None:
        return None
    return PopulationDataset(
        as_of=row["as_of"], source=row["source"], licence=row["licence"], note=row["as_of_note"]
    )


def population_by_town(as_of: dt.date | None = None, *, min_age: int | None = 65) -> pd.DataFrame:
    """Residents per 町名 (columns ``town``, ``population``), in the ward's order of towns.

    Counts the bands that start at ``min_age`` or above (65: 65歳以上, or 65～69歳 and up);
    ``min_age=None`` or 0 counts every age. ``as_of`` defaults to the newest date loaded.
    Towns without figures are absent from the frame: a caller says so rather than divide.
    """
    figures = PopulationFigure.objects.all()
    if as_of is None:
        newest = PopulationFigure.objects.order_by("-as_of").values("as_of")[:1]
        figures = figures.filter(as_of=Subquery(newest))
    else:
        figures = figures.filter(as_of=as_of)
    if min_age:
        figures = figures.filter(Q(age_from__gte=min_age))
    rows = figures.order_by().values("town").annotate(population=Sum("count"))
    frame = pd.DataFrame.from_records(list(rows), columns=["town", "population"])
    order = {town: i for i, town in enumerate(TOSHIMA_AREAS)}
    frame = frame.sort_values("town", key=lambda s: s.map(order)).reset_index(drop=True)
    frame["population"] = frame["population"].astype("int64")
    return frame


# --- Parsing ------------------------------------------------------------------------------


def _read_bytes(file: bytes | str | Path | IO[bytes]) -> bytes:
    if isinstance(file, bytes | bytearray):
        return bytes(file)
    if isinstance(file, str | Path):
        return Path(file).read_bytes()
    data = file.read()
    return data.encode("utf-8") if isinstance(data, str) else data


def _decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) by ``base.inputs.decode_csv``; unreadable otherwise."""
    try:
        return decode_csv(data)
    except UnicodeError as exc:
        raise PopulationImportError("unreadable") from exc


def _normal(cell: str) -> str:
    return unicodedata.normalize("NFKC", cell or "").strip().lstrip("\ufeff").strip()


def _quote(value: str) -> str:
    return value if len(value) <= QUOTE_LIMIT else value[: QUOTE_LIMIT - 1] + "…"


def _town_spelling(value: str) -> str:
    return value.replace("雑司ヶ谷", "雑司が谷").replace("雑司ケ谷", "雑司が谷")


def _chome_number(text: str) -> str:
    if text.isdigit():
        return str(int(text))
    if text == "十":
        return "10"
    if text.startswith("十"):
        return str(10 + _KANJI_DIGITS[text[1]])
    if len(text) == 1:
        return str(_KANJI_DIGITS[text])
    return ""


def _wide_band(name: str) -> tuple[Band, str] | None:
    """A wide age column: (band, sex) with sex "男", "女" or "計"; None if not an age column."""
    compact = name.replace(" ", "")
    band = parse_band(compact)
    if band is not None:
        return band, "計"
    for pattern in (_SEX_SUFFIX, _SEX_PREFIX):
        match = pattern.match(compact)
        if match:
            band = parse_band(match["band"].rstrip("_・"))
            if band is not None:
                sex = match["sex"][0] if match["sex"][0] in "男女" else "計"
                return band, sex
    return None


class _Layout:
    """Where the columns of a header are, and how to read a row through them."""

    def __init__(self) -> None:
        self.columns: dict[str, int] = {}
        self.as_of_index: int | None = None
        self.bands: dict[Band, list[tuple[int, str]]] = {}

    @property
    def wide(self) -> bool:
        return bool(self.bands)

    @classmethod
    def from_header(cls, header: list[str]) -> _Layout:
        layout = cls()
        wide: dict[Band, dict[str, list[tuple[int, str]]]] = {}
        seen: set[str] = set()
        for index, cell in enumerate(header):
            name = _normal(cell)
            if not name:
                continue
            if name in seen:
                raise PopulationImportError("duplicate_column", column=name)
            seen.add(name)
            key = _HEADER_KEYS.get(name.lower())
            if key is not None:
                layout.columns[key] = index
                continue
            found = _wide_band(name)
            if found is not None:
                band, sex = found
                wide.setdefault(band, {}).setdefault(sex, []).append((index, name))
        layout.as_of_index = layout.columns.get("as_of")
        if "town" not in layout.columns and "place" not in layout.columns:
            raise PopulationImportError("no_place_column")
        for band, by_sex in wide.items():
            # A 計 column is the band's count; without one the 男 and 女 columns are summed.
            layout.bands[band] = by_sex.get("計") or by_sex.get("男", []) + by_sex.get("女", [])
        if layout.wide:
            return layout
        if "age" not in layout.columns:
            raise PopulationImportError("no_age_columns")
        if "count" not in layout.columns and not (
            "male" in layout.columns and "female" in layout.columns
        ):
            raise PopulationImportError("no_count_column")
        return layout

    def _cell(self, cells: list[str], index: int | None) -> str:
        if index is None or index >= len(cells):
            return ""
        return _normal(cells[index])

    def place(
        self, line: int, cells: list[str], errors: list[RowError]
    ) -> tuple[str, str] | str | None:
        """(town, chome), "total" for a row of a total, or None after adding an error."""
        if "town" in self.columns:
            town = _town_spelling(self._cell(cells, self.columns["town"]).replace(" ", ""))
            raw_chome = self._cell(cells, self.columns.get("chome"))
            chome = raw_chome.removesuffix("丁目").strip()
            if not town and "place" in self.columns:
                return self._combined(line, cells, errors)
            if town in TOTAL_PLACES:
                return "total"
            if not town:
                errors.append(RowError(line, "missing_town"))
                return None
            if town not in TOSHIMA_AREAS:
                errors.append(RowError(line, "unknown_town", {"value": _quote(town)}))
                return None
            if chome:
                number = _chome_number(chome)
                if not number or int(number) == 0:
                    errors.append(RowError(line, "bad_chome", {"value": _quote(raw_chome)}))
                    return None
                chome = number
            return town, chome
        return self._combined(line, cells, errors)

    def _combined(
        self, line: int, cells: list[str], errors: list[RowError]
    ) -> tuple[str, str] | str | None:
        raw = self._cell(cells, self.columns["place"])
        if not raw:
            errors.append(RowError(line, "missing_town"))
            return None
        if raw.replace(" ", "") in TOTAL_PLACES:
            return "total"
        town, chome = split_place(raw)
        if town not in TOSHIMA_AREAS:
            if town.endswith("計") and town[:-1] in TOSHIMA_AREAS:
                return "total"  # 池袋本町計: the sum of its 丁目 rows
            errors.append(RowError(line, "unknown_town", {"value": _quote(raw)}))
            return None
        return town, chome

    def row_as_of(self, line: int, cells: list[str], errors: list[RowError]) -> dt.date | None:
        raw = self._cell(cells, self.as_of_index)
        day = _parse_date(raw)
        if day is None:
            errors.append(RowError(line, "bad_as_of", {"value": _quote(raw)}))
        return day

    def counts(
        self, line: int, cells: list[str], errors: list[RowError]
    ) -> list[tuple[Band, int]] | str:
        if self.wide:
            result = []
            for band, sources in self.bands.items():
                total = 0
                for index, name in sources:
                    value = _count(self._cell(cells, index))
                    if value is None:
                        errors.append(
                            RowError(
                                line,
                                "bad_count",
                                {"column": name, "value": _quote(self._cell(cells, index))},
                            )
                        )
                        total = None
                        break
                    total += value
                if total is not None:
                    result.append((band, total))
            return result
        raw_age = self._cell(cells, self.columns["age"])
        if raw_age.replace(" ", "") in TOTAL_AGES:
            return "total"
        band = parse_band(raw_age)
        if band is None:
            errors.append(RowError(line, "bad_age", {"value": _quote(raw_age)}))
        keys = ["count"] if "count" in self.columns else ["male", "female"]
        total = 0
        for key in keys:
            text = self._cell(cells, self.columns[key])
            value = _count(text)
            if value is None:
                header = PLACE_COLUMNS[key][0]
                errors.append(
                    RowError(line, "bad_count", {"column": header, "value": _quote(text)})
                )
                return []
            total += value
        return [] if band is None else [(band, total)]


def _count(text: str) -> int | None:
    """A count of people: digits with optional thousands commas; "-" (none) is 0."""
    value = text.replace(",", "").replace(" ", "")
    if value in ("-", "－", "―", "ー"):
        return 0
    if not value.isdigit() or not value.isascii():
        return None
    return int(value)


def _parse_date(text: str) -> dt.date | None:
    value = text.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-")
    value = value.replace(".", "-").strip()
    try:
        year, month, day = (int(part) for part in value.split("-"))
        return dt.date(year, month, day)
    except (ValueError, TypeError):
        return None


def _contains(outer: Band, inner: Band) -> bool:
    if outer == inner:
        return False
    outer_end = outer[1] if outer[1] is not None else MAX_AGE + 1
    inner_end = inner[1] if inner[1] is not None else MAX_AGE + 1
    return outer[0] <= inner[0] and inner_end <= outer_end


def _drop_subtotals(figures: list[Figure]) -> tuple[list[Figure], list[Band]]:
    """Leave out the bands that wholly contain other bands of the file (subtotals)."""
    bands = {(f.age_from, f.age_to) for f in figures}
    subtotals = sorted(b for b in bands if any(_contains(b, other) for other in bands))
    if not subtotals:
        return figures, []
    dropped = set(subtotals)
    return [f for f in figures if (f.age_from, f.age_to) not in dropped], subtotals


def _check_bands(figures: list[Figure]) -> list[RowError]:
    """Bands left must not overlap: each person is counted once."""
    bands = sorted({(f.age_from, f.age_to) for f in figures})
    for (start, end), (next_start, next_end) in zip(bands, bands[1:], strict=False):
        if end is None or next_start <= end:
            raise PopulationImportError(
                "overlapping_bands",
                first=band_label((start, end)),
                second=band_label((next_start, next_end)),
            )
    return []


def _place_label(town: str, chome: str) -> str:
    return f"{town}{chome}丁目" if chome else town


def _check_duplicates(figures: list[Figure]) -> list[RowError]:
    errors = []
    first: dict[tuple, int] = {}
    for f in figures:
        key = (f.town, f.chome, f.age_from, f.age_to)
        if key in first and first[key] != f.line:
            errors.append(
                RowError(
                    f.line,
                    "duplicate",
                    {
                        "place": _place_label(f.town, f.chome),
                        "band": band_label((f.age_from, f.age_to)),
                        "first": first[key],
                    },
                )
            )
        else:
            first.setdefault(key, f.line)
    return _unique(errors)


def _check_town_and_chome(figures: list[Figure]) -> list[RowError]:
    with_chome = {f.town for f in figures if f.chome}
    return _unique(
        RowError(f.line, "town_and_chome", {"town": f.town})
        for f in figures
        if not f.chome and f.town in with_chome
    )


def _unique(errors: Iterable[RowError]) -> list[RowError]:
    seen: set[tuple[int, str]] = set()
    result = []
    for error in errors:
        key = (error.line, error.code)
        if key not in seen:
            seen.add(key)
            result.append(error)
    return result
