"""A class near me: the 地域 filter's 20 町名 and the 近い順 sort (classes.filters, classes.geo)."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from classes import geo
from classes.filters import ClassFilterForm, is_rounded_coordinate, phone_point
from classes.models import ClassSeries, ClassSession
from tests.classes.factories import make_series, make_session, make_venue

URL = "/classes/"
TOWNS = [
    "池袋本町", "上池袋", "東池袋", "南池袋", "西池袋", "池袋", "雑司が谷", "高田", "目白",
    "南大塚", "北大塚", "西巣鴨", "巣鴨", "駒込", "南長崎", "長崎", "千早", "要町", "高松", "千川",
]  # fmt: skip


# --- geo ---------------------------------------------------------------------------------------


def test_one_degree_of_latitude_is_111_2_km():
    assert geo.distance_km((35.0, 139.7), (36.0, 139.7)) == pytest.approx(111.195, abs=0.001)
    assert geo.distance_km((35.7, 139.7), (35.7, 139.7)) == 0


def test_a_known_pair_of_venues():
    # 区民ひろば駒込 and 区民ひろば要 (coordinates of classes/data): about 4.6 km apart.
    komagome, kaname = (35.73686, 139.74675), (35.73323, 139.69594)
    assert geo.distance_km(komagome, kaname) == pytest.approx(4.6, abs=0.05)
    assert geo.distance_km(komagome, kaname) == geo.distance_km(kaname, komagome)


def test_town_points_are_the_mean_of_their_chome():
    points = geo.town_points()
    assert list(geo.town_names()) == TOWNS
    assert set(points) == set(TOWNS)
    # 千川 has two 丁目: (35.738606, 139.692903) and (35.741553, 139.692297) in the file.
    lat, lon = points["千川"]
    assert math.isclose(lat, (35.738606 + 35.741553) / 2, abs_tol=1e-9)
    assert math.isclose(lon, (139.692903 + 139.692297) / 2, abs_tol=1e-9)


def test_phone_point_is_rounded_and_must_be_in_the_ward():
    assert phone_point({"lat": "35.7332345", "lon": "139.6959412"}) == (35.733, 139.696)
    assert phone_point({"lat": "34.0", "lon": "135.5"}) is None  # Osaka
    assert phone_point({"lat": "nan", "lon": "139.7"}) is None
    assert phone_point({"lat": "x", "lon": ""}) is None
    assert is_rounded_coordinate("35.733") and not is_rounded_coordinate("35.7332")


# --- The form ----------------------------------------------------------------------------------


@pytest.fixture
def three_venues(db):
    """A class at 区民ひろば駒込 (駒込), 区民ひろば南池袋 (南池袋) and 区民ひろば要 (要町); the
    farthest-from-駒込 one is the soonest, so date and distance orders differ."""
    venues = {
        "駒込": make_venue(
            "区民ひろば駒込", latitude=Decimal("35.73686"), longitude=Decimal("139.74675")
        ),
        "南池袋": make_venue(
            "区民ひろば南池袋",
            area="南池袋",
            address="豊島区南池袋3-5-12",
            latitude=Decimal("35.72336"),
            longitude=Decimal("139.71379"),
        ),
        "要町": make_venue(
            "区民ひろば要",
            area="要町",
            address="豊島区要町1-5-1",
            latitude=Decimal("35.73323"),
            longitude=Decimal("139.69594"),
        ),
    }
    make_session(make_series(title="要の教室"), days=2, venue=venues["要町"])
    make_session(make_series(title="南池袋の教室"), days=3, venue=venues["南池袋"])
    make_session(make_series(title="駒込の教室"), days=4, venue=venues["駒込"])
    return venues


def _titles(data: dict) -> list[str]:
    form = ClassFilterForm(data)
    assert form.is_valid(), form.errors
    return [item.series.title for item in form.items()]


def test_the_area_filter_lists_the_wards_20_towns_in_the_files_order(db):
    # Finding: it offered only すべて because no venue had a 町名.
    form = ClassFilterForm()
    assert [label for _value, label in form.fields["area"].choices][1:] == TOWNS
    assert form.fields["area"].choices[0][0] == ""


def test_the_area_filter_keeps_the_venues_of_that_town(three_venues):
    assert _titles({"area": "南池袋"}) == ["南池袋の教室"]
    assert _titles({"area": "千川"}) == []
    assert _titles({}) == ["要の教室", "南池袋の教室", "駒込の教室"]


def test_near_orders_by_distance_from_the_towns_point(three_venues):
    assert _titles({"area": "駒込", "sort": "near"}) == ["駒込の教室", "南池袋の教室", "要の教室"]
    assert _titles({"area": "要町", "sort": "near"}) == ["要の教室", "南池袋の教室", "駒込の教室"]
    items = ClassFilterForm({"area": "駒込", "sort": "near"}).items()
    assert [round(item.distance_km, 1) for item in items] == [0.3, 3.1, 4.3]


def test_near_from_the_phones_location_overrides_the_town(three_venues):
    # Standing next to 区民ひろば要 while 駒込 is chosen: the phone wins.
    data = {"area": "駒込", "sort": "near", "lat": "35.733", "lon": "139.696"}
    assert _titles(data) == ["要の教室", "南池袋の教室", "駒込の教室"]
    assert _titles({"sort": "near", "lat": "35.724", "lon": "139.714"})[0] == "南池袋の教室"


def test_near_without_a_town_or_location_asks_for_the_town(three_venues):
    form = ClassFilterForm({"sort": "near"})
    assert not form.is_valid()
    assert "地域（お住まいの町名）を選んでください" in form.errors["area"][0]
    # A location outside the ward is not a starting point either.
    assert not ClassFilterForm({"sort": "near", "lat": "34.000", "lon": "135.500"}).is_valid()


def test_a_venue_without_coordinates_comes_last_and_a_series_counts_its_nearest_date(
    three_venues,
):
    far = make_venue("区民ひろば清和第一", area="巣鴨", address="")
    make_session(make_series(title="座標のない教室"), days=1, venue=far)
    whole = make_series(title="全2回", booking_mode=ClassSeries.BookingMode.WHOLE_SERIES)
    make_session(whole, days=5, venue=three_venues["要町"])
    make_session(whole, days=12, venue=three_venues["駒込"])
    titles = _titles({"area": "駒込", "sort": "near"})
    assert titles[:2] == ["全2回", "駒込の教室"] or titles[:2] == ["駒込の教室", "全2回"]
    assert titles[-1] == "座標のない教室"


# --- The page and its cache ----------------------------------------------------------------------


@pytest.fixture
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def _listed(html: str) -> list[str]:
    """The titles of the cards in page order (by their booking links)."""
    titles = {str(s.pk): s.series.title for s in ClassSession.objects.select_related("series")}
    return [titles[pk] for pk in re.findall(r'href="/classes/([0-9]+)/book/"', html)]


def _queries(client, url: str) -> tuple[int, str]:
    path, _sep, query = url.partition("?")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path + "?" + urlencode(parse_qsl(query)) if query else path)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_page_sorts_by_distance_and_caches_each_town_and_rounded_point(
    client, three_venues, empty_cache
):
    client.get(URL)  # the site settings
    for query in (
        "?area=駒込&sort=near",
        "?area=要町&sort=near",
        "?sort=near&lat=35.733&lon=139.696",
    ):
        first, html = _queries(client, URL + query)
        again, _cached = _queries(client, URL + query)
        assert first > 0 and again == 0, query
    _n, html = _queries(client, URL + "?area=駒込&sort=near")
    assert _listed(html) == ["駒込の教室", "南池袋の教室", "要の教室"]
    _n, html = _queries(client, URL + "?area=要町&sort=near")
    assert _listed(html) == ["要の教室", "南池袋の教室", "駒込の教室"]
    assert "約 0.4 km" in html  # 区民ひろば要 from 要町's point
    assert "約 0.4 km" not in _queries(client, URL)[1]  # no distance in date order


def test_an_unrounded_location_is_sorted_but_never_cached(client, three_venues, empty_cache):
    client.get(URL)
    url = URL + "?sort=near&lat=35.7332345&lon=139.6959412"
    first, html = _queries(client, url)
    again, _html = _queries(client, url)
    assert again == first > 0
    assert _listed(html)[0] == "要の教室"


def test_without_javascript_the_form_offers_the_sort_and_all_towns(client, three_venues):
    html = client.get(URL).content.decode()
    assert 'name="sort"' in html and "近い順" in html
    assert html.count("<option") >= 20 + 1 + 2
    for town in ("千川", "雑司が谷", "池袋本町"):
        assert f'<option value="{town}">' in html
