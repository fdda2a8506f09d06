"""The permission matrix: every route has an access rule, and the app keeps to it.

Each answer must also carry the security headers (tests/gates/security.py).

The rules are data in tests/access_matrix.csv (its format is described in
tests/gates/matrix.py). A route added to the URL configuration without a row fails
``test_every_route_has_a_row``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client, override_settings
from django.test.client import RedirectCycleError
from django.urls import Resolver404, resolve, reverse

from tests.conftest import VISITORS, build_visitor_users, create_user
from tests.gates.matrix import MATRIX_PATH, Row, load_rows
from tests.gates.security import header_problems
from tests.gates.support import (
    concrete_page_models,
    ensure_class_samples,
    ensure_page_tree,
    ensure_staff_samples,
    ensure_training_samples,
    live_page_of,
    sign_in,
)
from tests.gates.urlwalk import missing_routes, stale_routes, walk

ROWS = load_rows()
ADD_A_ROW = (
    f"Add a row to {MATRIX_PATH.relative_to(MATRIX_PATH.parent.parent)} for each route "
    "(route,sample_path,anonymous,resident,staff,trainer,counter,admin,axe,note): the status "
    "each visitor should get, and which visitor the accessibility audit uses."
)

# Cells where the app breaks its access rule today: the matrix keeps the rule, the row's test
# is an xfail with the reason, and it fails once the cell works (then the entry must go).
# Example: {("admin/", "staff"): "Redirect loop between /admin/ and the login page."}
# (the loop and the password-only /_util/login/ were found this way and fixed in 3561591).
KNOWN_PROBLEMS: dict[tuple[str, str], str] = {}

LOGIN_PATH = "/accounts/login/"


# The visitors and the sample data are made once for this module's 214 GET-only tests (in an
# outer transaction, rolled back at the end; each test runs in a savepoint inside it), not once
# per test as tests/gates/conftest.py does elsewhere: the same rows, ~0.1 s less per test.
SHARED_SAMPLES = True


def _media_settings(media: str, private: str) -> dict:
    storages = django_settings.STORAGES
    return {
        "MEDIA_ROOT": media,
        "STORAGES": {
            **storages,
            "private": {**storages["private"], "OPTIONS": {"location": private}},
        },
    }


@pytest.fixture(scope="module")
def _shared_media(tmp_path_factory) -> dict:
    return _media_settings(
        str(tmp_path_factory.mktemp("media")), str(tmp_path_factory.mktemp("private"))
    )


@pytest.fixture
def temporary_media_root(settings, _shared_media):
    """The module's media folders (the sample image and documents are stored there once)."""
    for name, value in _shared_media.items():
        setattr(settings, name, value)


@pytest.fixture(scope="module")
def _shared_visitors(django_db_setup, django_db_blocker, _shared_media):
    counter = iter(range(1, 10_000))
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast, **_shared_media),
        transaction.atomic(),
    ):
        users = build_visitor_users(lambda *a, **k: create_user(next(counter), *a, **k))
        ensure_class_samples()
        ensure_staff_samples(users["trainer"])
        ensure_training_samples()
        yield users
        transaction.set_rollback(True)


@pytest.fixture
def visitor_users(_shared_visitors, db):
    return _shared_visitors


def test_every_route_has_a_row():
    missing = missing_routes(walk(), [row.route for row in ROWS])
    listing = "\n".join(
        f"  {leaf.route!r}  (view {leaf.view}, name {leaf.name})" for leaf in missing
    )
    assert not missing, f"Routes without an access rule:\n{listing}\n{ADD_A_ROW}"


def test_no_row_is_stale():
    stale = stale_routes(list(walk()), [row.route for row in ROWS])
    assert not stale, (
        f"Rows for routes that no longer exist: {stale}. Remove them from {MATRIX_PATH.name} "
        "or correct the route."
    )


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_sample_path_belongs_to_its_row(row: Row):
    """The sample path must exercise the route of its row, not a neighbour."""
    try:
        route = resolve(urlsplit(row.sample_path).path).route
    except Resolver404:
        pytest.fail(f"{row.sample_path} does not resolve.")
    if row.delegated:
        exact_routes = {r.route for r in ROWS if not r.delegated}
        assert route.startswith(row.route[:-1]) and route not in exact_routes, (
            f"{row.sample_path} resolves to {route!r}, which is not one of the routes only "
            f"{row.route!r} covers."
        )
    else:
        assert route == row.route, f"{row.sample_path} resolves to {route!r}."


def _break_of_rule(row: Row, visitor: str, client: Client) -> str | None:
    """GET the sample path as the visitor; say how the answer breaks the row's rule, or None."""
    expected = row.expected[visitor]
    response = client.get(row.sample_path)
    if response.status_code != expected.status:
        return f"{response.status_code}, the matrix says {expected}"
    # Content-Security-Policy and Permissions-Policy on every answer (test_security_headers.py).
    headers = header_problems(response, f"GET {row.sample_path}")
    if headers:
        return "; ".join(headers)
    if response.status_code != 302:
        return None
    location = urlsplit(response["Location"]).path
    if expected.location and location != expected.location:
        return f"redirected to {response['Location']}, the matrix says {expected}"
    if not expected.location and visitor == "anonymous" and location != LOGIN_PATH:
        return f"redirected to {response['Location']}, not to the login page"
    try:
        final = client.get(row.sample_path, follow=True)
    except RedirectCycleError as exc:
        chain = [row.sample_path] + [url for url, _status in exc.last_response.redirect_chain]
        return f"redirect loop: {' -> '.join(chain[:4])} …"
    if final.status_code >= 500:
        return f"the redirects end in {final.status_code}"
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_access(row: Row, visitor_users):
    """Each visitor gets the status the matrix gives, one row per test."""
    assert reverse("account_login") == LOGIN_PATH
    unexpected, known = [], []
    for visitor in VISITORS:
        broken = _break_of_rule(row, visitor, sign_in(Client(), visitor_users[visitor]))
        reason = KNOWN_PROBLEMS.get((row.route, visitor))
        if broken and reason:
            known.append(f"{visitor}: {reason}")
        elif broken:
            unexpected.append(f"as {visitor}: {broken}")
        elif reason:
            unexpected.append(f"as {visitor}: works now; remove it from KNOWN_PROBLEMS")
    assert not unexpected, (
        f"GET {row.sample_path} ({MATRIX_PATH.name} line {row.line}):\n  " + "\n  ".join(unexpected)
    )
    if known:
        pytest.xfail("; ".join(known))


@pytest.mark.django_db
@pytest.mark.parametrize("model", concrete_page_models(), ids=lambda m: m._meta.label)
def test_every_page_type_has_a_live_page(model, client):
    """The accessibility audit visits one live page of each page type; make sure it exists."""
    ensure_page_tree()
    page = live_page_of(model)
    assert page is not None, (
        f"No live {model._meta.label} page. Have ensure_page_tree in tests/gates/support.py "
        "create one, so the page type is audited."
    )
    assert client.get(page.url).status_code == 200
