"""The full 区民ひろば list (classes/data/toshima_kumin_hiroba_full.csv) through the importer."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from classes.choices import TOSHIMA_AREAS
from classes.models import Venue
from classes.venue_import import ATTRIBUTIONS, VenueImportError, import_venues

pytestmark = pytest.mark.django_db

FULL = Path(__file__).resolve().parents[2] / "classes" / "data" / "toshima_kumin_hiroba_full.csv"
# Words of the research notes and *_source columns that must never reach a resident.
RESEARCH_WORDS = ("github", "kokage", "babyflat", "as read", "Not in", ".json", "@")


def test_the_26_current_hiroba_become_active_venues_with_town_and_chome():
    report = import_venues(FULL.read_bytes())
    assert len(report.created) == 26
    assert Venue.objects.filter(is_active=True).count() == 26
    assert sorted(report.skipped_temporary) == [
        "区民ひろば南大塚仮施設",
        "区民ひろば朋有仮施設",
        "区民ひろば要（仮施設）",
    ]
    assert report.skipped_former == ["旧区民ひろば椎名町"]
    assert not Venue.objects.filter(name__contains="仮施設").exists()
    assert not Venue.objects.filter(name__startswith="旧").exists()
    # Every venue has a 町名 of the ward, a 丁目 and coordinates; 23 have an address.
    for venue in Venue.objects.all():
        assert venue.area in TOSHIMA_AREAS, venue.name
        assert venue.chome.isdigit(), venue.name
        assert venue.latitude and venue.longitude
    assert Venue.objects.exclude(address="").count() == 23
    komagome = Venue.objects.get(name="区民ひろば駒込")
    assert (komagome.address, komagome.area, komagome.chome) == ("豊島区駒込2-2-4", "駒込", "2")
    assert komagome.latitude == Decimal("35.736860")
    # 千早 lies in 要町 by its address; 清和第一 has no address: the point's 町丁目 gives them.
    assert Venue.objects.get(name="区民ひろば千早").area == "要町"
    seiwa = Venue.objects.get(name="区民ひろば清和第一")
    assert (seiwa.address, seiwa.area, seiwa.chome) == ("", "巣鴨", "3")


def test_no_research_note_reaches_a_resident_visible_field():
    import_venues(FULL.read_bytes())
    for venue in Venue.objects.all():
        for name in ("address", "access", "accessibility", "nearest_station", "source"):
            value = getattr(venue, name)
            assert not any(word in value for word in RESEARCH_WORDS), (venue.name, name, value)
        assert venue.source == ATTRIBUTIONS["compiled"]
        assert venue.access == "" and venue.accessibility == ""


def test_temporary_sites_on_request_are_inactive():
    report = import_venues(FULL.read_bytes(), include_temporary=True)
    assert len(report.created) == 29
    assert Venue.objects.filter(is_active=False).count() == 3
    assert not Venue.objects.get(name="区民ひろば要（仮施設）").is_active


def test_reimport_keeps_admin_fields_and_changes_nothing():
    import_venues(FULL.read_bytes())
    Venue.objects.filter(name="区民ひろば駒込").update(
        nearest_station="JR山手線 駒込駅 徒歩5分", access="駅の東口から本郷通りを北へ"
    )
    again = import_venues(FULL.read_bytes())
    assert again.created == [] and again.updated == []
    venue = Venue.objects.get(name="区民ひろば駒込")
    assert venue.nearest_station == "JR山手線 駒込駅 徒歩5分"
    assert venue.access == "駅の東口から本郷通りを北へ"


def test_a_town_that_is_not_in_the_ward_is_a_row_error():
    data = (
        "name,facility_type,address,town_from_address,chome_from_address,lat,lon\n"
        "区民ひろば駒込,kumin_hiroba,豊島区駒込2-2-4,本駒込,2,35.7,139.7\n"
        "区民ひろば要,kumin_hiroba,豊島区要町1-5-1,要町,x,35.7,139.7\n"
    )
    with pytest.raises(VenueImportError) as exc:
        import_venues(data.encode())
    assert [(e.line, e.code) for e in exc.value.errors] == [(2, "area"), (3, "chome")]
    assert "本駒込" in exc.value.errors[0].message
    assert not Venue.objects.exists()


def test_command_imports_the_full_list(capsys):
    call_command("import_venues", str(FULL))
    out = capsys.readouterr().out
    assert "新規 / created: 26" in out
    assert "旧区民ひろば椎名町" in out
    assert Venue.objects.count() == 26
