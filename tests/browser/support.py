"""Chromium through Playwright: one browser per test session, one context per visitor.

Debian's Chromium is used (never a downloaded browser); axe-core comes from npm and is only
injected into pages by the tests, never served.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from tests.gates.support import ensure_page_tree, sign_in

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_PATH = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}


class _SharedChromium:
    """One Chromium for the whole run.

    tests/gates and tests/browser each import the ``chromium`` fixture into their conftest,
    which makes two session fixtures; a second Playwright in the same thread fails, so both
    share this one and the last to finish closes it.
    """

    def __init__(self) -> None:
        self.users = 0
        self.playwright = None
        self.browser = None
        self.previous_async_unsafe: str | None = None

    def acquire(self):
        if self.browser is None:
            from playwright.sync_api import sync_playwright

            # Playwright's sync API runs an event loop in this thread, and Django then refuses
            # ORM calls. The tests' own ORM calls happen between page visits, never while the
            # loop works, so they are safe.
            self.previous_async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            self.playwright = sync_playwright().start()
            self.browser = self.playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
        self.users += 1
        return self.browser

    def release(self) -> None:
        self.users -= 1
        if self.users:
            return
        try:
            self.browser.close()
            self.playwright.stop()
        finally:
            self.browser = self.playwright = None
            if self.previous_async_unsafe is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self.previous_async_unsafe


_shared = _SharedChromium()


@pytest.fixture(scope="session")
def chromium() -> Iterator:
    if not CHROMIUM.exists():
        # A missing browser must not turn the browser tests into silent skips.
        pytest.fail("Chromium is missing: apt-get install chromium (make test installs it).")
    browser = _shared.acquire()
    yield browser
    _shared.release()


@pytest.fixture
def site_pages(live_server):
    """Rebuild the page tree: live-server tests run on a database a flush may have emptied."""
    ensure_page_tree()


def new_context(
    browser,
    base_url: str,
    user: User | None = None,
    *,
    viewport: dict[str, int] = DESKTOP,
    reauthenticated: bool = False,
):
    """Open a Japanese-language browser context, signed in as ``user`` when one is given.

    The context keeps the requests its pages have sent and not yet seen answered, for
    :func:`close_when_quiet`, and its base URL, for :func:`watch`.
    """
    context = browser.new_context(base_url=base_url, locale="ja-JP", viewport=viewport)
    watch_csp(context)
    pending: set = set()
    context.on("request", lambda request: pending.add(request))
    context.on("requestfinished", lambda request: pending.discard(request))
    context.on("requestfailed", lambda request: pending.discard(request))
    context.pending_requests = pending
    context.base_url = base_url
    if user is not None:
        client = sign_in(Client(), user, reauthenticated=reauthenticated)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": base_url, "httpOnly": True}]
        )
    return context


# Content-Security-Policy violations of every page in every context new_context opens, in
# any frame (the H5P player's too): the ``fail_on_csp_violations`` fixture below makes each
# test fail on them. Chromium reports a violation as a ``securitypolicyviolation`` event in
# the document and as a console error ("Refused to ..." or "... violates the following Content
# Security Policy directive ..."); both are collected.
CSP_PREFIX = "CSP violation:"
CSP_LISTENER = (
    "document.addEventListener('securitypolicyviolation', (e) => console.warn("
    f"'{CSP_PREFIX} ' + e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + "
    "' in ' + e.documentURI + (e.sourceFile ? ' (' + e.sourceFile + ':' + e.lineNumber + ')' : '')"
    "+ (e.sample ? ' sample: ' + e.sample : '')));"
)
_csp_violations: list[str] = []


def watch_csp(context) -> None:
    """Record the CSP violations of ``context``'s pages for :func:`fail_on_csp_violations`."""

    def on_console(message) -> None:
        text = message.text
        if (
            text.startswith((CSP_PREFIX, "Refused to "))
            or "violates the following Content Security Policy" in text
        ):
            _csp_violations.append(text)

    context.add_init_script(CSP_LISTENER)
    context.on("console", on_console)


@pytest.fixture(autouse=True)
def fail_on_csp_violations() -> Iterator[list[str]]:
    """Every test (browser tests in any folder) fails on a CSP violation in its pages.

    Yields the list so that a test which provokes a violation on purpose can check and empty it.
    """
    _csp_violations.clear()
    yield _csp_violations
    found, _csp_violations[:] = list(_csp_violations), []
    if found:
        pytest.fail(
            f"{len(found)} Content-Security-Policy violation(s); move the inline script, style "
            "or handler into a static file, or widen the policy in config/settings.py "
            "(SECURITY_CSP) with a reason in docs/operations.md:\n  " + "\n  ".join(found[:20])
        )


def close_when_quiet(context) -> None:
    """Close ``context`` once nothing its pages sent can still reach the live server.

    An H5P player posts statements and saves its state on timers of its own (2.5 s after a
    statement); a request still on its way when the test ends would be written into the next
    test's data after the flush. So new requests are refused from now on, each request already
    sent is waited for until its answer has arrived, and only then is the context closed.
    """
    context.route("**/*", lambda route: route.abort())
    pending = context.pending_requests
    while pending:
        request = pending.pop()
        response = request.response()  # None once the request failed or was refused
        if response is not None:
            response.finished()
    context.close()


def watch(page) -> list[str]:
    """Collect what goes wrong on ``page`` from now on; return the list, which keeps growing.

    Console errors, uncaught script errors, and requests from its context to any host but the
    live server's (every script, style and font is served by the site itself).
    """
    problems: list[str] = []
    own_host = urlsplit(page.context.base_url).netloc

    def on_console(message) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text}")

    def on_request(request) -> None:
        if urlsplit(request.url).netloc not in ("", own_host):
            problems.append(f"request to another host: {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.context.on("request", on_request)
    return problems


def open_dashboard(page, url: str, *, charts: int | None = None) -> list[str]:
    """Open the dashboard at ``url`` in ``page`` and wait until plotly has drawn every chart.

    ``charts`` is how many charts the page must have (``None``: at least one). Returns the
    page's problems, as :func:`watch` collects them: assert at the end that there are none.
    """
    from playwright.sync_api import expect

    problems = watch(page)
    page.goto(url)
    plots = page.locator(".chart__plot[data-figure]")
    expect(plots.first).to_be_visible()
    count = plots.count()
    if charts is not None:
        assert count == charts, f"{url}: {count} charts, not {charts}"
    expect(page.locator(".chart__plot.is-drawn")).to_have_count(count, timeout=15_000)
    # plotly drew real SVG, not only the placeholders.
    assert page.locator(".chart__plot .main-svg").count() >= count
    return problems


# The accessibility audit (tests/gates/test_accessibility.py and the pages audited with data).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LARGEST_TEXT_SIZE = "xlarge"

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  const brief = (rules) => rules.map(r => ({id: r.id, tags: r.tags}));
  return {
    version: axe.version,
    violations: result.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags,
      targets: v.nodes.map(n => n.target.join(' ')),
    })),
    passes: brief(result.passes),
    incomplete: brief(result.incomplete),
    inapplicable: brief(result.inapplicable),
  };
}"""

# Where each axe run of :func:`audit` happens, as the published results name it.
DESKTOP_STANDARD = "desktop"
NARROW_STANDARD = "narrow"
NARROW_LARGEST = "narrow-xlarge"
# The reflow check (WCAG 1.4.10), which axe does not make, as a rule of its own in the results.
REFLOW_RULE = {"id": "reflow-320", "tags": ["wcag21aa", "wcag1410"]}

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


def inject_axe(page) -> None:
    """Load axe-core into the page by DevTools evaluation, which the page's CSP does not govern
    (a ``<script>`` tag with the file's text would be an inline script, blocked on app pages)."""
    page.evaluate(AXE_PATH.read_text(encoding="utf-8") + "\n;undefined")


def axe_run(page) -> dict:
    """Run axe on the loaded page: its version and every rule's outcome (with its tags)."""
    inject_axe(page)
    return page.evaluate(RUN_AXE, WCAG_TAGS)


def describe_violations(violations: list[dict]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']}\n    {v['helpUrl']}\n"
        + "\n".join(f"    at {target}" for target in v["targets"][:8])
        for v in violations
    ]


def axe_violations(page) -> list[str]:
    return describe_violations(axe_run(page)["violations"])


def reflow_problems(page, base_url: str) -> list[str]:
    """Check sideways scrolling at the standard, then the largest text size (the page is left
    at the largest)."""
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


def audit(
    page,
    base_url: str,
    *,
    largest_text: bool = False,
    record: Callable[[str, dict], None] | None = None,
) -> list[str]:
    """Audit the loaded page at desktop width, then at 320 px; return what is wrong.

    At 320 px the page must also reflow at the standard and the largest text size; with
    ``largest_text`` axe runs once more there at the largest (特大), as residents use it.
    ``record`` is given each run's condition and axe result (tests/gates/a11y_results.py).
    """

    def run(condition: str, label: str) -> list[str]:
        result = axe_run(page)
        if record is not None:
            record(condition, result)
        return [f"[{label}] {problem}" for problem in describe_violations(result["violations"])]

    problems = run(DESKTOP_STANDARD, "desktop")
    page.set_viewport_size(NARROW)
    page.reload()
    problems += run(NARROW_STANDARD, "320px")
    reflow = reflow_problems(page, base_url)
    if record is not None:
        outcome = "violations" if reflow else "passes"
        record(NARROW_STANDARD, {"violations": [], "passes": [], outcome: [REFLOW_RULE]})
    problems += [f"[320px] {problem}" for problem in reflow]
    if largest_text:
        problems += run(NARROW_LARGEST, "320px 特大")
    return problems


def report(what: str, problems: list[str]) -> str:
    return f"{what}: {len(problems)} accessibility problem(s)\n  " + "\n  ".join(problems)
