"""The class page's venue part (templates/classes/public/_venue.html): address, 町名, 最寄り駅,
a plain map link, the attribution, and never a research note."""

from __future__ import annotations

from pathlib import Path

import pytest

from classes.models import Venue
from classes.venue_import import import_venues
from tests.classes.factories import make_session

pytestmark = pytest.mark.django_db

FULL = Path(__file__).resolve().parents[2] / "classes" / "data" / "toshima_kumin_hiroba_full.csv"
OLD_NOTE = "address as printed by the operating council page (2019-2020)"


@pytest.fixture
def venues():
    import_venues(FULL.read_bytes())
    return Venue.objects.all()


def _page(client, venue: Venue) -> str:
    session = make_session(venue=venue)
    response = client.get(f"/classes/{session.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_class_page_shows_address_town_station_map_link_and_attribution(client, venues):
    venue = venues.get(name="区民ひろば駒込")
    venue.nearest_station = "JR山手線 駒込駅 徒歩5分"
    venue.accessibility = "エレベーターあり。車いす用トイレあり。"
    venue.save()
    html = _page(client, venue)
    assert "豊島区駒込2-2-4" in html
    assert "<dt>町名</dt><dd>駒込 2丁目</dd>" in html
    assert "JR山手線 駒込駅 徒歩5分" in html
    assert "エレベーターあり。" in html
    # A plain link that opens the phone's map app: nothing embedded, nothing loaded.
    assert 'href="https://www.google.com/maps/search/?api=1&amp;query=35.736860,139.746750"' in html
    assert "地図アプリで開く" in html
    assert "<iframe" not in html and "maps.googleapis" not in html
    assert "出典：豊島区「公共施設一覧」（CC BY 2.1 JP）" in html
    assert "赤ちゃん・ふらっと一覧" in html


def test_no_research_note_reaches_the_class_page(client, venues):
    for name in ("区民ひろば駒込", "区民ひろば清和第一", "区民ひろば西池袋", "区民ひろば要"):
        html = _page(client, venues.get(name=name))
        for word in ("github", "kokage", "babyflat", "as read", "Not in", OLD_NOTE, "Blog of"):
            assert word not in html, (name, word)


def test_a_venue_without_an_address_still_shows_its_town_and_map_link(client, venues):
    html = _page(client, venues.get(name="区民ひろば清和第一"))
    assert "<dt>住所</dt>" not in html
    assert "<dt>町名</dt><dd>巣鴨 3丁目</dd>" in html
    assert "query=35.735520,139.733670" in html
