"""Accessibility audit: axe-core in Chromium on every audited route and every page type.

Which visitor sees which page comes from the ``axe`` column of tests/access_matrix.csv, so a
route added to the URL configuration is audited (or explicitly excused) from its first day.
Each page is audited at 1280 px and at 320 px wide, where it must also reflow without
sideways scrolling, in the standard and the largest text size (WCAG 1.4.10; axe does not
check it).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings

from tests.browser.support import AXE_PATH, NARROW, new_context
from tests.conftest import TEST_PASSWORD
from tests.gates.matrix import load_rows
from tests.gates.support import concrete_page_models, live_page_of

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LARGEST_TEXT_SIZE = "xlarge"
AUDITED_ROWS = [row for row in load_rows() if row.axe]

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    targets: v.nodes.map(n => n.target.join(' ')),
  }));
}"""

# Elements whose right edge lies beyond the viewport, deepest first, for the failure message.
WIDE_ELEMENTS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const right = el.getBoundingClientRect().right;
    if (right > width + 1 && !el.querySelector('*')) {
      const cls = [...el.classList].map(c => '.' + c).join('');
      wide.push(`${el.tagName.toLowerCase()}${cls} (right edge ${Math.round(right)}px)`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}"""


def _axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE_PATH))
    violations = page.evaluate(RUN_AXE, WCAG_TAGS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}\n    {v['helpUrl']}\n"
        + "\n".join(f"    at {target}" for target in v["targets"][:8])
        for v in violations
    ]


def _reflow_problems(page, base_url: str) -> list[str]:
    problems = []
    for size in (None, LARGEST_TEXT_SIZE):
        if size is not None:
            page.context.add_cookies(
                [{"name": settings.TEXT_SIZE_COOKIE, "value": size, "url": base_url}]
            )
            page.reload()
        layout = page.evaluate(WIDE_ELEMENTS)
        if layout["scrollWidth"] > layout["width"]:
            problems.append(
                f"reflow (WCAG 1.4.10), text size {size or 'standard'}: the page is "
                f"{layout['scrollWidth']} px wide in a {layout['width']} px window; "
                f"wide: {', '.join(layout['wide']) or '?'}"
            )
    return problems


def _audit(page, base_url: str) -> list[str]:
    """Audit the loaded page at desktop width, then at 320 px; return what is wrong."""
    problems = [f"[desktop] {problem}" for problem in _axe_violations(page)]
    page.set_viewport_size(NARROW)
    page.reload()
    problems += [f"[320px] {problem}" for problem in _axe_violations(page)]
    problems += [f"[320px] {problem}" for problem in _reflow_problems(page, base_url)]
    return problems


def _report(what: str, problems: list[str]) -> str:
    return f"{what}: {len(problems)} accessibility problem(s)\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("row", AUDITED_ROWS, ids=[row.id for row in AUDITED_ROWS])
def test_route_is_accessible(row, chromium, live_server, visitor_users, site_pages):
    user = visitor_users[row.axe]
    # Just re-authenticated, so pages behind allauth's password re-check show themselves.
    context = new_context(chromium, live_server.url, user, reauthenticated=True)
    try:
        page = context.new_page()
        response = page.goto(row.sample_path)
        assert response.status == 200, f"{row.sample_path} as {row.axe}: {response.status}"
        assert urlsplit(page.url).path == urlsplit(row.sample_path).path, (
            f"{row.sample_path} as {row.axe} ended at {page.url}; audit a visitor who can see it."
        )
        problems = _audit(page, live_server.url)
    finally:
        context.close()
    assert not problems, _report(f"{row.sample_path} as {row.axe}", problems)


@pytest.mark.parametrize("model", concrete_page_models(), ids=lambda m: m._meta.label)
def test_page_type_is_accessible(model, chromium, live_server, site_pages):
    instance = live_page_of(model)
    assert instance is not None, f"No live {model._meta.label} page to audit."
    context = new_context(chromium, live_server.url)
    try:
        page = context.new_page()
        response = page.goto(instance.get_url())
        assert response.status == 200
        problems = _audit(page, live_server.url)
    finally:
        context.close()
    assert not problems, _report(f"{model._meta.label} {instance.url}", problems)


def test_login_code_step_is_accessible(chromium, live_server, visitor_users, site_pages):
    """The TOTP step of a login, reached through the login form (it has no URL of its own)."""
    trainer = visitor_users["trainer"]
    context = new_context(chromium, live_server.url)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("input[name=login]", trainer.email)
        page.fill("input[name=password]", TEST_PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert urlsplit(page.url).path == "/accounts/2fa/authenticate/"
        problems = _audit(page, live_server.url)
    finally:
        context.close()
    assert not problems, _report("TOTP login step", problems)


# Error pages have no route of their own; each is reached here the way people reach it.
ERROR_PAGES = [
    pytest.param("/staff/", "resident", 403, id="403"),
    pytest.param("/no-such-page/", "anonymous", 404, id="404"),
    # base.middleware's refusal page (the same template serves 413).
    pytest.param("/classes/?area=%00", "anonymous", 400, id="400"),
]


@pytest.mark.parametrize(("path", "visitor", "status"), ERROR_PAGES)
def test_error_page_is_accessible(
    path, visitor, status, chromium, live_server, visitor_users, site_pages
):
    context = new_context(chromium, live_server.url, visitor_users[visitor])
    try:
        page = context.new_page()
        response = page.goto(path)
        assert response.status == status
        problems = _audit(page, live_server.url)
    finally:
        context.close()
    assert not problems, _report(f"{status} page", problems)


def test_the_audit_finds_violations(chromium, live_server):
    """A page with known violations must fail: the audit is not silently empty."""
    context = new_context(chromium, live_server.url)
    try:
        page = context.new_page()
        page.set_content('<html><body><img src="x.png"><a href="#"></a></body></html>')
        found = {problem.split(" ", 1)[0] for problem in _axe_violations(page)}
    finally:
        context.close()
    assert {"html-has-lang", "image-alt", "link-name"} <= found
