"""教室の出席 in Chromium: every plotly chart is drawn from our own static files, with no console
error and no request to another host, for an admin at desktop width and a trainer at 320 px."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from tests.analytics.classes_support import build
from tests.browser.support import DESKTOP, NARROW, close_when_quiet, new_context

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

    yield open_page, trainer, admin
    for context in contexts:
        close_when_quiet(context)


@pytest.mark.parametrize(("who", "viewport"), [("admin", DESKTOP), ("trainer", NARROW)])
def test_the_dashboard_draws_every_chart_without_errors_or_other_hosts(dashboard, who, viewport):
    open_page, trainer, admin = dashboard
    page = open_page(admin if who == "admin" else trainer, viewport)

    plots = page.locator(".chart__plot[data-figure]")
    expect(plots.first).to_be_visible()
    count = plots.count()
    assert count >= 4
    expect(page.locator(".chart__plot.is-drawn")).to_have_count(count, timeout=15_000)
    # plotly drew real SVG, with the bars and lines of the figures.
    assert page.locator(".chart__plot .main-svg").count() >= count
    expect(page.get_by_role("heading", name="会場・月別の出席")).to_be_visible()
    if who == "trainer":
        expect(page.get_by_role("heading", name="担当する教室（次の回と最近の回）")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    assert page.errors == []
    assert page.foreign == []
