"""教室の出席 in Chromium: every plotly chart is drawn from our own static files, with no console
error and no request to another host, for an admin at desktop width and a trainer at 320 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from tests.analytics.classes_support import build
from tests.browser.support import DESKTOP, NARROW, close_when_quiet, new_context, open_dashboard

pytestmark = pytest.mark.browser

URL = "/analytics/classes/?year=2025"


@pytest.fixture
def dashboard(chromium, live_server, site_pages, make_user):
    trainer = make_user(Role.TRAINER, mfa=True)
    admin = make_user(Role.ADMIN, mfa=True)
    build(trainer, make_user(Role.TRAINER))
    contexts = []

    def open_page(user, viewport):
        context = new_context(chromium, live_server.url, user, viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        return page, open_dashboard(page, URL)

    yield open_page, trainer, admin
    for context in contexts:
        close_when_quiet(context)


@pytest.mark.parametrize(("who", "viewport"), [("admin", DESKTOP), ("trainer", NARROW)])
def test_the_dashboard_draws_every_chart_without_errors_or_other_hosts(dashboard, who, viewport):
    open_page, trainer, admin = dashboard
    page, problems = open_page(admin if who == "admin" else trainer, viewport)

    assert page.locator(".chart__plot.is-drawn").count() >= 4
    expect(page.get_by_role("heading", name="会場・月別の出席")).to_be_visible()
    if who == "trainer":
        expect(page.get_by_role("heading", name="担当する教室（次の回と最近の回）")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    assert problems == []
