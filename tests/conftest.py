"""Shared fixtures: one user per role, with or without a second factor."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import GROUP_NAMES, Role

# Fixtures shared by the browser tests of every app (Chromium, the live site's page tree).
pytest_plugins = ["tests.browser.support"]

# The permission matrix and the accessibility audit speak of these six kinds of visitor.
VISITORS = ("anonymous", "resident", "staff", "trainer", "counter", "admin")
TEST_PASSWORD = "correct-horse-battery-42"


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Tests create many users; PBKDF2 would spend seconds on their passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def temporary_media_root(settings, tmp_path_factory):
    """Stored files (H5P packages that seed_demo imports, uploads) go to a fresh temporary folder.

    Without it they would land in the project's media/ and outlive the test's rolled-back rows.
    """
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    """Create a user with an optional role; ``mfa=True`` gives them a TOTP authenticator.

    The TOTP secret is kept on ``user.totp_secret`` so a test can compute a code.
    """
    counter = iter(range(1, 10_000))

    def _make(role: Role | str | None = None, *, mfa: bool = False, **fields) -> User:
        n = next(counter)
        email = fields.pop("email", f"user{n}-{role or 'resident'}@example.jp")
        user = User.objects.create_user(
            email=email,
            password=TEST_PASSWORD,
            last_name=fields.pop("last_name", "豊島"),
            first_name=fields.pop("first_name", f"花子{n}"),
            **fields,
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        if role is not None:
            user.groups.add(Group.objects.get(name=GROUP_NAMES[Role(role)]))
        user.totp_secret = None
        if mfa:
            user.totp_secret = generate_totp_secret()
            TOTP.activate(user, user.totp_secret)
        return user

    return _make


@pytest.fixture
def visitor_users(make_user) -> dict[str, User | None]:
    """One user per visitor kind; staff-page roles have MFA set up, as they must."""
    return {
        "anonymous": None,
        "resident": make_user(None),
        "staff": make_user(Role.STAFF),
        "trainer": make_user(Role.TRAINER, mfa=True),
        "counter": make_user(Role.COUNTER, mfa=True),
        "admin": make_user(Role.ADMIN, mfa=True),
    }
