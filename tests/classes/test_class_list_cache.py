"""The public class list's cache (classes.listing_cache, SessionListView): fast, never wrong.

A seat change retires every cached list through the version the services bump after commit,
so these tests run the on-commit callbacks (``django_capture_on_commit_callbacks``); a control
test shows that without the bump the cached page would indeed be served.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from classes import listing_cache
from classes.models import ClassSeries
from classes.services import allocate_seat, cancel_registration, change_capacity
from classes.views import CSRF_PLACEHOLDER, SessionListView
from tests.classes.factories import booking, make_series, make_session, make_venue

pytestmark = pytest.mark.django_db

URL = "/classes/"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def _card(html: str, session_pk: int) -> str:
    for chunk in html.split('<li class="class-card">')[1:]:
        if f"/classes/{session_pk}/book/" in chunk:
            return chunk.split("</li>", 1)[0]
    raise AssertionError(f"no card for session {session_pk}")


def _queries(client: Client, url: str = URL, **extra) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def _classes(n: int) -> list:
    """``n`` per-session classes at two venues and one whole-series class of three dates."""
    venues = [make_venue(), make_venue("区民ひろば池袋", area="池袋")]
    sessions = [
        make_session(make_series(title=f"教室{i}"), days=2 + i, venue=venues[i % 2])
        for i in range(n)
    ]
    whole = make_series(title="全3回の教室", booking_mode=ClassSeries.BookingMode.WHOLE_SERIES)
    for k in range(3):
        make_session(whole, days=3 + 7 * k, venue=venues[k % 2])
    return sessions


# --- Queries ----------------------------------------------------------------------------------


def test_the_cached_list_runs_no_query(client):
    _classes(3)
    client.get(URL)  # fills the cache
    queries, html = _queries(client)
    assert queries == 0
    assert "教室2" in html


@pytest.mark.parametrize("query", ["", "?area=池袋", "?level=first&page=1"])
def test_a_first_visit_runs_as_many_queries_for_2_classes_as_for_12(client, query):
    _classes(2)
    few, _html = _queries(client, URL + query)
    cache.clear()
    _classes(12)
    many, html = _queries(client, URL + query)
    assert few == many <= 7
    assert 'class="class-card"' in html


def test_unknown_parameters_and_invalid_input_are_not_cached(client):
    _classes(2)
    client.get(URL)  # the site settings are cached by any first view (base.site_cache)
    for url in (URL + "?utm_source=kouhou", URL + "?date_from=not-a-date", URL + "?page=x1"):
        first, _html = _queries(client, url)
        again, _html = _queries(client, url)
        assert again == first > 0


# --- Never stale after a seat change -------------------------------------------------------


def test_booking_the_last_seat_shows_the_class_full_at_once(
    client, django_capture_on_commit_callbacks
):
    # Needs allocate_seat to call invalidate_class_lists (issue 12, part C).
    session = make_session(capacity=1)
    assert "seats--full" not in _card(client.get(URL).content.decode(), session.pk)
    with django_capture_on_commit_callbacks(execute=True):
        allocate_seat(session, booking(1), channel="web")
    card = _card(client.get(URL).content.decode(), session.pk)
    assert "seats--full" in card
    assert "キャンセル待ちで申し込む" in card


def test_without_the_version_bump_the_cached_page_would_be_stale(client):
    """Control: on-commit callbacks not run, so the cached page (wrongly) stays."""
    session = make_session(capacity=1)
    client.get(URL)
    allocate_seat(session, booking(1), channel="web")
    assert "seats--full" not in _card(client.get(URL).content.decode(), session.pk)


def test_a_cancellation_and_a_larger_capacity_show_at_once(
    client, django_capture_on_commit_callbacks
):
    session = make_session(capacity=2)
    with django_capture_on_commit_callbacks(execute=True):
        first = allocate_seat(session, booking(1), channel="web")
        allocate_seat(session, booking(2), channel="web")
    assert "seats--full" in _card(client.get(URL).content.decode(), session.pk)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_registration(first)
    assert "残り 1 席" in _card(client.get(URL).content.decode(), session.pk)
    with django_capture_on_commit_callbacks(execute=True):
        change_capacity(session, 5)
    assert "残り 4 席" in _card(client.get(URL).content.decode(), session.pk)


def test_an_admin_edit_of_a_class_shows_at_once(client, django_capture_on_commit_callbacks):
    session = make_session(make_series(title="旧い名前"))
    client.get(URL)
    with django_capture_on_commit_callbacks(execute=True):
        session.series.title = "新しい名前"
        session.series.save()
    assert "新しい名前" in client.get(URL).content.decode()


def test_the_list_is_kept_no_longer_than_until_its_first_class_starts(rf: RequestFactory):
    make_session(starts_at=timezone.now() + timedelta(seconds=12))
    view = SessionListView()
    view.setup(rf.get(URL))
    (_html, deadline), seconds = view.render_content()
    assert 0 < seconds <= 12
    assert seconds < listing_cache.FRAGMENT_SECONDS


# --- What differs per visitor -----------------------------------------------------------------


def test_each_visitor_gets_their_own_working_csrf_token():
    make_session()
    tokens = []
    for _n in range(2):
        visitor = Client(enforce_csrf_checks=True)
        html = visitor.get(URL).content.decode()
        assert CSRF_PLACEHOLDER not in html
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        tokens.append(token)
        response = visitor.post(
            reverse("text_size"), {"size": "large", "next": URL, "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 302
        assert "text-size-large" in visitor.get(URL).content.decode()
    assert tokens[0] != tokens[1]


def test_the_page_is_private_and_varies_by_cookie_and_language(client):
    make_session()
    client.get(URL)
    response = client.get(URL)
    assert "private" in response["Cache-Control"]
    assert "no-cache" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    vary = response["Vary"]
    assert "Cookie" in vary and "Accept-Language" in vary


def test_language_and_text_size_each_get_their_own_page(client):
    make_session()
    assert 'lang="en"' in client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="ja"' in client.get(URL, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    client.cookies["text_size"] = "xlarge"
    assert "text-size-xlarge" in client.get(URL, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    del client.cookies["text_size"]
    assert "text-size-standard" in client.get(URL, HTTP_ACCEPT_LANGUAGE="ja").content.decode()


def test_a_waiting_message_and_a_signed_in_header_are_never_taken_from_the_cache(client, make_user):
    make_session()
    client.get(URL)  # the anonymous page is cached
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies[storage.cookie_name] = storage._encode([Message(constants.INFO, "お知らせです")])
    assert "お知らせです" in client.get(URL).content.decode()
    staff = Client()
    staff.force_login(make_user())
    html = staff.get(URL).content.decode()
    assert reverse("account_logout") in html
    assert reverse("account_logout") not in client.get(URL).content.decode()


def test_a_lost_version_never_brings_back_an_older_page(client):
    """After a restart or an eviction of the version, it starts above every stored one."""
    session = make_session(capacity=1)
    client.get(URL)
    allocate_seat(session, booking(1), channel="web")  # on-commit not run: no bump
    cache.delete(listing_cache.VERSION_KEY)
    assert "seats--full" in _card(client.get(URL).content.decode(), session.pk)
