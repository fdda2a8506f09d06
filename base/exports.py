"""Write report rows as CSV (UTF-8 with BOM, so Excel in Japanese opens it) or as .xlsx.

Both writers take the same header and rows, so a download holds what the page shows. Text that
a spreadsheet would read as a formula (a name starting with ``=``, ``+``, ``-`` or ``@``) is
prefixed with an apostrophe: a roster entry must never run as a formula on a manager's PC.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel's limit on a sheet name, and the characters it refuses in one.
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))

Cell = str | int | float | dt.date | dt.datetime | None


def safe_text(value: str) -> str:
    """Return text that a spreadsheet shows as text, never evaluates as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _plain(value: Any) -> Cell:
    """Turn a cell into something both writers store: text, a number, a date or nothing."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime):
        # Excel has no time zones: write the local (Tokyo) wall-clock time.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, dt.date):
        return value
    return safe_text(str(value))


def _csv_cell(value: Cell) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """Return the rows as CSV: UTF-8 with a byte-order mark, CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(_plain(h)) for h in header])
    for row in rows:
        writer.writerow([_csv_cell(_plain(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def sheet_name(title: str) -> str:
    """Return a sheet name Excel accepts (at most 31 characters, no ``[]:*?/\\``)."""
    return (title.translate(SHEET_NAME_FORBIDDEN).strip("'") or "Sheet")[:SHEET_NAME_MAX]


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """Return the rows as one .xlsx sheet with a bold, frozen header row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name(title)
    sheet.append([_plain(h) for h in header])
    widths = [max(len(str(h)) * 2, 8) for h in header]
    for row in rows:
        values = [_plain(v) for v in row]
        sheet.append(values)
        for index, value in enumerate(values):
            if isinstance(value, dt.datetime):
                sheet.cell(row=sheet.max_row, column=index + 1).number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, dt.date):
                sheet.cell(row=sheet.max_row, column=index + 1).number_format = "yyyy-mm-dd"
            if index < len(widths):
                widths[index] = min(max(widths[index], len(_csv_cell(value)) + 2), 60)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_response(
    fmt: str, filename: str, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]
) -> HttpResponse:
    """Return a download of the rows; ``filename`` has no extension and may be Japanese."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}.")
    body = csv_bytes(header, rows) if fmt == CSV else xlsx_bytes(title, header, rows)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = _attachment(f"{filename}.{fmt}")
    response["Cache-Control"] = "no-store"
    return response


def _attachment(filename: str) -> str:
    """A Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266)."""
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    ascii_name = ascii_name.replace('"', "").lstrip("._-") or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
