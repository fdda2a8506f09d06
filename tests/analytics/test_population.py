"""The population importer, its command and the queries over the figures."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from analytics.baseline import ATTRIBUTION, national_smartphone_use
from analytics.models import PopulationFigure
from analytics.population import (
    C2016_AS_OF,
    C2016_NOTE,
    PopulationImportError,
    import_population,
    latest_dataset,
    parse_band,
    population_by_town,
    read_population,
    split_place,
)
from classes.choices import TOSHIMA_AREAS

DATA = Path(__file__).resolve().parents[2] / "analytics" / "data"
C2016 = DATA / "toshima_pop_chome_agegroups_c2016.csv"

WIDE = (
    "町丁目名,0～4歳_男,0～4歳_女,65歳以上_男,65歳以上_女,高齢化率\r\n"
    "池袋本町１丁目,10,11,100,120,0.2\r\n"
    "池袋本町２丁目,5,6,50,70,0.3\r\n"
    "駒込,1,2,30,40,0.5\r\n"
)


def _write(tmp_path: Path, text: str, encoding: str, name: str = "pop.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- Town names -------------------------------------------------------------------------


def test_booking_areas_are_exactly_the_wards_20_town_names():
    with (DATA / "toshima_town_names.csv").open(encoding="utf-8") as fh:
        towns = [row["town"] for row in csv.DictReader(fh)]
    assert len(towns) == 20
    assert sorted(TOSHIMA_AREAS) == sorted(towns)
    assert len(set(TOSHIMA_AREAS)) == 20


def test_every_town_of_the_2016_file_is_a_booking_area():
    with C2016.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 83
    assert {row["town"] for row in rows} <= set(TOSHIMA_AREAS)
    assert {row["town"] for row in rows} == set(TOSHIMA_AREAS)
    # The combined name splits into the same town and chome as the file's own columns.
    for row in rows:
        assert split_place(row["chome_name_as_listed"]) == (row["town"], row["chome"])


# --- Parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "band"),
    [
        ("65歳以上", (65, None)),
        ("18～39歳", (18, 39)),
        ("18〜39歳", (18, 39)),
        ("０～４歳", (0, 4)),
        ("0-4", (0, 4)),
        ("18歳未満", (0, 17)),
        ("5歳", (5, 5)),
        ("100歳以上", (100, None)),
        ("総数", None),
        ("39～18歳", None),
        ("0歳未満", None),
    ],
)
def test_parse_band(text, band):
    assert parse_band(text) == band


def test_split_place_reads_full_width_and_kanji_numerals():
    assert split_place("池袋本町１丁目") == ("池袋本町", "1")
    assert split_place("駒込七丁目") == ("駒込", "7")
    assert split_place("雑司ケ谷2丁目") == ("雑司が谷", "2")
    assert split_place("南池袋") == ("南池袋", "")
    assert split_place("新宿１丁目") == ("新宿１丁目".replace("１", "1"), "")


def test_wide_file_sums_the_sexes_and_ignores_other_columns():
    figures, report, errors = read_population(WIDE.encode("utf-8"))
    assert errors == []
    assert report.layout == "wide"
    got = {(f.town, f.chome, f.age_from, f.age_to): f.count for f in figures}
    assert got == {
        ("池袋本町", "1", 0, 4): 21,
        ("池袋本町", "1", 65, None): 220,
        ("池袋本町", "2", 0, 4): 11,
        ("池袋本町", "2", 65, None): 120,
        ("駒込", "", 0, 4): 3,
        ("駒込", "", 65, None): 70,
    }


def test_long_file_with_male_and_female_columns_and_a_total_row():
    text = (
        "町名,丁目,年齢区分,男,女\n"
        "巣鴨,1,0～4歳,3,4\n"
        '巣鴨,1,65歳以上,"1,200",-\n'
        "巣鴨,1,総数,1203,4\n"
    )
    figures, report, errors = read_population(text.encode("cp932"))
    assert errors == []
    assert report.layout == "long" and report.encoding == "CP932"
    assert report.skipped_totals == 1
    assert {(f.age_from, f.age_to): f.count for f in figures} == {(0, 4): 7, (65, None): 1200}


def test_subtotal_bands_are_left_out():
    text = "町名,丁目,65～69歳,70歳以上,65歳以上\n要町,1,10,20,30\n"
    figures, report, errors = read_population(text.encode("utf-8"))
    assert errors == []
    assert report.subtotal_bands == ["65歳以上"]
    assert sum(f.count for f in figures) == 30


def test_overlapping_bands_are_refused():
    text = "町名,丁目,60～69歳,65～74歳\n要町,1,10,20\n"
    with pytest.raises(PopulationImportError) as caught:
        read_population(text.encode("utf-8"))
    assert caught.value.code == "overlapping_bands"


# --- Import -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_cp932_file_is_imported(tmp_path):
    path = _write(tmp_path, WIDE, "cp932")
    report = import_population(
        path, as_of=dt.date(2026, 1, 1), source="豊島区", licence="CC BY 2.1 JP", note=""
    )
    assert report.encoding == "CP932"
    assert report.figures == PopulationFigure.objects.count() == 6
    row = PopulationFigure.objects.get(town="池袋本町", chome="1", age_from=65)
    assert (row.age_to, row.count, row.source, row.licence) == (None, 220, "豊島区", "CC BY 2.1 JP")


@pytest.mark.django_db
def test_utf8_bom_file_is_imported(tmp_path):
    path = _write(tmp_path, WIDE, "utf-8-sig")
    report = import_population(path.open("rb"), as_of=dt.date(2026, 1, 1))
    assert report.encoding == "UTF-8 (BOM)"
    assert PopulationFigure.objects.count() == 6


@pytest.mark.django_db
def test_a_bad_row_is_refused_with_its_line_number_and_nothing_is_written(tmp_path):
    text = WIDE + "新宿１丁目,1,1,1,1,0\r\n" + "駒込２丁目,1,x,1,1,0\r\n"
    path = _write(tmp_path, text, "cp932")
    with pytest.raises(PopulationImportError) as caught:
        import_population(path, as_of=dt.date(2026, 1, 1))
    assert caught.value.code == "invalid_rows"
    errors = {(e.line, e.code) for e in caught.value.errors}
    assert errors == {(5, "unknown_town"), (6, "bad_count")}
    unknown = next(e for e in caught.value.errors if e.line == 5)
    assert "豊島区の町名ではありません" in unknown.message
    assert "not one of Toshima's 20 town names" in unknown.english
    assert str(unknown).startswith("5 行目：")
    assert PopulationFigure.objects.count() == 0


@pytest.mark.django_db
def test_town_and_chome_rows_of_one_town_are_refused():
    text = "町丁目名,65歳以上\n駒込1丁目,5\n駒込,9\n"
    with pytest.raises(PopulationImportError) as caught:
        import_population(text.encode(), as_of=dt.date(2026, 1, 1))
    assert [(e.line, e.code) for e in caught.value.errors] == [(3, "town_and_chome")]


@pytest.mark.django_db
def test_a_second_import_of_a_date_needs_replace():
    day = dt.date(2026, 1, 1)
    import_population(WIDE.encode(), as_of=day)
    with pytest.raises(PopulationImportError) as caught:
        import_population(WIDE.replace("220", "0").encode(), as_of=day)
    assert caught.value.code == "exists"
    smaller = "町名,丁目,65歳以上\n要町,1,7\n"
    report = import_population(smaller.encode(), as_of=day, replace=True)
    assert report.replaced == 6
    assert list(PopulationFigure.objects.values_list("town", "count")) == [("要町", 7)]


@pytest.mark.django_db
def test_as_of_may_come_from_the_file():
    text = "基準日,町名,丁目,65歳以上\n2026年1月1日,要町,1,7\n2026/01/01,要町,2,8\n"
    report = import_population(text.encode())
    assert report.as_of == dt.date(2026, 1, 1)
    text = "基準日,町名,丁目,65歳以上\n2026-01-01,要町,1,7\n2026-02-01,要町,2,8\n"
    with pytest.raises(PopulationImportError) as caught:
        import_population(text.encode())
    assert [(e.line, e.code) for e in caught.value.errors] == [(3, "other_as_of")]


@pytest.mark.django_db
def test_the_2016_file_loads_83_places_by_4_bands():
    import_population(C2016, as_of=C2016_AS_OF, note=C2016_NOTE, source="xiushu53/toshima_pop")
    figures = PopulationFigure.objects.all()
    assert figures.count() == 83 * 4
    assert figures.order_by().values("town", "chome").distinct().count() == 83
    assert sorted(figures.order_by().values_list("age_from", "age_to").distinct()) == [
        (0, 17),
        (18, 39),
        (40, 64),
        (65, None),
    ]
    with C2016.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    expected_65 = sum(int(row["age65plus_computed"]) for row in rows)
    by_town = population_by_town()
    assert len(by_town) == 20
    assert by_town["population"].sum() == expected_65 == 57464
    everyone = population_by_town(min_age=None)
    assert everyone["population"].sum() == sum(int(row["total_computed"]) for row in rows)
    dataset = latest_dataset()
    assert dataset.as_of == dt.date(2016, 1, 1)
    assert "as of about 2016, source unverified" in dataset.note
    assert "2016年ごろ・出典未確認" in dataset.note


@pytest.mark.django_db
def test_population_by_town_by_hand(django_assert_num_queries):
    old = "町名,丁目,65歳以上\n要町,1,1000\n"
    import_population(old.encode(), as_of=dt.date(2020, 1, 1))
    text = (
        "町丁目名,0～64歳,65～74歳,75歳以上\n"
        "駒込１丁目,100,10,5\n"
        "駒込２丁目,200,20,7\n"
        "要町３丁目,300,30,0\n"
    )
    import_population(text.encode(), as_of=dt.date(2026, 1, 1), note="n", licence="L")
    with django_assert_num_queries(1):
        frame = population_by_town()
    # The ward's order of towns: 駒込 comes before 要町.
    assert frame.to_dict("records") == [
        {"town": "駒込", "population": 42},
        {"town": "要町", "population": 30},
    ]
    assert population_by_town(min_age=75).to_dict("records") == [
        {"town": "駒込", "population": 12},
        {"town": "要町", "population": 0},
    ]
    assert population_by_town(dt.date(2020, 1, 1))["population"].tolist() == [1000]
    assert population_by_town(min_age=0)["population"].tolist() == [342, 330]
    assert population_by_town(dt.date(1999, 1, 1)).empty
    with django_assert_num_queries(1):
        dataset = latest_dataset()
    assert (dataset.as_of, dataset.licence, dataset.note) == (dt.date(2026, 1, 1), "L", "n")


@pytest.mark.django_db
def test_no_figures_no_dataset():
    assert latest_dataset() is None
    frame = population_by_town()
    assert frame.empty and list(frame.columns) == ["town", "population"]


# --- The command ------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_dry_run_writes_nothing(tmp_path, capsys):
    call_command("import_population", str(C2016), "--as-of", "2016-01-01", "--dry-run")
    out = capsys.readouterr().out
    assert "Dry run: nothing was written." in out
    assert "figures: 332" in out
    assert PopulationFigure.objects.count() == 0


@pytest.mark.django_db
def test_command_imports_with_note_and_licence(capsys):
    call_command(
        "import_population",
        str(C2016),
        "--as-of=2016-01-01",
        f"--note={C2016_NOTE}",
        "--licence=不明",
    )
    assert PopulationFigure.objects.count() == 332
    assert set(PopulationFigure.objects.values_list("as_of_note", "licence")) == {
        (C2016_NOTE, "不明")
    }
    assert set(PopulationFigure.objects.values_list("source", flat=True)) == {
        "町丁別・年齢別人口（toshima_pop_chome_agegroups_c2016.csv）"
    }


@pytest.mark.django_db
def test_command_refuses_bad_rows_with_exit_code_2(tmp_path, capsys):
    path = _write(tmp_path, WIDE + "新宿１丁目,1,1,1,1,0\r\n", "cp932")
    with pytest.raises(CommandError) as caught:
        call_command("import_population", str(path), "--as-of", "2026-01-01")
    assert caught.value.returncode == 2
    assert "何も書き込みませんでした" in str(caught.value)
    assert "nothing was written" in str(caught.value)
    err = capsys.readouterr().err
    assert "5 行目：" in err and "line 5:" in err
    assert PopulationFigure.objects.count() == 0


@pytest.mark.django_db
def test_command_refuses_without_a_date_and_a_bad_date(tmp_path):
    path = _write(tmp_path, WIDE, "utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import_population", str(path))
    assert caught.value.returncode == 2 and "--as-of" in str(caught.value)
    with pytest.raises(CommandError) as caught:
        call_command("import_population", str(path), "--as-of", "2026/13/01")
    assert caught.value.returncode == 2
    with pytest.raises(CommandError) as caught:
        call_command("import_population", str(tmp_path / "missing.csv"), "--as-of", "2026-01-01")
    assert caught.value.returncode == 2
    assert PopulationFigure.objects.count() == 0


@pytest.mark.django_db
def test_command_exit_status_in_a_subprocess(tmp_path):
    """The shell sees 2 for a refused file (CommandError's returncode)."""
    import os
    import subprocess
    import sys

    path = _write(tmp_path, "町名,丁目\n要町,1\n", "utf-8")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_population", str(path), "--as-of", "2026-01-01"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        env={**os.environ, "DEBUG": "1"},
        check=False,
    )
    assert result.returncode == 2
    assert "年齢の列がありません" in result.stderr and "No age columns" in result.stderr


# --- National baseline ------------------------------------------------------------------


def test_national_smartphone_use_is_the_latest_primary_year_per_age_group():
    frame = national_smartphone_use()
    assert frame[["age_group", "survey_year", "value_pct"]].to_dict("records") == [
        {"age_group": "all", "survey_year": 2024, "value_pct": 74.4},
        {"age_group": "60-69", "survey_year": 2024, "value_pct": 78.8},
        {"age_group": "70-79", "survey_year": 2024, "value_pct": 53.0},
    ]
    assert set(frame["survey"]) == {"総務省 通信利用動向調査"}
    assert all(source.startswith("情報通信白書 令和7年版") for source in frame["source"])
    assert ATTRIBUTION == "出典：総務省 通信利用動向調査（情報通信白書 令和7年版）"


# --- Admin ------------------------------------------------------------------------------

ADMIN_URL = "/admin/snippets/analytics/populationfigure/"


@pytest.mark.django_db
def test_admin_lists_figures_read_only(client, make_user):
    import_population(WIDE.encode(), as_of=dt.date(2026, 1, 1), note="2016年ごろ・出典未確認")
    figure = PopulationFigure.objects.get(town="駒込", age_from=65)
    admin = make_user("admin", mfa=True)
    client.force_login(admin)
    response = client.get(ADMIN_URL)
    assert response.status_code == 200
    assert "池袋本町" in response.content.decode()
    assert client.get(f"{ADMIN_URL}inspect/{figure.pk}/").status_code == 200
    assert client.get(f"{ADMIN_URL}add/").status_code in (302, 403)
    assert client.get(f"{ADMIN_URL}edit/{figure.pk}/").status_code in (302, 403)
    assert client.post(f"{ADMIN_URL}delete/{figure.pk}/").status_code in (302, 403)
    assert PopulationFigure.objects.filter(pk=figure.pk, count=70).exists()


@pytest.mark.django_db
def test_admin_figures_are_for_admins_only(client, make_user):
    client.force_login(make_user("trainer", mfa=True))
    assert client.get(ADMIN_URL).status_code == 403


@pytest.mark.django_db
def test_ward_style_long_file_in_cp932_with_totals(tmp_path):
    """One row per place and age, 男・女・計, kanji 丁目, town and ward totals left out."""
    text = (
        "基準日,町丁名,年齢,男,女,計\r\n"
        "2026/01/01,池袋本町一丁目,0～4歳,10,9,19\r\n"
        "2026/01/01,池袋本町一丁目,65～69歳,20,25,45\r\n"
        "2026/01/01,池袋本町一丁目,70歳以上,30,40,70\r\n"
        "2026/01/01,池袋本町一丁目,総数,60,74,134\r\n"
        "2026/01/01,池袋本町計,総数,60,74,134\r\n"
        "2026/01/01,豊島区計,総数,60,74,134\r\n"
    )
    path = _write(tmp_path, text, "cp932")
    report = import_population(path, source="豊島区", licence="CC BY 2.1 JP")
    assert (report.as_of, report.encoding, report.layout) == (dt.date(2026, 1, 1), "CP932", "long")
    assert report.skipped_totals == 3
    assert population_by_town().to_dict("records") == [{"town": "池袋本町", "population": 115}]
    assert population_by_town(min_age=None)["population"].tolist() == [134]
