"""How far down a page something is, in screens: the measure of the small-screen layout.

A "screen" is the viewport's height (640 px on a 320×640 phone). ``screens_to(page, "...")``
is the top of the first element matching the selector, measured from the top of the page (not
of the current scroll position), divided by the viewport height: 0.5 means half-way down the
first screen, 2.0 means the person has to scroll two full screens before it appears at the top.

Used by tests/browser/test_small_screen.py (and the booking form's tests) with
:func:`phone_context`: a Japanese visitor at 320×640 with the largest text size (特大).
"""

from __future__ import annotations

from django.conf import settings

from tests.browser.support import LARGEST_TEXT_SIZE, NARROW, new_context

PHONE = NARROW  # 320×640, the smallest phone the site supports
PHONE_390 = {"width": 390, "height": 844}  # a common current phone

# The top of the element in page coordinates (independent of scrolling).
_TOP = "el => el.getBoundingClientRect().top + window.scrollY"


def screens_to(page, selector: str) -> float:
    """The top of the first element matching ``selector``, in screens from the top of the page.

    Fails (rather than answering 0) when nothing matches or the element is not rendered.
    """
    element = page.locator(selector).first
    if element.count() == 0:
        raise AssertionError(f"{page.url}: nothing matches {selector!r}")
    if not element.is_visible():
        raise AssertionError(f"{page.url}: {selector!r} is not visible")
    top = element.evaluate(_TOP)
    height = page.evaluate("window.innerHeight")
    return round(top / height, 2)


def height_in_screens(page, selector: str) -> float:
    """The height of the first element matching ``selector``, in screens."""
    element = page.locator(selector).first
    box = element.bounding_box()
    if box is None:
        raise AssertionError(f"{page.url}: {selector!r} is not rendered")
    return round(box["height"] / page.evaluate("window.innerHeight"), 2)


def phone_context(browser, base_url: str, *, viewport: dict[str, int] = PHONE, **kwargs):
    """A visitor's context on a phone with the largest text size (特大) already chosen."""
    context = new_context(browser, base_url, viewport=viewport, **kwargs)
    context.add_cookies(
        [{"name": settings.TEXT_SIZE_COOKIE, "value": LARGEST_TEXT_SIZE, "url": base_url}]
    )
    return context
