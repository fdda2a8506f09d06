"""The H5P content origin: host split, package files and the player page (docs/h5p-hosting.md)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.test import Client

from learning.h5p import serving
from learning.middleware import H5PContentHostMiddleware
from tests.learning.lesson_support import package

pytestmark = pytest.mark.django_db

CONTENT = "http://h5p.example.test"
CONTENT_HOST = "h5p.example.test"
APP = "http://testserver"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.H5P_DEV_CONTENT_ORIGIN = False
    cache.clear()


@pytest.fixture
def separate(settings):
    settings.H5P_CONTENT_ORIGIN = CONTENT
    settings.H5P_APP_ORIGINS = [APP]
    settings.ALLOWED_HOSTS = ["testserver", CONTENT_HOST, "localhost", "127.0.0.1"]


@pytest.fixture
def quiz():
    return package("single-choice-set.h5p", title="クイズ")


def _content(client: Client, path: str, **extra):
    return client.get(path, HTTP_HOST=CONTENT_HOST, **extra)


def _file_url(pkg, rest: str) -> str:
    return f"/learning/h5p/{pkg.uuid}/{rest}"


# --- Host split -------------------------------------------------------------------------


def test_content_host_serves_only_player_and_package_paths(client, separate, quiz):
    assert _content(client, _file_url(quiz, "content/content.json")).status_code == 200
    assert _content(client, _file_url(quiz, "h5p.json")).status_code == 200
    for path in ["/", "/accounts/login/", "/admin/", "/healthz", "/courses/", "/api/sessions"]:
        response = _content(client, path)
        assert response.status_code == 404, path
        assert response["Content-Security-Policy"].startswith("sandbox")


def test_app_host_refuses_content_paths_when_a_content_origin_is_set(client, separate, quiz):
    assert client.get(_file_url(quiz, "content/content.json")).status_code == 404
    assert client.get(_file_url(quiz, "player/")).status_code == 404
    assert client.get("/healthz").status_code == 200


def test_app_serves_the_opaque_player_itself_without_a_content_origin(client, quiz):
    response = client.get(_file_url(quiz, "content/content.json"))
    assert response.status_code == 200
    # The opaque sandbox fetches across origins ("null"), so the files allow any origin.
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(_file_url(quiz, "libraries/H5P.Question-1.4/library.json"))
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"


def test_content_origin_files_need_no_cors(client, separate, quiz):
    response = _content(client, _file_url(quiz, "content/content.json"))
    assert "Access-Control-Allow-Origin" not in response


def test_no_cookies_leave_the_content_host(client, separate, quiz, make_user):
    client.force_login(make_user(None))
    client.cookies["csrftoken"] = "x" * 32
    for path in [_file_url(quiz, "player/") + f"?origin={APP}", _file_url(quiz, "h5p.json")]:
        response = _content(client, path)
        assert response.status_code == 200
        assert not response.cookies, path
        assert "Set-Cookie" not in response


def test_raw_media_urls_of_packages_are_never_served(rf, quiz):
    """The development media view (and a careless proxy rule) would serve them as is."""
    middleware = H5PContentHostMiddleware(lambda request: HttpResponse("served"))
    assert middleware(rf.get(f"/media/{quiz.content_path}content.json")).status_code == 404
    assert middleware(rf.get("/media/h5p/libraries/Drop-1.0/js/drop.min.js")).status_code == 404
    assert middleware(rf.get("/media/original_images/x.png")).status_code == 200


def test_dev_split_uses_localhost_for_content_of_a_loopback_app(rf, settings):
    settings.H5P_CONTENT_ORIGIN = ""
    settings.H5P_DEV_CONTENT_ORIGIN = True
    app = rf.get("/", HTTP_HOST="127.0.0.1:8011")
    assert serving.content_origin(app) == "http://localhost:8011"
    assert not serving.is_content_host(app)
    assert serving.is_content_host(rf.get("/", HTTP_HOST="localhost:8011"))
    # From a LAN address localhost would be the visitor's own machine: opaque sandbox instead.
    settings.ALLOWED_HOSTS = ["192.168.1.20"]
    assert serving.content_origin(rf.get("/", HTTP_HOST="192.168.1.20:8011")) == ""


def test_dev_split_sends_app_pages_on_localhost_to_127_0_0_1(client, settings):
    settings.H5P_DEV_CONTENT_ORIGIN = True
    settings.DEBUG = True
    response = client.get("/courses/?level=first", HTTP_HOST="localhost:8011")
    assert response.status_code == 302
    assert response["Location"] == "http://127.0.0.1:8011/courses/?level=first"


# --- Package files ----------------------------------------------------------------------


def test_file_headers(client, separate, quiz):
    response = _content(client, _file_url(quiz, "libraries/H5P.SingleChoiceSet-1.11/library.json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == serving.FILE_CSP
    assert response["Content-Security-Policy"].startswith("sandbox;")
    assert "max-age=" in response["Cache-Control"]
    script = _content(
        client,
        _file_url(quiz, "libraries/H5P.SingleChoiceSet-1.11/scripts/single-choice-set.js"),
    )
    assert script["Content-Type"] == "text/javascript; charset=utf-8"
    assert b"SingleChoiceSet" in b"".join(script.streaming_content)


def test_svg_is_served_as_a_sandboxed_image(client, separate, quiz):
    default_storage.save(
        f"{quiz.content_path}images/x.svg", ContentFile(b"<svg><script>alert(1)</script></svg>")
    )
    response = _content(client, _file_url(quiz, "content/images/x.svg"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "rest",
    [
        "content/../h5p.json",
        "content/..%2Fcontent.json",
        "content/%2e%2e/%2e%2e/libraries/Drop-1.0/library.json",
        "content/images/..%5C..%5Cx.json",
        "content/.hidden.json",
        "content//content.json",
        "libraries/Drop-1.0/../Tether-1.0/library.json",
        "libraries/../content/content.json",
        "libraries/..%2F..%2Fsettings.json",
    ],
)
def test_path_traversal_is_refused(client, separate, quiz, rest):
    assert _content(client, _file_url(quiz, rest)).status_code == 404


def test_nul_in_a_file_path_is_refused_in_plain_text(client, separate, quiz):
    """base.middleware refuses it before any view: 400, plain text, no cookie."""
    response = _content(client, _file_url(quiz, "content/%00.json"))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert not response.cookies


def test_files_of_other_packages_and_unused_libraries_are_refused(client, separate, quiz):
    other = package("true-false-hello-world.h5p", title="別の教材")
    # Its own library is fine for it, but not through the quiz's URL.
    assert (
        _content(client, _file_url(other, "libraries/H5P.TrueFalse-1.6/library.json")).status_code
        == 200
    )
    assert (
        _content(client, _file_url(quiz, "libraries/H5P.TrueFalse-1.6/library.json")).status_code
        == 404
    )
    # Editor libraries are stored only when used by the player; an unknown folder is 404.
    assert _content(client, _file_url(quiz, "libraries/NoSuch-1.0/library.json")).status_code == 404
    unknown = "00000000-0000-4000-8000-000000000000"
    assert _content(client, f"/learning/h5p/{unknown}/content/content.json").status_code == 404


@pytest.mark.parametrize("name", ["x.html", "x.htm", "x.php", "x.swf", "x", "x.exe"])
def test_disallowed_extensions_answer_404(client, separate, quiz, name):
    default_storage.save(f"{quiz.content_path}{name}", ContentFile(b"<script>alert(1)</script>"))
    assert _content(client, _file_url(quiz, f"content/{name}")).status_code == 404


def test_office_files_are_downloads(client, separate, quiz):
    default_storage.save(f"{quiz.content_path}files/handout.docx", ContentFile(b"PK\x03\x04"))
    response = _content(client, _file_url(quiz, "content/files/handout.docx"))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_writes_are_not_allowed(client, separate, quiz):
    assert client.post(_file_url(quiz, "h5p.json"), HTTP_HOST=CONTENT_HOST).status_code == 405


# --- Player page ------------------------------------------------------------------------


def test_player_page_csp_and_no_secrets(client, separate, quiz, make_user):
    response = _content(client, _file_url(quiz, "player/") + f"?origin={APP}")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert f"frame-ancestors {APP};" in csp
    assert "script-src 'self' 'unsafe-eval';" in csp
    assert "sandbox allow-scripts allow-same-origin" in csp
    assert "X-Frame-Options" not in response
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "<script>" not in html  # no inline script: the config is JSON data
    assert 'id="h5p-player-config"' in html
    assert "csrfmiddlewaretoken" not in html and "sessionid" not in html
    assert f'"xAPIObjectIRI": "urn:toshima-ict:h5p:{quiz.uuid}"' in html


def test_opaque_player_page_is_sandboxed_without_same_origin(client, quiz):
    response = client.get(_file_url(quiz, "player/") + f"?origin={APP}")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    # Opened directly on the app's origin it still cannot read the app's cookies.
    assert csp.endswith("sandbox allow-scripts")
    assert f"frame-ancestors {APP};" in csp


def test_player_refuses_an_unknown_embedding_origin(client, separate, quiz):
    response = _content(client, _file_url(quiz, "player/") + "?origin=https://evil.example")
    assert response.status_code == 403
    assert "frame-ancestors https://evil.example" not in response["Content-Security-Policy"]
    assert "h5p-player-config" not in response.content.decode()


def test_content_host_errors_are_plain_sandboxed_text_not_the_site_page(client, separate, quiz):
    unknown = "00000000-0000-4000-8000-000000000000"
    for path in (
        f"/learning/h5p/{unknown}/player/",
        f"/learning/h5p/{unknown}/content/content.json",
        _file_url(quiz, "content/no-such-file.json"),
    ):
        response = _content(client, path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/plain")
        assert response["Content-Security-Policy"] == serving.FILE_CSP
        assert b"<html" not in response.content.lower()
