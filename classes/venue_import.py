"""Import 区民ひろば venues from the ward's public-facility open data.

Two layouts are read, told apart by their header names (in any order, other columns ignored):

- the national 推奨データセット / 自治体標準オープンデータセット 「公共施設一覧」 CSV (名称,
  名称_カナ, 住所, 方書, 緯度, 経度, 電話番号 …);
- the project's compiled list ``classes/data/toshima_kumin_hiroba_full.csv`` (name,
  facility_type, address, town_from_address, chome_from_address, lat, lon, nearest_station,
  chome_polygon_2010_derived …). Its ``notes`` and ``*_source`` columns are research notes and are
  never read; open_days/open_hours are the baby-care space's hours, not the rooms', and are not
  read either (classes/data/README.md).

Only rows whose 名称 contains 区民ひろば are kept; temporary sites (名称 containing 仮施設, or
facility_type ``temporary_site``) are skipped unless asked for, and then imported as inactive;
former sites (名称 starting with 旧, or ``former_site``) are always skipped. 町名 (``Venue.area``)
and 丁目 come from the file's columns, else from the address, else from the 町丁目 the point lies
in. Existing venues are matched by name and updated; a value left empty in the file never erases
one in the database. ``Venue.source`` gets a short attribution residents can read
(``ATTRIBUTIONS``), never a research note.

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

from base.audit import log_action
from base.inputs import decode_csv
from classes.choices import TOSHIMA_AREAS
from classes.models import Venue

KEEP_MARKER = "区民ひろば"
TEMPORARY_MARKER = "仮施設"
FORMER_MARKER = "旧"
WARD = "豊島区"

# The attribution shown to residents under a venue imported from each layout.
ATTRIBUTIONS = {
    "public_facilities": "出典：豊島区「公共施設一覧」（CC BY 2.1 JP）",
    "compiled": (
        "出典：豊島区「公共施設一覧」（CC BY 2.1 JP）、"
        "東京都福祉局「赤ちゃん・ふらっと一覧」（CC BY 4.0）"
    ),
}

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
    # The compiled list (toshima_kumin_hiroba_full.csv) adds these.
    "area": ("town_from_address", "町名"),
    "chome": ("chome_from_address", "丁目"),
    "chome_derived": ("chome_polygon_2010_derived",),
    "nearest_station": ("nearest_station", "最寄り駅"),
    "facility_type": ("facility_type",),
}
# English header names of the compiled list for the national format's keys.
COLUMNS["name"] += ("name",)
COLUMNS["address"] += ("address",)
COLUMNS["latitude"] += ("lat",)
COLUMNS["longitude"] += ("lon",)
COMPILED_ONLY = {"area", "chome", "chome_derived", "nearest_station", "facility_type"}
_HEADER_KEYS = {
    unicodedata.normalize("NFKC", alias).strip(): key
    for key, aliases in COLUMNS.items()
    for alias in aliases
}
LIMITS = {
    "name": 120,
    "name_kana": 120,
    "address": 200,
    "address_detail": 120,
    "phone": 20,
    "nearest_station": 120,
}
CHOME = re.compile(r"^[1-9][0-9]?$")
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
    "area": (
        _("町名「%(value)s」は豊島区の町名ではありません。"),
        "The 町名 %(value)r is not a Toshima town name.",
    ),
    "chome": (
        _("丁目「%(value)s」を数字として読めません（例：2）。"),
        "The 丁目 %(value)r is not a number (e.g. 2).",
    ),
    "duplicate_name": (
        _("同じ名称の行が %(first)s 行目にもあります。"),
        "The same name is already on line %(first)s.",
    ),
}
_COLUMN_LABELS = {
    **{k: v[0] for k, v in COLUMNS.items()},
    "latitude": "緯度",
    "longitude": "経度",
    "nearest_station": "最寄り駅",
}


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
    changes: dict[str, list[str]] = field(default_factory=dict)  # updated name → fields
    unchanged: list[str] = field(default_factory=list)
    skipped_other: int = 0
    skipped_temporary: list[str] = field(default_factory=list)
    skipped_former: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def skipped(self) -> int:
        return (
            self.skipped_other
            + len(self.skipped_temporary)
            + len(self.skipped_former)
            + len({e.line for e in self.errors})
        )


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


def chome_from_address(address: str, area: str) -> str:
    """The 丁目 of a Toshima address in 町名: 豊島区駒込2-2-4 → 2, …要町一丁目5番1号 → 1."""
    text = unicodedata.normalize("NFKC", address or "").replace(" ", "")
    text = text.replace("雑司ヶ谷", "雑司が谷").replace("雑司ケ谷", "雑司が谷")
    _before, found, rest = text.partition(WARD + area) if area else ("", "", "")
    if not found:
        return ""
    match = re.match(r"([0-9]{1,2})(?:-|丁目)", rest) or re.match(r"([一二三四五六七])丁目", rest)
    if match is None:
        return ""
    number = match.group(1)
    return number if number.isdigit() else str("一二三四五六七".index(number) + 1)


def split_town_chome(text: str) -> tuple[str, str]:
    """町名 and 丁目 of a 町丁目 name: 巣鴨３丁目 → (巣鴨, 3); ('', '') when it is not one."""
    text = unicodedata.normalize("NFKC", text or "").replace(" ", "")
    match = re.fullmatch(r"(.+?)([0-9]{1,2})丁目", text)
    if match is None or match.group(1) not in TOSHIMA_AREAS:
        return "", ""
    return match.group(1), match.group(2)


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
        layout = "compiled" if COMPILED_ONLY & columns.keys() else "public_facilities"
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
            facility.values["source"] = ATTRIBUTIONS[layout]
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
    audit: str = "",
    actor=None,
    request=None,
) -> VenueImportReport:
    """Create or update the venues of the file; nothing is written when a kept row is bad.

    ``source``: the attribution stored on the venues; by default the layout's
    (``ATTRIBUTIONS``). ``audit`` ("command" or "admin"): a written import records one
    ``classes.venues.imported`` entry (``actor``, the ``request``'s address, the counts) in
    its transaction; a dry run, or the demo seed (no ``audit``), records nothing."""
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
            if source:
                values["source"] = source
            if venue is None:
                report.created.append(facility.name)
                if not dry_run:
                    Venue.objects.create(name=facility.name, **values)
                continue
            changed = [k for k, v in values.items() if getattr(venue, k) != v]
            if not changed:
                report.unchanged.append(facility.name)
                continue
            report.updated.append(facility.name)
            report.changes[facility.name] = changed
            if not dry_run:
                for key in changed:
                    setattr(venue, key, values[key])
                venue.save(update_fields=changed)
        if audit and not dry_run:
            log_action(
                "classes.venues.imported",
                user=actor,
                data={
                    "source": audit,
                    "total_rows": report.total_rows,
                    "created": len(report.created),
                    "updated": len(report.updated),
                    "unchanged": len(report.unchanged),
                    "skipped": report.skipped,
                },
                request=request,
            )
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
    kind = cell("facility_type")
    if KEEP_MARKER not in name:
        report.skipped_other += 1
        return None
    if kind == "former_site" or name.startswith(FORMER_MARKER):
        report.skipped_former.append(name)
        return None
    temporary = kind == "temporary_site" or TEMPORARY_MARKER in name
    if temporary and not include_temporary:
        report.skipped_temporary.append(name)
        return None
    errors: list[RowError] = []
    if len(cells) != len(header):
        errors.append(RowError(line, "cells"))
    values: dict[str, object] = {}
    for key in ("name", "name_kana", "address", "address_detail", "phone", "nearest_station"):
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
    area, chome = _town_and_chome(line, cell, str(values["address"]), errors)
    values["area"], values["chome"] = area, chome
    if temporary:
        values["is_active"] = False
    if errors:
        report.errors.extend(errors)
        return None
    del values["name"]
    return Facility(line=line, name=name, values=values)


def _town_and_chome(line: int, cell, address: str, errors: list[RowError]) -> tuple[str, str]:
    """町名 and 丁目: the file's columns, else the address, else the 町丁目 of the point."""
    area = cell("area").replace("雑司ヶ谷", "雑司が谷").replace("雑司ケ谷", "雑司が谷")
    if area and area not in TOSHIMA_AREAS:
        errors.append(RowError(line, "area", {"value": area}))
        return "", ""
    chome = cell("chome")
    if chome and not CHOME.match(chome):
        errors.append(RowError(line, "chome", {"value": chome}))
        return "", ""
    area = area or area_from_address(address)
    chome = chome or chome_from_address(address, area)
    if not area:
        area, derived_chome = split_town_chome(cell("chome_derived"))
        chome = chome or derived_chome
    return area, chome
