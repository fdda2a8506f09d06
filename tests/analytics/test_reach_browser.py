"""デジタルデバイド指標 and the open data page in Chromium: every plotly chart is drawn from our
own static files, with no console error and no request to another host, at desktop width and at
320 px; the open data page's file links download the CSV."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from accounts.roles import Role
from tests.analytics.reach_support import YEAR, build_world
from tests.browser.support import (
    DESKTOP,
    NARROW,
    audit,
    close_when_quiet,
    new_context,
    open_dashboard,
    report,
    watch,
)

pytestmark = pytest.mark.browser

CHARTS = 5  # on the reach dashboard


@pytest.fixture
def open_page(chromium, live_server, site_pages, make_user):
    """Open a path as a visitor (``None``: anonymous), a dashboard once its ``charts`` are drawn;
    return the page and its problems (console errors, requests to other hosts)."""
    cache.clear()
    build_world()
    contexts = []

    def _open(path: str, user, viewport, *, charts: int = 0):
        context = new_context(chromium, live_server.url, user, viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        if charts:
            return page, open_dashboard(page, path, charts=charts)
        problems = watch(page)
        page.goto(path)
        return page, problems

    yield _open
    for context in contexts:
        close_when_quiet(context)
    cache.clear()


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["desktop", "320px"])
def test_the_reach_dashboard_draws_every_chart_without_errors_or_other_hosts(
    open_page, make_user, viewport
):
    admin = make_user(Role.ADMIN, mfa=True)
    page, problems = open_page(f"/analytics/reach/?year={YEAR}", admin, viewport, charts=CHARTS)

    expect(page.get_by_role("heading", name="65歳以上の参加者（1,000人あたり）")).to_be_visible()
    expect(page.locator("#population-note")).to_contain_text("as of about 2016, source unverified")
    # The baseline's attribution is drawn on the chart itself.
    expect(page.locator("#chart-baseline .chart__plot")).to_contain_text("総務省")
    if viewport == NARROW:
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    assert problems == []


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["desktop", "320px"])
def test_the_open_data_page_renders_for_anyone_and_its_files_download(open_page, viewport):
    page, problems = open_page("/open-data/", None, viewport)

    expect(page.get_by_role("heading", name="オープンデータ（スマホ教室の集計）")).to_be_visible()
    expect(page.get_by_text("CC BY 4.0").first).to_be_visible()
    link = page.get_by_role("link", name="reach-by-town.csv を保存")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "reach-by-town.csv"
    with open(download.value.path(), "rb") as file:
        assert file.read(3) == b"\xef\xbb\xbf"
    if viewport == NARROW:
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    assert problems == []


@pytest.mark.parametrize(
    ("path", "role"),
    [(f"/analytics/reach/?year={YEAR}", Role.ADMIN), ("/open-data/", None)],
    ids=["reach", "open-data"],
)
def test_the_pages_with_data_pass_the_accessibility_audit(
    open_page, make_user, path, role, live_server
):
    user = make_user(role, mfa=True) if role else None
    page, _ = open_page(path, user, DESKTOP, charts=CHARTS if role else 0)
    problems = audit(page, live_server.url)
    assert not problems, report(path, problems)
