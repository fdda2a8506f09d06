"""The permission matrix: every route has an access rule, and the app keeps to it.

The rules are data in tests/access_matrix.csv (its format is described in
tests/gates/matrix.py). A route added to the URL configuration without a row fails
``test_every_route_has_a_row``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.test.client import RedirectCycleError
from django.urls import Resolver404, resolve, reverse

from tests.conftest import VISITORS
from tests.gates.matrix import MATRIX_PATH, Row, load_rows
from tests.gates.support import concrete_page_models, ensure_page_tree, live_page_of, sign_in
from tests.gates.urlwalk import missing_routes, stale_routes, walk

ROWS = load_rows()
ADD_A_ROW = (
    f"Add a row to {MATRIX_PATH.relative_to(MATRIX_PATH.parent.parent)} for each route "
    "(route,sample_path,anonymous,resident,staff,trainer,counter,admin,axe,note): the status "
    "each visitor should get, and which visitor the accessibility audit uses."
)

_NO_ADMIN_LOOP = (
    "Redirect loop: Wagtail sends signed-in people without admin access to the login page, "
    "and allauth sends signed-in people on to ?next=/admin/. They should get a 403 or a page "
    "that says they have no access (for example ACCOUNT_AUTHENTICATED_LOGIN_REDIRECTS = False "
    "or a Wagtail permission-denied handler)."
)
_UTIL_LOGIN = (
    "Wagtail's /_util/login/ is a plain django.contrib.auth LoginView: a password alone signs in "
    "people whose role requires MFA, without allauth's rate limits. It should redirect to "
    "account_login like /admin/login/ (and WAGTAIL_FRONTEND_LOGIN_URL should name it)."
)
NO_ADMIN_ACCESS = ("resident", "staff", "trainer", "counter")


def known_problem(route: str, visitor: str) -> str | None:
    """Say why a cell breaks its access rule today, or None.

    Such behaviour is reported, not encoded: the test is expected to fail until it is fixed
    (strictly, so the marker has to go once it passes).
    """
    if route.startswith("admin/") and route != "admin/login/" and visitor in NO_ADMIN_ACCESS:
        return _NO_ADMIN_LOOP
    if route == "_util/login/":
        return _UTIL_LOGIN
    return None


LOGIN_PATH = "/accounts/login/"


def _cases():
    for row in ROWS:
        for visitor in VISITORS:
            problem = known_problem(row.route, visitor)
            marks = [pytest.mark.xfail(strict=True, reason=problem)] if problem else []
            yield pytest.param(row, visitor, id=f"{row.id}-{visitor}", marks=marks)


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


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "visitor"), list(_cases()))
def test_access(row: Row, visitor: str, visitor_users):
    expected = row.expected[visitor]
    client = sign_in(Client(), visitor_users[visitor])
    response = client.get(row.sample_path)
    assert response.status_code == expected.status, (
        f"GET {row.sample_path} as {visitor}: {response.status_code}, the matrix says "
        f"{expected} ({MATRIX_PATH.name} line {row.line})."
    )
    if response.status_code != 302:
        return
    location = urlsplit(response["Location"]).path
    if expected.location:
        assert location == expected.location, f"Redirected to {response['Location']}."
    elif visitor == "anonymous":
        assert location == LOGIN_PATH == reverse("account_login"), (
            f"Anonymous visitors should be sent to the login page, not {response['Location']}."
        )
    try:
        final = client.get(row.sample_path, follow=True)
    except RedirectCycleError as exc:
        chain = [row.sample_path] + [url for url, _status in exc.last_response.redirect_chain]
        loop = " -> ".join(chain[:4])
    else:
        assert final.status_code < 500, f"The redirects end in {final.status_code}."
        return
    pytest.fail(f"GET {row.sample_path} as {visitor} never arrives: {loop} …")


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
