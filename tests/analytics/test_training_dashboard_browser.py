"""必修研修 in Chromium: every plotly chart is drawn from our own static files, with no console
error and no request to another host, for an admin at desktop width and a manager at 320 px."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from analytics.views_training import TrainingDashboardView
from tests.analytics.training_support import TODAY, build, build_cohort
from tests.browser.support import DESKTOP, NARROW, close_when_quiet, new_context

pytestmark = pytest.mark.browser

URL = "/analytics/training/?year=2026"
CHARTS = 6  # heat map, weekly curve, overdue by week, scores, days, cohorts


@pytest.fixture
def dashboard(chromium, live_server, site_pages, make_user, monkeypatch):
    monkeypatch.setattr(TrainingDashboardView, "today", lambda self: TODAY)
    world = build(make_user)
    build_cohort(world)
    contexts = []

    def open_page(user, viewport):
        context = new_context(chromium, live_server.url, user, viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.foreign = []
        own_host = urlsplit(live_server.url).netloc

        def on_console(message):
            if message.type == "error":
                page.errors.append(f"console: {message.text}")

        def on_request(request):
            if urlsplit(request.url).netloc not in ("", own_host):
                page.foreign.append(request.url)

        page.on("console", on_console)
        page.on("pageerror", lambda error: page.errors.append(f"page error: {error}"))
        context.on("request", on_request)
        page.goto(URL)
        return page

    yield open_page, world
    for context in contexts:
        close_when_quiet(context)


@pytest.mark.parametrize(("who", "viewport"), [("admin", DESKTOP), ("bureau_manager", NARROW)])
def test_the_dashboard_draws_every_chart_without_errors_or_other_hosts(dashboard, who, viewport):
    open_page, world = dashboard
    page = open_page(world[who], viewport)

    plots = page.locator(".chart__plot[data-figure]")
    expect(plots.first).to_be_visible()
    assert plots.count() == CHARTS
    expect(page.locator(".chart__plot.is-drawn")).to_have_count(CHARTS, timeout=15_000)
    # plotly drew real SVG: the heat map's cells and the curve's line among them.
    assert page.locator(".chart__plot .main-svg").count() >= CHARTS
    assert page.locator("#chart-completion .heatmaplayer image, #chart-completion .hm").count() >= 1
    assert page.locator("#chart-curve .scatterlayer .trace").count() >= 1
    expect(page.get_by_role("heading", name="所属別・研修別の修了率（%）")).to_be_visible()
    expect(page.get_by_role("link", name="所属別の修了状況（研修の管理）")).to_be_visible()
    if viewport == NARROW:
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    assert page.errors == []
    assert page.foreign == []
