"""Training report pages and マイ学習's requirements in Chromium, with data: axe at 1280 and
320 px (with the largest text size), as the access-matrix audit sees them only with one sample
person."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from accounts.backends import has_second_factor
from accounts.models import User
from tests.browser.support import audit, new_context, report
from tests.training.training_views_support import build_cohort, build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(make_user, site_pages):
    world = build_world(make_user)
    world["cohort"] = build_cohort(world)
    # Every role needs a second factor to reach these pages (MFA_REQUIRED_ROLES).
    for user in {v for v in world.values() if isinstance(v, User)}:
        if not has_second_factor(user):
            TOTP.activate(user, generate_totp_secret())
    return world


def _paths(w: dict) -> list[tuple[str, str]]:
    department = reverse("training:department", args=[w["bureau"].pk])
    return [
        ("admin", reverse("training:report") + "?year=2026"),
        ("bureau_manager", f"{department}?year=2026&scope=all"),
        ("bureau_manager", f"{department}?year=nonsense&status=overdue"),
        ("bureau_manager", reverse("training:overdue") + "?year=2026"),
        ("bureau_manager", reverse("training:person", args=[w["s2"].pk])),
        ("admin", reverse("training:cohort", args=[w["cohort"].pk])),
        ("s3", reverse("learning:my_learning")),
    ]


def test_training_pages_with_data_are_accessible(chromium, live_server, world):
    problems = []
    for who, path in _paths(world):
        context = new_context(chromium, live_server.url, world[who])
        try:
            page = context.new_page()
            response = page.goto(path)
            assert response.status == 200, f"{path} as {who}: {response.status}"
            # The page itself, not a redirect to the second-factor set-up or the login.
            assert page.url.endswith(path), f"{path} as {who} ended at {page.url}"
            found = audit(page, live_server.url)
        finally:
            context.close()
        if found:
            problems.append(report(f"{path} as {who}", found))
    assert not problems, "\n".join(problems)


def test_my_learning_shows_the_requirements_section(chromium, live_server, world):
    context = new_context(chromium, live_server.url, world["s2"])
    try:
        page = context.new_page()
        page.goto(reverse("learning:my_learning"))
        section = page.locator("section", has=page.locator("#requirements-title"))
        assert "情報セキュリティ研修（全職員）" in section.inner_text()
        # 今すぐ受講する or 受講を始める, depending on today's date: the start or resume link.
        button = section.locator("a.button").first
        with page.expect_navigation():
            button.click()
        assert page.locator("h1").inner_text() == "情報セキュリティ研修"
    finally:
        context.close()
