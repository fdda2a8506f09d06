"""No input answers 5xx (issue 9, finding 3): the edge refuses what no page can store.

``base.middleware.InputGuardMiddleware`` refuses NUL and lone surrogates in the path, the
query string and form fields (400 ``bad_text``), bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (413
``too_large``) and too many fields (400), before any view or database query; the JSON
parsers of the API and the learning endpoints refuse the same characters and too deep JSON
inside bodies (``base.inputs.load_json``). Errors under /api/ are always JSON.

The routes come from tests/access_matrix.csv (which the gates keep in step with the URL
configuration), so a new URL is covered here without a new test. These tests run on SQLite
and, with DATABASE_URL, on PostgreSQL, where NUL used to reach the database and answer 500.
"""

from __future__ import annotations

import json
import types
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve

from accounts.roles import Role
from base.inputs import error_messages
from base.middleware import error_messages as guard_messages
from classes.models import Registration
from learning import player
from learning.models import ActivityState, Attempt, H5PPackage, LessonProgress, XapiStatement
from tests.classes.factories import make_session
from tests.gates.matrix import load_rows
from tests.gates.support import sign_in
from tests.learning.lesson_support import course, h5p_block, lesson, package, statement

pytestmark = pytest.mark.django_db

ROWS = load_rows()
BAD_TEXT = str(error_messages["bad_text"])
TOO_LARGE = str(error_messages["too_large"])
# Learning endpoints that speak JSON (their errors are JSON, like the API's).
JSON_VIEWS = {"learning:xapi", "learning:state"}
SMALL_LIMIT = 2048
DEEP = "[" * 2000 + "]" * 2000
DEEP_OBJECT = '{"a":' * 2000 + "1" + "}" * 2000


@pytest.fixture(autouse=True)
def clear_rate_limits(settings):
    """Rate-limit counters of earlier tests must not answer 429 here."""
    settings.CLASSES_BOOKING_RATE_LIMIT = "1000/m"
    settings.CLASSES_LOOKUP_RATE_LIMIT = "1000/m"
    cache.clear()
    yield
    cache.clear()


def row_counts() -> dict[str, int]:
    """Rows in every table, to show that a refused request wrote nothing."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if not model._meta.proxy and model._meta.managed
    }


def nul_in_path(path: str) -> str:
    """Put %00 at the start of the path's last segment (a reference, a code, a page slug)."""
    parts = urlsplit(path)
    segments = parts.path.split("/")
    last = max((i for i, s in enumerate(segments) if s), default=None)
    if last is None:
        return "/%00"
    segments[last] = "%00" + segments[last]
    return "/".join(segments)


def with_query(path: str, query: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{query}"


def speaks_json(path: str) -> bool:
    """Whether errors on this path must be JSON: the API and the learning JSON endpoints."""
    if urlsplit(path).path.startswith("/api/"):
        return True
    try:
        match = resolve(urlsplit(path).path.replace("%00", "\x00"))
    except Resolver404:
        return False
    return match.view_name in JSON_VIEWS


def assert_refused(response, status: int, code: str, message: str, *, as_json: bool) -> None:
    """The guard's answer: the status, and the message in JSON or on an HTML page."""
    where = f"{response.request['REQUEST_METHOD']} {response.request['PATH_INFO']}"
    assert response.status_code == status, f"{where}: {response.status_code}"
    if as_json:
        assert response["Content-Type"].startswith("application/json"), where
        assert response.json() == {"code": code, "detail": message}, where
    else:
        assert response["Content-Type"].startswith("text/html"), where
        html = response.content.decode()
        assert message in html and '<html lang="' in html, where


def _learner_client(make_user) -> Client:
    return sign_in(Client(), make_user(None))


# --- Every route of the access matrix -------------------------------------------------------


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_nul_in_the_path_or_query_is_refused_on_every_route(row, make_user):
    """GET with %00 in a query value, a query key or the path: 400 with the message, no write."""
    clients = (Client(), _learner_client(make_user))
    before = row_counts()
    for client in clients:
        for path in (
            with_query(row.sample_path, "q=%00"),
            with_query(row.sample_path, "%00=1"),
            with_query(row.sample_path, "area=%E9%A7%92%00"),
            nul_in_path(row.sample_path),
        ):
            response = client.get(path)
            assert_refused(response, 400, "bad_text", BAD_TEXT, as_json=speaks_json(path))
    assert row_counts() == before


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_nul_in_a_form_field_is_refused_on_every_route(row, make_user):
    """POST a form (urlencoded or multipart) with NUL in a value or a name: 400, no write."""
    path = urlsplit(row.sample_path).path
    as_json = speaks_json(path)
    clients = (Client(), _learner_client(make_user))
    before = row_counts()
    for client in clients:
        for data in ({"name": "豊島\x00花子"}, {"na\x00me": "豊島"}, {"phone": ["1", "\x00"]}):
            urlencoded = client.post(
                path,
                "&".join(
                    f"{k}={v}".replace("\x00", "%00")
                    for k, values in data.items()
                    for v in (values if isinstance(values, list) else [values])
                ),
                content_type="application/x-www-form-urlencoded",
            )
            assert_refused(urlencoded, 400, "bad_text", BAD_TEXT, as_json=as_json)
            multipart = client.post(path, data)
            assert_refused(multipart, 400, "bad_text", BAD_TEXT, as_json=as_json)
    assert row_counts() == before


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_oversized_body_is_413_on_every_route(row, settings, make_user):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413 with the message, in every form, no write."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = SMALL_LIMIT
    path = urlsplit(row.sample_path).path
    as_json = speaks_json(path)
    big = "あ" * SMALL_LIMIT
    clients = (Client(), _learner_client(make_user))
    before = row_counts()
    for client in clients:
        for response in (
            client.post(path, json.dumps({"name": big}), content_type="application/json"),
            client.post(path, f"name={big}", content_type="application/x-www-form-urlencoded"),
            client.post(path, big, content_type="text/plain"),
            client.post(path, {"name": big}),  # multipart: its text fields count
        ):
            assert_refused(response, 413, "too_large", TOO_LARGE, as_json=as_json)
    assert row_counts() == before


# --- The reproductions of the issue ---------------------------------------------------------


def test_api_session_list_with_nul_in_the_area_is_400_json(client):
    make_session()
    response = client.get("/api/sessions?area=%00")
    assert_refused(response, 400, "bad_text", BAD_TEXT, as_json=True)


def test_booking_page_with_nul_in_the_reference_is_400(client):
    response = client.get("/classes/booking/%00ABC/")
    assert_refused(response, 400, "bad_text", BAD_TEXT, as_json=False)


def test_web_booking_with_nul_in_the_name_books_nothing(client):
    session = make_session()
    form = {
        "name": "豊島\x00花子",
        "name_kana": "としま はなこ",
        "phone": "03-3981-1234",
        "age_band": "75-79",
        "area": "駒込",
        "device": "android",
        "consent": "on",
        "form_token": "t1",
    }
    response = client.post(f"/classes/{session.pk}/book/", form)
    assert_refused(response, 400, "bad_text", BAD_TEXT, as_json=False)
    assert not Registration.objects.exists()


def test_surrogate_encoded_in_a_form_or_query_never_answers_5xx(client):
    """%ED%A0%80 is U+D800 encoded as if it were UTF-8; Django reads it as replacement
    characters, so it cannot reach the database as a lone surrogate (only JSON can carry one).
    """
    session = make_session()
    body = (
        "name=%ED%A0%80&name_kana=%E3%81%82&phone=03-3981-1234&age_band=75-79"
        "&area=%E9%A7%92%E8%BE%BC&device=android&consent=on&form_token=t2"
    )
    response = client.post(
        f"/classes/{session.pk}/book/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code < 500
    assert all("\ud800" not in name for name in Registration.objects.values_list("name", flat=True))
    assert client.get("/api/sessions?area=%ED%A0%80").status_code == 200
    assert client.get("/classes/booking/%ED%A0%80/").status_code < 500


@pytest.mark.parametrize(
    "path", ["/classes/cancel/", "/classes/booking/ACEFGH/"], ids=["cancel", "lookup"]
)
def test_cancel_and_lookup_forms_with_nul_are_400(client, path):
    response = client.post(path, {"reference": "ACE\x00FGH", "phone": "03-3981-1234"})
    assert_refused(response, 400, "bad_text", BAD_TEXT, as_json=False)


def test_file_contents_are_not_checked(client, settings):
    """NUL inside an uploaded file is the file's business; a file over the limit is fine too."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = SMALL_LIMIT
    upload = SimpleUploadedFile("a.bin", b"\x00" * (SMALL_LIMIT * 4), "application/octet-stream")
    response = client.post("/classes/cancel/", {"reference": "ACEFGH", "file": upload})
    assert response.status_code == 200


def test_nul_in_the_name_of_a_file_field_is_refused(client):
    """(Django itself drops unprintable characters from uploaded files' own names.)"""
    upload = SimpleUploadedFile("a.h5p", b"PK", "application/zip")
    response = client.post("/classes/cancel/", {"reference": "ACEFGH", "fi\x00le": upload})
    assert_refused(response, 400, "bad_text", BAD_TEXT, as_json=False)


def test_too_many_fields_is_400_with_a_message(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    data = "&".join(f"f{i}=1" for i in range(20))
    message = str(guard_messages["too_many_fields"])
    for path, as_json in (("/classes/cancel/", False), ("/api/bookings/ACEFGH/cancel", True)):
        response = client.post(path, data, content_type="application/x-www-form-urlencoded")
        assert_refused(response, 400, "too_many_fields", message, as_json=as_json)
        response = client.get(f"{path}?{data}")
        assert_refused(response, 400, "too_many_fields", message, as_json=as_json)


def test_oversized_body_by_content_length_is_413_before_reading(client, settings):
    """The Content-Length alone decides; the body is not read (here it is not even sent)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = SMALL_LIMIT
    response = client.generic(
        "POST",
        "/api/sessions/1/bookings",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(SMALL_LIMIT + 1),
    )
    assert_refused(response, 413, "too_large", TOO_LARGE, as_json=True)


def test_malformed_content_length_is_400(client):
    response = client.generic(
        "POST", "/classes/cancel/", b"a=1", content_type="text/plain", CONTENT_LENGTH="12x"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["sessionid", "csrftoken", "django_language"])
def test_cookie_with_nul_is_ignored(client, name):
    """A quoted octal escape in the Cookie header decodes to NUL; the page works without it.

    (The session cookie was looked up in the database: 500 on PostgreSQL.)
    """
    cookie = f'{name}="abcdefgh\\000ijklmnop"'
    assert client.get("/classes/", HTTP_COOKIE=cookie).status_code == 200
    response = client.post(
        "/classes/cancel/", {"reference": "ACEFGH", "phone": "0"}, HTTP_COOKIE=cookie
    )
    assert response.status_code == 200


def test_admin_h5p_upload_larger_than_the_limit_still_works(client, make_user, settings):
    """Files do not count towards DATA_UPLOAD_MAX_MEMORY_SIZE (the H5P package upload)."""
    from tests.learning.h5p_support import GREETING

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = SMALL_LIMIT
    assert GREETING.stat().st_size > SMALL_LIMIT
    client.force_login(make_user(Role.ADMIN, mfa=True))
    upload = SimpleUploadedFile(GREETING.name, GREETING.read_bytes(), "application/zip")
    response = client.post(
        "/admin/snippets/learning/h5ppackage/add/", {"title": "あいさつ", "file": upload}
    )
    assert response.status_code == 302
    assert H5PPackage.objects.filter(title="あいさつ").exists()


def test_content_host_gets_a_plain_refusal(client, settings):
    """On the H5P content origin the refusal is plain text, never the site's page."""
    settings.H5P_CONTENT_ORIGIN = "http://content.testserver"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "content.testserver"]
    response = client.get(
        "/learning/h5p/00000000-0000-4000-8000-000000000000/player/?origin=%00",
        HTTP_HOST="content.testserver",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert not response.cookies


# --- The JSON API ---------------------------------------------------------------------------


def _api_booking(n: int = 1, **fields) -> dict:
    data = {
        "name": f"豊島 花子{n}",
        "name_kana": "としま はなこ",
        "phone": f"03-3981-{n:04d}",
        "age_band": "75-79",
        "area": "駒込",
        "device": "android",
        "wants_loaner": False,
        "email": "",
        "consent": True,
    }
    data.update(fields)
    return data


def _api_bodies() -> dict[str, tuple[str, str]]:
    """Bodies the API's parser must refuse, with the code it answers."""
    return {
        "nul": (json.dumps(_api_booking(name="豊島\x00花子")), "bad_text"),
        "nul-key": (json.dumps({**_api_booking(), "x\x00": 1}), "bad_text"),
        "surrogate": (json.dumps(_api_booking(name="豊島\ud800")), "bad_text"),
        "deep-array": (DEEP, "too_deep"),
        "deep-object": (DEEP_OBJECT, "too_deep"),
    }


@pytest.mark.parametrize("kind", list(_api_bodies()))
def test_api_booking_refuses_bad_json_and_books_nothing(client, kind):
    session = make_session()
    body, code = _api_bodies()[kind]
    before = row_counts()
    response = client.post(
        f"/api/sessions/{session.pk}/bookings", body, content_type="application/json"
    )
    assert 400 <= response.status_code < 500
    assert response.json()["code"] == code
    assert response.json()["detail"] == str(error_messages[code])
    assert row_counts() == before


@pytest.mark.parametrize("kind", list(_api_bodies()))
def test_api_cancel_refuses_bad_json(client, kind):
    body, code = _api_bodies()[kind]
    if kind == "nul":
        body = json.dumps({"phone": "03\x00"})
    elif kind == "surrogate":
        body = json.dumps({"phone": "\ud800"})
    before = row_counts()
    response = client.post("/api/bookings/ACEFGH/cancel", body, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert response.json()["code"] == code
    assert row_counts() == before


def test_api_oversized_json_body_is_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = SMALL_LIMIT
    session = make_session()
    body = json.dumps(_api_booking(name="あ" * SMALL_LIMIT))
    response = client.post(
        f"/api/sessions/{session.pk}/bookings", body, content_type="application/json"
    )
    assert_refused(response, 413, "too_large", TOO_LARGE, as_json=True)
    assert not Registration.objects.exists()


def test_api_unknown_path_is_json_404(client):
    for path in ("/api/nope", "/api/nope/", "/api/sessions/1", "/api/sessions/x/bookings"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"code": "not_found", "detail": str(guard_messages["not_found"])}


def test_the_api_route_check_follows_the_url_configuration(client, settings):
    """The middleware keeps its answer per path; a new URL configuration starts afresh. An
    unknown API path is refused before the body is read, so a body over the limit tells
    which answer was used: 404 for a path it knows is gone, 413 had it kept the old one."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = SMALL_LIMIT
    body = json.dumps({"name": "x" * SMALL_LIMIT})
    url = "/api/sessions/1/bookings"
    assert client.post(url, body, content_type="application/json").status_code == 413
    settings.ROOT_URLCONF = types.ModuleType("urls_without_the_api")
    settings.ROOT_URLCONF.urlpatterns = []
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_api_wrong_method_is_json_405(client):
    for method, path in (
        ("get", "/api/sessions/1/bookings"),
        ("delete", "/api/sessions"),
        ("put", "/api/bookings/ACEFGH/cancel"),
    ):
        response = getattr(client, method)(path)
        assert response.status_code == 405, path
        assert response.json() == {
            "code": "method_not_allowed",
            "detail": str(guard_messages["method_not_allowed"]),
        }
        assert response["Allow"]


# --- The learning endpoints (xAPI statements and player state) -----------------------------


@pytest.fixture
def activity():
    pkg = package("true-false-hello-world.h5p", title="正誤問題")
    page = lesson(course("c-guard", pass_mark=80), "l-guard", [h5p_block(pkg)])
    return page, pkg


def _learning_bodies(pkg) -> dict[str, tuple[str, str]]:
    nul = statement(pkg, "answered", raw=1, max=1, success=True)
    nul["verb"]["display"]["en-US"] = "answered\x00"
    surrogate = statement(pkg, "answered", raw=1, max=1, success=True)
    surrogate["result"]["response"] = "\ud800"
    return {
        "nul": (json.dumps(nul), "bad_text"),
        "surrogate": (json.dumps(surrogate), "bad_text"),
        "deep-array": (DEEP, "too_deep"),
        "deep-object": (DEEP_OBJECT, "too_deep"),
    }


LEARNING_WRITES = (XapiStatement, Attempt, LessonProgress, ActivityState)


@pytest.mark.parametrize("kind", ["nul", "surrogate", "deep-array", "deep-object"])
@pytest.mark.parametrize("endpoint", ["xapi", "state"])
def test_learning_endpoints_refuse_bad_json_and_write_nothing(make_user, activity, endpoint, kind):
    page, pkg = activity
    learner = make_user(None)
    client = sign_in(Client(), learner)
    body, code = _learning_bodies(pkg)[kind]
    if endpoint == "state" and kind in ("nul", "surrogate"):
        body = json.dumps({"state": "{}\x00" if kind == "nul" else "{}\ud800"})
    url = (
        f"/learning/lessons/{page.pk}/xapi/"
        if endpoint == "xapi"
        else f"/learning/lessons/{page.pk}/state/{pkg.uuid}/"
    )
    before = {model: model.objects.count() for model in LEARNING_WRITES}
    response = client.post(
        url,
        body,
        content_type="application/json",
        HTTP_X_H5P_LAUNCH=player.make_launch(learner, page, pkg),
    )
    assert 400 <= response.status_code < 500
    assert response.json()["code"] == code
    assert response.json()["detail"] == str(error_messages[code])
    assert {model: model.objects.count() for model in LEARNING_WRITES} == before
