"""近い順 from the phone's location in Chromium: the browser rounds the location and sends it
only to our server (static/js/near.js, no inline script, CSP clean)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.support import new_context
from tests.classes.factories import make_series, make_session, make_venue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_location_button_sorts_nearest_first_and_sends_only_rounded_coordinates(
    chromium, live_server, site_pages
):
    kaname = make_venue(
        "区民ひろば要",
        area="要町",
        address="豊島区要町1-5-1",
        latitude=Decimal("35.73323"),
        longitude=Decimal("139.69594"),
    )
    komagome = make_venue(
        "区民ひろば駒込", latitude=Decimal("35.73686"), longitude=Decimal("139.74675")
    )
    make_session(make_series(title="駒込の教室"), days=2, venue=komagome)
    make_session(make_series(title="要の教室"), days=3, venue=kaname)

    context = new_context(chromium, live_server.url)
    context.grant_permissions(["geolocation"], origin=live_server.url)
    context.set_geolocation({"latitude": 35.7334567, "longitude": 139.6958912})
    hosts: set[str] = set()
    context.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    page = context.new_page()
    try:
        page.goto("/classes/")
        cards = page.locator(".class-card__title")
        assert "駒込" in cards.first.inner_text()  # date order: 駒込 is sooner
        page.locator("summary.class-filter__summary").click()  # the folded filters
        page.get_by_role("button", name="現在地から近い順に並べる").click()
        page.wait_for_url("**/classes/?*lat=*", timeout=10_000)
        query = parse_qs(urlparse(page.url).query)
        assert query["lat"] == ["35.733"] and query["lon"] == ["139.696"]
        assert query["sort"] == ["near"]
        assert "要" in page.locator(".class-card__title").first.inner_text()
        assert page.get_by_role("status").inner_text() == "現在地から近い順に並べています。"
        assert hosts == {urlparse(live_server.url).netloc}
    finally:
        context.close()
