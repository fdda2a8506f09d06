"""Dates follow the language: templates and code name a format (config/formats/ja, en)
instead of writing a Japanese one, so English pages show English dates."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.utils import formats, timezone, translation

from accounts.roles import Role
from tests.gates.support import sign_in

ROOT = Path(__file__).resolve().parents[2]
# A date format written out in a template: |date:"…年…" (either quote), with 年, 月 or 日.
WRITTEN_FORMAT = re.compile(r"""\|\s*date\s*:\s*(["'])[^"']*[年月日][^"']*\1""")
# The same in Python: a format string with Django's date letters and 年/月/日 (Y年, n月, j日).
PYTHON_FORMAT = re.compile(r"""["'][^"'\n]*(?:Y年|[nm]月|[jd]日)[^"'\n]*["']""")


def test_no_template_writes_a_japanese_date_format():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {match.group(0)}"
        for path in sorted((ROOT / "templates").rglob("*"))
        if path.is_file() and path.suffix in {".html", ".txt", ".xml"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for match in WRITTEN_FORMAT.finditer(line)
    ]
    assert not found, "\n".join(found)


def test_no_python_module_writes_a_japanese_date_format():
    skip = {".venv", "node_modules", "tests", "migrations", "formats", "locale"}
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(ROOT.rglob("*.py"))
        if not skip & set(path.relative_to(ROOT).parts)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if PYTHON_FORMAT.search(line) and ("format" in line.lower() or "date" in line.lower())
    ]
    assert not found, "\n".join(found)


def test_the_collector_sees_a_written_format():
    assert WRITTEN_FORMAT.search('{{ day|date:"Y年n月j日（D）" }}')
    assert WRITTEN_FORMAT.search("{{ day|date:'n月j日' }}")
    assert not WRITTEN_FORMAT.search('{{ day|date:"WEEKDAY_DATE_FORMAT" }}')


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ja", "2027年1月11日（月）"),
        ("en", "Monday 11 January 2027"),
    ],
)
def test_named_formats_follow_the_language(language, expected):
    with translation.override(language):
        assert formats.date_format(date(2027, 1, 11), "WEEKDAY_DATE_FORMAT") == expected


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_staff_page_shows_the_date_in_its_language(client, make_user, language):
    sign_in(client, make_user(Role.TRAINER, mfa=True))
    client.cookies["django_language"] = language
    html = client.get("/staff/classes/today/").content.decode()
    today = timezone.localdate()
    japanese = f"{today.year}年{today.month}月{today.day}日"
    english = f"{today.day} {today.strftime('%B')} {today.year}"
    if language == "ja":
        assert japanese in html and english not in html
    else:
        assert english in html and japanese not in html
