"""必修研修 in Chromium: every plotly chart is drawn from our own static files, with no console
error and no request to another host, for an admin at desktop width and a manager at 320 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from analytics.views_training import TrainingDashboardView
from tests.analytics.training_support import TODAY, build, build_cohort
from tests.browser.support import DESKTOP, NARROW, close_when_quiet, new_context, open_dashboard

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
        return page, open_dashboard(page, URL, charts=CHARTS)

    yield open_page, world
    for context in contexts:
        close_when_quiet(context)


@pytest.mark.parametrize(("who", "viewport"), [("admin", DESKTOP), ("bureau_manager", NARROW)])
def test_the_dashboard_draws_every_chart_without_errors_or_other_hosts(dashboard, who, viewport):
    open_page, world = dashboard
    page, problems = open_page(world[who], viewport)

    # plotly drew real SVG: the heat map's cells and the curve's line among them.
    assert page.locator("#chart-completion .heatmaplayer image, #chart-completion .hm").count() >= 1
    assert page.locator("#chart-curve .scatterlayer .trace").count() >= 1
    expect(page.get_by_role("heading", name="所属別・研修別の修了率（%）")).to_be_visible()
    expect(page.get_by_role("link", name="所属別の修了状況（研修の管理）")).to_be_visible()
    if viewport == NARROW:
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    assert problems == []
