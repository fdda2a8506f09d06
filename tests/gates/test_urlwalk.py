"""The walker behind the coverage gate: new routes must be caught, covered ones not."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from base import views as base_views
from tests.gates.urlwalk import covering_row, missing_routes, stale_routes, walk

VENDOR_PATTERNS = [
    path("login/", auth_views.LoginView.as_view(), name="vendor_login"),
    re_path(r"^files/(\d+)/$", auth_views.LogoutView.as_view()),
]
PATTERNS = [
    path("healthz", base_views.healthz),
    path("vendor/", include(VENDOR_PATTERNS)),
    path("vendor/ours/", base_views.TextSizeView.as_view()),
    path("redirect/", RedirectView.as_view(url="/")),
]


def _leaves():
    return list(walk(PATTERNS, urlconf="config.urls"))


def test_walk_joins_routes_as_django_does():
    routes = [leaf.route for leaf in _leaves()]
    assert routes == [
        "healthz",
        "vendor/login/",
        r"vendor/files/(\d+)/$",
        "vendor/ours/",
        "redirect/",
    ]


def test_project_views_and_project_urlconfs_count_as_ours():
    ours = {leaf.route: leaf.is_project for leaf in _leaves()}
    assert ours["healthz"] is True  # project view
    assert ours["redirect/"] is True  # third-party view written in config.urls
    assert ours["vendor/login/"] is True  # include() of a list written in config.urls
    vendor = list(walk([path("x/", include("django.contrib.auth.urls"))], urlconf="config.urls"))
    assert vendor and not any(leaf.is_project for leaf in vendor)


def test_a_new_route_without_a_row_is_missing():
    missing = missing_routes(_leaves(), ["healthz", "vendor/login/", "redirect/"])
    assert [leaf.route for leaf in missing] == [r"vendor/files/(\d+)/$", "vendor/ours/"]


def test_a_delegated_prefix_covers_third_party_routes_only():
    vendor = list(walk([path("x/", include("django.contrib.auth.urls"))], urlconf="config.urls"))
    assert all(covering_row(leaf, ["x/*"]) == "x/*" for leaf in vendor)
    ours = next(leaf for leaf in _leaves() if leaf.route == "vendor/ours/")
    assert covering_row(ours, ["vendor/*"]) is None
    assert covering_row(ours, ["vendor/*", "vendor/ours/"]) == "vendor/ours/"


def test_rows_for_vanished_routes_are_stale():
    stale = stale_routes(_leaves(), ["healthz", "gone/", "vendor/*", "nothing/*"])
    assert stale == ["gone/", "nothing/*"]
