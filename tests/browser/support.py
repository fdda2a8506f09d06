"""Chromium through Playwright: one browser per test session, one context per visitor.

Debian's Chromium is used (never a downloaded browser); axe-core comes from npm and is only
injected into pages by the tests, never served.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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
    """Open a Japanese-language browser context, signed in as ``user`` when one is given."""
    context = browser.new_context(base_url=base_url, locale="ja-JP", viewport=viewport)
    if user is not None:
        client = sign_in(Client(), user, reauthenticated=reauthenticated)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": base_url, "httpOnly": True}]
        )
    return context
