"""Shared fixtures: one user per role, with or without a second factor."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import translation

from accounts.models import User
from accounts.roles import GROUP_NAMES, Role

# Fixtures shared by the browser tests of every app (Chromium, the live site's page tree).
pytest_plugins = ["tests.browser.support"]

# The permission matrix and the accessibility audit speak of these six kinds of visitor.
VISITORS = ("anonymous", "resident", "staff", "trainer", "counter", "admin")
TEST_PASSWORD = "correct-horse-battery-42"


@pytest.fixture(autouse=True)
def _default_language():
    """Start every test in the site's language: a request through LocaleMiddleware leaves the
    language it chose active in the thread, which would leak into the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty cache: the cached class list (classes.listing_cache) is
    retired by a version bumped on commit, and on-commit callbacks do not run in a test's
    transaction, so a page cached by one test would otherwise be served to the next."""
    from django.core.cache import cache

    cache.clear()
    yield


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "nodb: touches no database (set at collection for tests with neither the django_db "
        "mark nor a database fixture); make test-postgres deselects them, they ran on SQLite",
    )


def pytest_collection_modifyitems(config, items):
    """Mark the tests that cannot reach a database ``nodb``.

    pytest-django refuses database access to a test without the ``django_db`` mark or a
    database fixture (``db``, ``transactional_db``, ``live_server`` and every fixture built on
    them), so such a test behaves the same whichever database is configured: the PostgreSQL
    pass need not run parsers, property tests and settings checks a second time.
    """
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("django_db") is None and not (
            fixtures & {"_django_db_helper", "live_server"}
        ):
            item.add_marker(pytest.mark.nodb)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Tests create many users; PBKDF2 would spend seconds on their passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def _media_folders(tmp_path_factory) -> Callable[[], Path]:
    """Fresh numbered folders under one session folder.

    ``tmp_path_factory.mktemp`` lists its whole base folder to find the next number: twice per
    test, that folder grew to ~4,500 entries (making 4,500 such folders took 14 s here); a
    counter and mkdir cost nothing, and tmp_path (same base folder) gets faster as well.
    """
    base = tmp_path_factory.mktemp("test-files")
    counter = itertools.count(1)

    def _next() -> Path:
        folder = base / str(next(counter))
        folder.mkdir()
        return folder

    return _next


@pytest.fixture(autouse=True)
def temporary_media_root(settings, _media_folders):
    """Stored files (H5P packages that seed_demo imports, uploads) go to a fresh temporary folder.

    Without it they would land in the project's media/ and outlive the test's rolled-back rows.
    """
    folder = _media_folders()
    (folder / "media").mkdir()
    (folder / "private").mkdir()
    settings.MEDIA_ROOT = folder / "media"
    location = str(folder / "private")
    private = {**settings.STORAGES["private"], "OPTIONS": {"location": location}}
    settings.STORAGES = {**settings.STORAGES, "private": private}


def create_user(n: int, role: Role | str | None = None, *, mfa: bool | None = None, **fields):
    """Create user number ``n`` as :func:`make_user` describes (also for module-scoped data)."""
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
    if mfa is None:
        mfa = role is not None and str(Role(role)) in settings.MFA_REQUIRED_ROLES
    if mfa:
        user.totp_secret = generate_totp_secret()
        TOTP.activate(user, user.totp_secret)
    return user


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    """Create a user with an optional role; ``mfa=True`` gives them a TOTP authenticator.

    By default (``mfa=None``) a user gets one when their role requires it
    (``MFA_REQUIRED_ROLES``: every role in production), as a real account must have before it
    reaches any page; a test of the set-up path passes ``mfa=False``. The TOTP secret is kept
    on ``user.totp_secret`` so a test can compute a code.
    """
    counter = iter(range(1, 10_000))

    def _make(role: Role | str | None = None, *, mfa: bool | None = None, **fields) -> User:
        return create_user(next(counter), role, mfa=mfa, **fields)

    return _make


def build_visitor_users(make: Callable[..., User]) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "resident": make(None),
        "staff": make(Role.STAFF, mfa=True),
        "trainer": make(Role.TRAINER, mfa=True),
        "counter": make(Role.COUNTER, mfa=True),
        "admin": make(Role.ADMIN, mfa=True),
    }


@pytest.fixture
def visitor_users(make_user) -> dict[str, User | None]:
    """One user per visitor kind; every role has MFA set up, as it must."""
    return build_visitor_users(make_user)
