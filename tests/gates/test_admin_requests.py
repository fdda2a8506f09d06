"""The Wagtail admin, signed in as an admin, asks no other host for anything (issue 13).

Wagtail would show gravatar.com avatars (an MD5 of each shown user's e-mail) unless
``WAGTAIL_GRAVATAR_PROVIDER_URL`` is None. Each of the admin's main pages is opened in Chromium
and every request of the context is checked (``watch`` in tests/browser/support.py), together
with console errors; CSP violations fail every browser test anyway (``fail_on_csp_violations``).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.support import new_context, watch
from tests.gates.support import live_page_of

pytestmark = pytest.mark.browser


def _admin_pages() -> list[str]:
    from courses.models import LessonPage

    lesson = live_page_of(LessonPage)
    return [
        reverse("wagtailadmin_home"),
        reverse("wagtailadmin_explore_root"),
        reverse("wagtailadmin_explore", args=[lesson.get_parent().pk]),
        # The page editor of a lesson with every kind of block (StreamField, H5P chooser …).
        reverse("wagtailadmin_pages:edit", args=[lesson.pk]),
        reverse("wagtailusers_users:index"),
        reverse("wagtailsnippets:index"),
        reverse("wagtailsnippets_classes_classseries:list"),
        # A form with date and time pickers (Wagtail's inline scripts).
        reverse("wagtailsnippets_classes_classsession:add"),
        reverse("wagtailimages:index"),
        reverse("wagtaildocs:index"),
    ]


def _visit(chromium, base_url: str, admin, paths: list[str]) -> list[str]:
    context = new_context(chromium, base_url, admin)
    problems: list[str] = []
    try:
        page = context.new_page()
        found = watch(page)
        for path in paths:
            response = page.goto(path)
            page.wait_for_load_state("networkidle")
            if response.status != 200:
                problems.append(f"{path}: {response.status}")
            problems += [f"{path}: {problem}" for problem in found]
            found.clear()
    finally:
        context.close()
    return problems


def test_admin_pages_request_nothing_from_other_hosts(
    chromium, live_server, visitor_users, site_pages
):
    problems = _visit(chromium, live_server.url, visitor_users["admin"], _admin_pages())
    assert not problems, "\n".join(problems)


def test_the_gate_sees_a_gravatar(
    chromium, live_server, visitor_users, site_pages, settings, fail_on_csp_violations
):
    """With Wagtail's default provider the same checks fail: the gate is not blind.

    The CSP's img-src stops the request before it leaves (a violation), or, without the CSP,
    the request shows up as one to another host.
    """
    settings.WAGTAIL_GRAVATAR_PROVIDER_URL = "//www.gravatar.com/avatar"
    problems = _visit(
        chromium, live_server.url, visitor_users["admin"], [reverse("wagtailadmin_home")]
    )
    seen = [p for p in problems + fail_on_csp_violations if "www.gravatar.com/avatar/" in p]
    assert seen, problems + fail_on_csp_violations
    fail_on_csp_violations.clear()
