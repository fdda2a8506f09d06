"""Accessibility audit: axe-core in Chromium on every audited route and every page type.

Which visitor sees which page comes from the ``axe`` column of tests/access_matrix.csv, so a
route added to the URL configuration is audited (or explicitly excused) from its first day.
Each page is audited at 1280 px and at 320 px wide, where it must also reflow without
sideways scrolling, in the standard and the largest text size (WCAG 1.4.10; axe does not
check it). Every page residents see (a route a resident or anonymous visitor may open, every
Wagtail page type, the error pages) is audited with axe a third time at 320 px with the
largest text size (特大), as seniors on a small phone use it. The project's own admin views
(roster import, series scheduling, session cancel, H5P upload …) are audited too, inside
Wagtail's chrome.

With ``ACCESSIBILITY_REPORT_OUT`` set, the results are written there for the published
試験結果 page (tests/gates/a11y_results.py; ``make accessibility-report``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.support import audit, axe_violations, new_context, report
from tests.conftest import TEST_PASSWORD
from tests.gates.a11y_results import Results, output_path
from tests.gates.matrix import load_rows
from tests.gates.support import concrete_page_models, live_page_of

pytestmark = pytest.mark.browser

AUDITED_ROWS = [row for row in load_rows() if row.axe]
RESIDENTS = ("anonymous", "resident")


def seen_by_residents(row) -> bool:
    """A route a resident (signed in or not) may open, whichever visitor audits it."""
    return row.axe in RESIDENTS or any(row.expected[v].status == 200 for v in RESIDENTS)


@pytest.fixture(scope="module")
def results():
    """Every page audited in this module; written to ACCESSIBILITY_REPORT_OUT at the end."""
    collected = Results()
    yield collected
    path = output_path()
    if path is not None and collected.pages:
        collected.write(path)


@pytest.mark.parametrize("row", AUDITED_ROWS, ids=[row.id for row in AUDITED_ROWS])
def test_route_is_accessible(row, chromium, live_server, visitor_users, site_pages, results):
    user = visitor_users[row.axe]
    recorded = results.page(row.route, row.sample_path, row.axe)
    # Just re-authenticated, so pages behind allauth's password re-check show themselves.
    context = new_context(chromium, live_server.url, user, reauthenticated=True)
    try:
        page = context.new_page()
        response = page.goto(row.sample_path)
        assert response.status == 200, f"{row.sample_path} as {row.axe}: {response.status}"
        assert urlsplit(page.url).path == urlsplit(row.sample_path).path, (
            f"{row.sample_path} as {row.axe} ended at {page.url}; audit a visitor who can see it."
        )
        problems = audit(
            page, live_server.url, largest_text=seen_by_residents(row), record=recorded.record
        )
        recorded.finish(problems)
    finally:
        context.close()
    assert not problems, report(f"{row.sample_path} as {row.axe}", problems)


@pytest.mark.parametrize("model", concrete_page_models(), ids=lambda m: m._meta.label)
def test_page_type_is_accessible(model, chromium, live_server, site_pages, results):
    instance = live_page_of(model)
    assert instance is not None, f"No live {model._meta.label} page to audit."
    recorded = results.page(f"Wagtail: {model._meta.verbose_name}", instance.url, "anonymous")
    context = new_context(chromium, live_server.url)
    try:
        page = context.new_page()
        response = page.goto(instance.get_url())
        assert response.status == 200
        problems = audit(page, live_server.url, largest_text=True, record=recorded.record)
        recorded.finish(problems)
    finally:
        context.close()
    assert not problems, report(f"{model._meta.label} {instance.url}", problems)


def test_login_code_step_is_accessible(chromium, live_server, visitor_users, site_pages, results):
    """The TOTP step of a login, reached through the login form (it has no URL of its own)."""
    trainer = visitor_users["trainer"]
    recorded = results.page("accounts/2fa/authenticate/", "/accounts/2fa/authenticate/", "trainer")
    context = new_context(chromium, live_server.url)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("input[name=login]", trainer.email)
        page.fill("input[name=password]", TEST_PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert urlsplit(page.url).path == "/accounts/2fa/authenticate/"
        problems = audit(page, live_server.url, record=recorded.record)
        recorded.finish(problems)
    finally:
        context.close()
    assert not problems, report("TOTP login step", problems)


# Error pages have no route of their own; each is reached here the way people reach it.
ERROR_PAGES = [
    pytest.param("/staff/", "resident", 403, id="403"),
    pytest.param("/no-such-page/", "anonymous", 404, id="404"),
    # base.middleware's refusal page (the same template serves 413).
    pytest.param("/classes/?area=%00", "anonymous", 400, id="400"),
]


@pytest.mark.parametrize(("path", "visitor", "status"), ERROR_PAGES)
def test_error_page_is_accessible(
    path, visitor, status, chromium, live_server, visitor_users, site_pages, results
):
    recorded = results.page(f"{status} page", path, visitor)
    context = new_context(chromium, live_server.url, visitor_users[visitor])
    try:
        page = context.new_page()
        response = page.goto(path)
        assert response.status == status
        problems = audit(page, live_server.url, largest_text=True, record=recorded.record)
        recorded.finish(problems)
    finally:
        context.close()
    assert not problems, report(f"{status} page", problems)


def test_the_audit_finds_violations(chromium, live_server):
    """A page with known violations must fail: the audit is not silently empty."""
    context = new_context(chromium, live_server.url)
    try:
        page = context.new_page()
        page.set_content('<html><body><img src="x.png"><a href="#"></a></body></html>')
        found = {problem.split(" ", 1)[0] for problem in axe_violations(page)}
    finally:
        context.close()
    assert {"html-has-lang", "image-alt", "link-name"} <= found
