"""Venue import from the 公共施設一覧 open data (classes.venue_import, import_venues)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from classes.models import Venue
from classes.venue_import import VenueImportError, area_from_address, import_venues

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"
KEPT = {"区民ひろば駒込", "区民ひろば南池袋", "区民ひろば要", "区民ひろば池袋本町"}


@pytest.mark.parametrize(
    ("filename", "encoding"),
    [
        ("public_facilities.csv", "UTF-8"),
        ("public_facilities_bom.csv", "UTF-8 (BOM)"),
        ("public_facilities_cp932.csv", "CP932"),
    ],
)
def test_import_keeps_hiroba_rows_in_every_encoding(filename, encoding):
    report = import_venues((DATA / filename).read_bytes())
    assert report.encoding == encoding
    assert set(Venue.objects.values_list("name", flat=True)) == KEPT
    assert sorted(report.created) == sorted(KEPT)
    assert report.skipped_other == 1  # the library
    assert report.skipped_temporary == ["区民ひろば要（仮施設）"]
    venue = Venue.objects.get(name="区民ひろば南池袋")
    assert venue.name_kana == "クミンヒロバミナミイケブクロ"
    assert venue.address == "東京都豊島区南池袋3-0-0"
    assert venue.address_detail == "区民集会室棟2階"
    assert venue.latitude == Decimal("35.725000")
    assert venue.longitude == Decimal("139.713000")
    assert venue.phone == "03-0000-0102"
    assert venue.area == "南池袋"


def test_full_width_digits_are_normalised():
    import_venues((DATA / "public_facilities.csv").read_bytes())
    venue = Venue.objects.get(name="区民ひろば池袋本町")
    assert venue.latitude == Decimal("35.744000")
    assert venue.phone == "03-0000-0106"
    assert venue.area == "池袋本町"


def test_temporary_sites_only_on_request():
    import_venues((DATA / "public_facilities.csv").read_bytes(), include_temporary=True)
    assert Venue.objects.filter(name="区民ひろば要（仮施設）").exists()
    assert Venue.objects.get(name="区民ひろば要").address == "東京都豊島区要町3-0-0"


def test_existing_venue_is_updated_by_name_and_keeps_its_own_notes():
    Venue.objects.create(
        name="区民ひろば駒込", address="豊島区駒込2-2-4", access="駒込駅から徒歩5分", phone=""
    )
    report = import_venues((DATA / "public_facilities.csv").read_bytes())
    assert "区民ひろば駒込" in report.updated
    assert "区民ひろば駒込" not in report.created
    venue = Venue.objects.get(name="区民ひろば駒込")
    assert venue.address == "東京都豊島区駒込2-2-4"
    assert venue.phone == "03-0000-0101"
    assert venue.area == "駒込"
    assert venue.access == "駒込駅から徒歩5分"
    assert Venue.objects.filter(name="区民ひろば駒込").count() == 1
    # A second run changes nothing.
    again = import_venues((DATA / "public_facilities.csv").read_bytes())
    assert again.created == [] and again.updated == []
    assert sorted(again.unchanged) == sorted(KEPT)


def test_bad_rows_block_the_import_with_line_numbers():
    with pytest.raises(VenueImportError) as exc:
        import_venues((DATA / "public_facilities_bad.csv").read_bytes())
    assert exc.value.code == "invalid_rows"
    # Line 5 (after a row with a two-line note): latitude; line 6: no name. Line 7 is
    # not a 区民ひろば, so its bad latitude does not count.
    assert [(e.line, e.code) for e in exc.value.errors] == [(5, "coordinate"), (6, "missing_name")]
    assert "北緯35度" in exc.value.errors[0].message
    assert not Venue.objects.exists()


def test_skip_invalid_imports_the_good_rows():
    report = import_venues((DATA / "public_facilities_bad.csv").read_bytes(), skip_invalid=True)
    assert set(Venue.objects.values_list("name", flat=True)) == {
        "区民ひろば駒込",
        "区民ひろば南池袋",
    }
    assert [e.line for e in report.errors] == [5, 6]


def test_dry_run_writes_nothing():
    report = import_venues((DATA / "public_facilities.csv").read_bytes(), dry_run=True)
    assert len(report.created) == 4
    assert not Venue.objects.exists()


def test_file_without_name_column_is_refused():
    with pytest.raises(VenueImportError) as exc:
        import_venues("ID,住所\n1,豊島区駒込1-1-1\n".encode())
    assert exc.value.code == "no_name_column"


def test_binary_garbage_is_refused():
    with pytest.raises(VenueImportError) as exc:
        import_venues(b"\x80\xff\xfe\x00\x81\x00")
    assert exc.value.code == "unreadable"


@pytest.mark.parametrize(
    ("address", "area"),
    [
        ("豊島区駒込2-2-4", "駒込"),
        ("東京都豊島区南池袋2-45-1", "南池袋"),
        ("東京都豊島区池袋本町1-1-1", "池袋本町"),
        ("東京都豊島区池袋2-1-1", "池袋"),
        ("豊島区西巣鴨４－１－１", "西巣鴨"),
        ("豊島区雑司ヶ谷3-1-1", "雑司が谷"),
        ("豊島区要町一丁目5番1号", "要町"),
        ("東京都文京区本駒込1-1-1", ""),
        ("", ""),
    ],
)
def test_area_is_the_town_name_after_the_ward(address, area):
    assert area_from_address(address) == area


def test_command_prints_a_summary(capsys):
    call_command("import_venues", str(DATA / "public_facilities_cp932.csv"))
    out = capsys.readouterr().out
    assert "CP932" in out
    assert "新規 / created: 4" in out
    assert "区民ひろば要（仮施設）" in out
    assert Venue.objects.count() == 4


def test_command_refuses_bad_rows_with_exit_2(capsys):
    with pytest.raises(CommandError) as exc:
        call_command("import_venues", str(DATA / "public_facilities_bad.csv"))
    assert exc.value.returncode == 2
    assert "何も書き込みませんでした" in str(exc.value) and "nothing was written" in str(exc.value)
    err = capsys.readouterr().err
    assert "5 行目" in err and "line 6" in err
    assert not Venue.objects.exists()


def test_command_refuses_a_missing_file():
    with pytest.raises(CommandError) as exc:
        call_command("import_venues", str(DATA / "no-such-file.csv"))
    assert exc.value.returncode == 2
    assert "ファイルを開けません" in str(exc.value)
