"""The site header and footer are rendered once per process and kind of visitor, then reused
(base/templatetags/chrome_tags.py): what differs between requests must still differ."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from wagtail.models import Site

from accounts.roles import Role
from base.models import SiteSettings
from base.templatetags import chrome_tags

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def empty_chrome():
    chrome_tags.clear()


def _header(html: str) -> str:
    return html[html.index('<header class="site-header">') : html.index("</header>")]


def _footer(html: str) -> str:
    return html[html.index('<footer class="site-footer">') : html.index("</footer>")]


def test_a_reused_header_and_footer_equal_a_fresh_rendering(client, settings):
    client.get("/accounts/login/")
    reused = client.get("/accounts/login/").content.decode()
    assert chrome_tags._rendered  # the second view came from the kept fragments
    settings.DEBUG = True  # rendered every time
    fresh = client.get("/accounts/login/").content.decode()
    for part in (_header, _footer):
        assert TOKEN.sub("", part(reused)) == TOKEN.sub("", part(fresh))
    tokens = TOKEN.findall(_header(reused))
    assert len(tokens) == 2 and tokens[0] == tokens[1]  # text size and language, as before


def test_every_response_gets_its_own_working_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.get("/")
    html = client.get("/").content.decode()
    token = TOKEN.search(_header(html)).group(1)
    assert chrome_tags.CSRF_MARKER not in html
    response = client.post("/text-size/", {"size": "large", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    other = Client(enforce_csrf_checks=True)
    other.get("/")
    other_token = TOKEN.search(_header(other.get("/").content.decode())).group(1)
    assert other_token != token
    refused = other.post("/text-size/", {"size": "large", "csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 403


def test_the_forms_return_to_the_page_they_are_on_escaped(client):
    client.get("/accounts/login/")
    first = client.get("/accounts/login/?a=1&b=<x>").content.decode()
    second = client.get("/").content.decode()
    assert 'name="next" value="/accounts/login/?a=1&amp;b=%3Cx%3E"' in first
    assert 'name="next" value="/"' in second
    assert chrome_tags.PATH_MARKER not in first + second


def test_a_settings_edit_shows_on_the_next_view(client):
    client.get("/")
    site_settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    site_settings.ward_name = "練馬区"
    site_settings.help_phone = "03-1234-5678"
    site_settings.save()
    html = client.get("/").content.decode()
    assert "練馬区" in _header(html) and "練馬区" in _footer(html)
    assert 'href="tel:0312345678"' in _header(html)


def test_the_menu_follows_the_visitor_language_and_text_size(client, make_user):
    assert "職員ログイン" in _header(client.get("/").content.decode())
    counter = make_user(Role.COUNTER, mfa=True)
    client.force_login(counter)
    html = _header(client.get("/").content.decode())
    assert "業務メニュー" in html and "ログアウト" in html and "職員ログイン" not in html
    staff = make_user(Role.STAFF, mfa=True)
    client.force_login(staff)
    html = _header(client.get("/").content.decode())
    assert "マイ学習" in html and "業務メニュー" not in html
    client.post("/text-size/", {"size": "xlarge"})
    html = _header(client.get("/").content.decode())
    assert re.search(r'value="xlarge"[^>]*aria-pressed="true"', html)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    assert '<html lang="en"' in english and "Log out" in _header(english)
    client.logout()
    assert "職員ログイン" in _header(Client().get("/").content.decode())
