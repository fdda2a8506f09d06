"""CSV and Excel writers shared by the reports and the analytics downloads (base.exports)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from base.exports import csv_bytes, export_response, safe_text, sheet_name, xlsx_bytes

HEADER = ["職員番号", "氏名", "修了日時", "期限", "得点"]
ROWS = [
    [
        "100001",
        "豊島 花子",
        dt.datetime(2026, 3, 31, 14, 30, tzinfo=dt.UTC),
        dt.date(2026, 6, 30),
        92.5,
    ],
    ["100002", '=HYPERLINK("http://evil")', None, dt.date(2026, 6, 30), None],
    ["100003", "池袋 太郎, 「課長」", None, None, 0],
]


def test_csv_starts_with_bom_and_parses_to_the_same_rows():
    data = csv_bytes(HEADER, ROWS)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == HEADER
    # 14:30 UTC on 31 March is 23:30 in Tokyo: the local time is what the reader expects.
    assert rows[1] == ["100001", "豊島 花子", "2026-03-31 23:30", "2026-06-30", "92.5"]
    assert rows[2][1] == '\'=HYPERLINK("http://evil")'
    assert rows[2][2] == "" and rows[2][4] == ""
    assert rows[3] == ["100003", "池袋 太郎, 「課長」", "", "", "0"]


def test_xlsx_holds_the_same_rows_with_typed_dates_and_no_formulas():
    data = xlsx_bytes("研修状況 2026年度", HEADER, ROWS)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet.title == "研修状況 2026年度"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADER
    assert values[1] == [
        "100001",
        "豊島 花子",
        dt.datetime(2026, 3, 31, 23, 30),
        dt.datetime(2026, 6, 30, 0, 0),
        92.5,
    ]
    # Stored as text, not as a formula Excel would evaluate.
    assert sheet["B3"].data_type == "s"
    assert values[2][1] == '\'=HYPERLINK("http://evil")'
    assert values[3][4] == 0
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold


def test_csv_and_xlsx_agree_cell_by_cell():
    csv_rows = list(csv.reader(io.StringIO(csv_bytes(HEADER, ROWS).decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(xlsx_bytes("x", HEADER, ROWS))).active
    xlsx_rows = list(sheet.iter_rows(values_only=True))
    assert len(csv_rows) == len(xlsx_rows) == len(ROWS) + 1
    for csv_row, xlsx_row in zip(csv_rows, xlsx_rows, strict=True):
        for text, value in zip(csv_row, xlsx_row, strict=True):
            if isinstance(value, dt.datetime):
                assert text.startswith(value.date().isoformat())
            elif isinstance(value, float | int):
                assert float(text) == value
            else:
                assert text == (value or "")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+81", "'+81"), ("-3", "'-3"), ("@SUM", "'@SUM"), ("豊島", "豊島")],
)
def test_safe_text_defuses_formula_starts(value, expected):
    assert safe_text(value) == expected


def test_sheet_name_fits_excel_rules():
    assert (
        sheet_name("情報セキュリティ研修/2026:前期[全庁]") == "情報セキュリティ研修_2026_前期_全庁_"
    )
    assert len(sheet_name("あ" * 40)) == 31


def test_export_response_headers():
    response = export_response("csv", "training-2026", "t", HEADER, ROWS)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="training-2026.csv"')
    assert response["Cache-Control"] == "no-store"
    response = export_response("xlsx", "研修状況", "t", HEADER, ROWS)
    assert "filename*=UTF-8''%E7%A0%94" in response["Content-Disposition"]
    load_workbook(io.BytesIO(response.content))
    with pytest.raises(ValueError):
        export_response("pdf", "x", "t", HEADER, ROWS)
