"""Import 区民ひろば venues from the ward's public-facility open data.

The file is the national 推奨データセット / 自治体標準オープンデータセット 「公共施設一覧」 CSV:
columns are found by their header name (名称, 名称_カナ, 住所, 方書, 緯度, 経度, 電話番号 …), in
any order, with other columns ignored. Only rows whose 名称 contains 区民ひろば are kept;
temporary sites (名称 containing 仮施設) are skipped unless asked for. Existing venues are
matched by name and updated; a value left empty in the file never erases one in the database.

``read_facilities`` parses and checks every row; ``import_venues`` writes the kept rows in one
transaction, or nothing when a kept row is bad (unless ``skip_invalid``).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from base.inputs import decode_csv
from classes.choices import TOSHIMA_AREAS
from classes.models import Venue

KEEP_MARKER = "区民ひろば"
TEMPORARY_MARKER = "仮施設"
WARD = "豊島区"

# Canonical key → header names used by the national format and its common variants.
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("ID",),
    "name": ("名称",),
    "name_kana": ("名称_カナ", "名称カナ"),
    "address": ("住所", "所在地_連結表記", "所在地"),
    "address_detail": ("方書",),
    "latitude": ("緯度",),
    "longitude": ("経度",),
    "phone": ("電話番号",),
}
_HEADER_KEYS = {
    unicodedata.normalize("NFKC", alias).strip(): key
    for key, aliases in COLUMNS.items()
    for alias in aliases
}
LIMITS = {"name": 120, "name_kana": 120, "address": 200, "address_detail": 120, "phone": 20}
COORDINATE_RANGE = {"latitude": Decimal(90), "longitude": Decimal(180)}
SIX_PLACES = Decimal("0.000001")

# (Japanese for people reading the admin or the terminal, English for the command line.)
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
    "no_name_column": (
        _("見出し行に「名称」の列がありません。公共施設一覧の形式か確かめてください。"),
        "The header row has no 名称 (name) column; is this a 公共施設一覧 file?",
    ),
    "duplicate_column": (
        _("列「%(column)s」が 2 回以上あります。"),
        "The column %(column)s appears more than once.",
    ),
    "invalid_rows": (
        _("誤りのある行が %(count)s 行あるため、何も書き込みませんでした。"),
        "%(count)s row(s) have errors, so nothing was written (use --skip-invalid to skip them).",
    ),
    # Row errors.
    "cells": (
        _("列の数が見出し行と合いません。"),
        "The number of cells does not match the header row.",
    ),
    "missing_name": (_("名称が空です。"), "The name (名称) is empty."),
    "too_long": (
        _("%(column)s が長すぎます（%(limit)s 文字まで）。"),
        "%(column)s is too long (at most %(limit)s characters).",
    ),
    "coordinate": (
        _("%(column)s「%(value)s」を数値として読めません。"),
        "%(column)s %(value)r is not a number.",
    ),
    "coordinate_range": (
        _("%(column)s「%(value)s」が範囲外です。"),
        "%(column)s %(value)r is out of range.",
    ),
    "duplicate_name": (
        _("同じ名称の行が %(first)s 行目にもあります。"),
        "The same name is already on line %(first)s.",
    ),
}
_COLUMN_LABELS = {"latitude": "緯度", "longitude": "経度", **{k: v[0] for k, v in COLUMNS.items()}}


class VenueImportError(Exception):
    """The file was refused as a whole; ``errors`` lists the bad rows, if that was why."""

    def __init__(self, code: str, errors: list[RowError] | None = None, **params) -> None:
        self.code = code
        self.params = params
        self.errors = errors or []
        super().__init__(code)

    @property
    def message(self) -> str:
        return str(error_messages[self.code][0]) % self.params

    @property
    def english(self) -> str:
        return error_messages[self.code][1] % self.params


@dataclass(frozen=True)
class RowError:
    line: int
    code: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return str(error_messages[self.code][0]) % self.params

    @property
    def english(self) -> str:
        return error_messages[self.code][1] % self.params


@dataclass
class Facility:
    """One kept row, cleaned: the values a ``Venue`` takes from the open data."""

    line: int
    name: str
    values: dict[str, object]


@dataclass
class VenueImportReport:
    encoding: str = ""
    total_rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped_other: int = 0
    skipped_temporary: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def skipped(self) -> int:
        return self.skipped_other + len(self.skipped_temporary) + len({e.line for e in self.errors})


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) by ``base.inputs.decode_csv``; unreadable otherwise."""
    try:
        return decode_csv(data)
    except UnicodeError as exc:
        raise VenueImportError("unreadable") from exc


def area_from_address(address: str) -> str:
    """The 町名 of a Toshima address: 豊島区駒込2-2-4 → 駒込; '' when there is none."""
    text = unicodedata.normalize("NFKC", address or "").replace(" ", "")
    _before, ward, rest = text.partition(WARD)
    if not ward:
        return ""
    rest = rest.replace("雑司ヶ谷", "雑司が谷").replace("雑司ケ谷", "雑司が谷")
    # Longest first, so 池袋本町 is not read as 池袋 and 南池袋 not as 池袋.
    for area in sorted(TOSHIMA_AREAS, key=len, reverse=True):
        if rest.startswith(area):
            return area
    return ""


def read_facilities(
    data: bytes, *, include_temporary: bool = False
) -> tuple[list[Facility], VenueImportReport]:
    """Parse the file; return the kept rows that are valid and a report with the rest."""
    text, encoding = decode(data)
    report = VenueImportReport(encoding=encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise VenueImportError("empty")
        columns = _map_header(header)
        facilities: list[Facility] = []
        first_line_of: dict[str, int] = {}
        line = reader.line_num
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            report.total_rows += 1
            facility = _read_row(start, cells, header, columns, report, include_temporary)
            if facility is None:
                continue
            if facility.name in first_line_of:
                report.errors.append(
                    RowError(start, "duplicate_name", {"first": first_line_of[facility.name]})
                )
                continue
            first_line_of[facility.name] = start
            facilities.append(facility)
    except csv.Error as exc:
        raise VenueImportError("malformed", line=reader.line_num) from exc
    return facilities, report


def import_venues(
    data: bytes,
    *,
    include_temporary: bool = False,
    skip_invalid: bool = False,
    dry_run: bool = False,
    source: str = "",
) -> VenueImportReport:
    """Create or update the venues of the file; nothing is written when a kept row is bad."""
    facilities, report = read_facilities(data, include_temporary=include_temporary)
    report.dry_run = dry_run
    if report.errors and not skip_invalid:
        raise VenueImportError(
            "invalid_rows", report.errors, count=len({e.line for e in report.errors})
        )
    with transaction.atomic():
        names = [f.name for f in facilities]
        existing = {v.name: v for v in Venue.objects.select_for_update().filter(name__in=names)}
        for facility in facilities:
            venue = existing.get(facility.name)
            values = {k: v for k, v in facility.values.items() if v not in ("", None)}
            if venue is None:
                report.created.append(facility.name)
                if not dry_run:
                    Venue.objects.create(name=facility.name, source=source, **values)
                continue
            changed = [k for k, v in values.items() if getattr(venue, k) != v]
            if not changed:
                report.unchanged.append(facility.name)
                continue
            report.updated.append(facility.name)
            if not dry_run:
                for key in changed:
                    setattr(venue, key, values[key])
                venue.save(update_fields=changed)
    return report


def _map_header(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = unicodedata.normalize("NFKC", cell).strip().lstrip("\ufeff")
        key = _HEADER_KEYS.get(name)
        if key is None:
            continue
        if key in columns:
            raise VenueImportError("duplicate_column", column=name)
        columns[key] = index
    if "name" not in columns:
        raise VenueImportError("no_name_column")
    return columns


def _read_row(
    line: int,
    cells: list[str],
    header: list[str],
    columns: dict[str, int],
    report: VenueImportReport,
    include_temporary: bool,
) -> Facility | None:
    def cell(key: str) -> str:
        index = columns.get(key)
        if index is None or index >= len(cells):
            return ""
        value = cells[index]
        # Names stay as the ward writes them (全角括弧 in 区民ひろば要（仮施設）); in the other
        # columns full-width digits and hyphens become ASCII.
        if key != "name":
            value = unicodedata.normalize("NFKC", value)
        return re.sub(r"\s+", " ", value).strip()

    name = cell("name")
    if not name:
        report.errors.append(RowError(line, "missing_name"))
        return None
    if KEEP_MARKER not in name:
        report.skipped_other += 1
        return None
    if TEMPORARY_MARKER in name and not include_temporary:
        report.skipped_temporary.append(name)
        return None
    errors: list[RowError] = []
    if len(cells) != len(header):
        errors.append(RowError(line, "cells"))
    values: dict[str, object] = {}
    for key in ("name", "name_kana", "address", "address_detail", "phone"):
        value = cell(key)
        if len(value) > LIMITS[key]:
            errors.append(
                RowError(line, "too_long", {"column": _COLUMN_LABELS[key], "limit": LIMITS[key]})
            )
        values[key] = value
    for key in ("latitude", "longitude"):
        raw = cell(key)
        values[key] = None
        if not raw:
            continue
        try:
            number = Decimal(raw)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            errors.append(
                RowError(line, "coordinate", {"column": _COLUMN_LABELS[key], "value": raw})
            )
        elif abs(number) > COORDINATE_RANGE[key]:
            errors.append(
                RowError(line, "coordinate_range", {"column": _COLUMN_LABELS[key], "value": raw})
            )
        else:
            values[key] = number.quantize(SIX_PLACES, rounding=ROUND_HALF_UP)
    values["area"] = area_from_address(values["address"])
    if errors:
        report.errors.extend(errors)
        return None
    del values["name"]
    return Facility(line=line, name=name, values=values)
