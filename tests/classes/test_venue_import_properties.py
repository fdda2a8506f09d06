"""Properties of the venue importer (classes.venue_import), checked with hypothesis.

Any bytes or any CSV text give either a report (with each bad row's line number) or a
``VenueImportError`` with a message; never another exception, and never a half-written
database. Valid rows written as the ward's CSV, in CP932 or UTF-8 with a BOM, come back as
the same venues.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from base.inputs import is_clean_text
from classes.choices import TOSHIMA_AREAS
from classes.models import Venue
from classes.venue_import import VenueImportError, import_venues, read_facilities

pytestmark = pytest.mark.django_db

HEADER = ["ID", "名称", "名称_カナ", "住所", "方書", "緯度", "経度", "電話番号"]
# Characters that survive CP932 both ways (hypothesis warns about ¢ £ ¬ ‖ − 〜, which do not).
cp932_text = st.text(
    alphabet=st.characters(codec="cp932", exclude_characters="¢£¬‖−〜", exclude_categories=["Cc"]),
    max_size=12,
)
cells = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=st.characters() | st.characters(categories=["Cc"]), max_size=12),
    st.sampled_from(
        [
            "区民ひろば駒込",
            "区民ひろば\x00要",
            "区民ひろば要（仮施設）",
            "",
            "35.7",
            "NaN",
            "1e999",
            "-0",
        ]
    ),
)
rows = st.lists(st.lists(cells, max_size=10), max_size=6)


def as_csv(header: list[str], body: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue()


def snapshot() -> list[tuple]:
    return list(Venue.objects.order_by("pk").values_list())


def read_or_refuse(data: bytes):
    try:
        facilities, report = read_facilities(data, include_temporary=True)
    except VenueImportError as exc:
        assert exc.message.strip()
        assert exc.english.strip()
        return None
    lines = data.count(b"\n") + 1
    for error in report.errors:
        assert 2 <= error.line <= lines
        assert error.message.strip()
    return facilities


@hypothesis_settings(max_examples=150, deadline=None, derandomize=True)
@given(st.binary(max_size=300) | st.binary(max_size=300).map(lambda data: b"\xef\xbb\xbf" + data))
def test_any_bytes_are_read_or_refused_with_a_message(data):
    read_or_refuse(data)


@hypothesis_settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.lists(cells, min_size=1, max_size=10).map(lambda extra: HEADER + extra) | st.just(HEADER),
    rows,
    st.sampled_from(["utf-8", "utf-8-sig", "cp932"]),
)
def test_any_csv_text_is_read_or_refused_and_kept_values_are_clean(header, body, encoding):
    try:
        data = as_csv(header, body).encode(encoding)
    except UnicodeEncodeError:
        return
    facilities = read_or_refuse(data)
    for facility in facilities or []:
        assert is_clean_text(facility.name)
        for value in facility.values.values():
            assert not isinstance(value, str) or is_clean_text(value)


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows, st.booleans())
def test_a_refused_file_writes_nothing(body, skip_invalid):
    Venue.objects.get_or_create(name="区民ひろば駒込", defaults={"address": "豊島区駒込2-2-4"})
    before = snapshot()
    text = as_csv(
        HEADER, [["1", "区民ひろば西巣鴨", "", "豊島区西巣鴨1-1-1", "", "", "", ""], *body]
    )
    if not is_clean_text(text):
        return  # lone surrogates cannot be written in any encoding
    try:
        report = import_venues(text.encode("utf-8"), skip_invalid=skip_invalid)
    except VenueImportError as exc:
        assert exc.message.strip()
        assert snapshot() == before
        return
    assert len(snapshot()) == len(before) + len(report.created)


facility_rows = st.lists(
    st.fixed_dictionaries(
        {
            "name": cp932_text.map(lambda text: "区民ひろば" + text.replace("仮施設", "").strip()),
            "name_kana": cp932_text,
            "area": st.sampled_from(TOSHIMA_AREAS),
            "street": st.integers(1, 9),
            "latitude": st.decimals("35.700000", "35.760000", places=6),
            "longitude": st.decimals("139.680000", "139.750000", places=6),
            "phone": st.from_regex(r"03-[0-9]{4}-[0-9]{4}", fullmatch=True),
        }
    ),
    min_size=1,
    max_size=5,
    unique_by=lambda row: " ".join(row["name"].split()),
)


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(facility_rows, st.sampled_from(["cp932", "utf-8-sig"]))
def test_valid_rows_round_trip_in_cp932_and_utf8_with_bom(facilities, encoding):
    Venue.objects.all().delete()
    body = [
        [
            str(n),
            row["name"],
            row["name_kana"],
            f"東京都豊島区{row['area']}{row['street']}-1-1",
            "",
            str(row["latitude"]),
            str(row["longitude"]),
            row["phone"],
        ]
        for n, row in enumerate(facilities, start=1)
    ]

    report = import_venues(as_csv(HEADER, body).encode(encoding), include_temporary=True)

    assert report.errors == []
    for row in facilities:
        venue = Venue.objects.get(name=" ".join(row["name"].split()))
        assert venue.area == row["area"]
        assert venue.latitude == Decimal(row["latitude"])
        assert venue.longitude == Decimal(row["longitude"])
        assert venue.phone == row["phone"]


def test_a_bom_followed_by_broken_utf8_is_unreadable_not_a_crash():
    # decode() read BOM-marked files as UTF-8 without catching UnicodeDecodeError.
    with pytest.raises(VenueImportError) as info:
        read_facilities(b"\xef\xbb\xbf\xff\xfe")
    assert info.value.code == "unreadable"


def test_a_nul_in_the_file_is_unreadable():
    # PostgreSQL cannot store NUL: the file is refused before any row is read.
    data = as_csv(HEADER, [["1", "区民ひろば\x00駒込", "", "豊島区駒込2-2-4"]]).encode()
    with pytest.raises(VenueImportError) as info:
        read_facilities(data)
    assert info.value.code == "unreadable"
