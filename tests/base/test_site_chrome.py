"""The layout every page shares: help phone, text size, language."""

import pytest
from wagtail.models import Site

from base.models import SiteSettings


@pytest.mark.django_db
def test_home_page_is_japanese_and_shows_the_help_phone(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja"' in html
    assert 'href="tel:0339811111"' in html
    assert 'href="#main"' in html  # skip link
    assert "区民の方" in html


@pytest.mark.django_db
def test_help_phone_comes_from_site_settings(client):
    site_settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    site_settings.help_phone = "03-4566-0000"
    site_settings.save()
    for path in ("/", "/accounts/login/"):
        html = client.get(path).content.decode()
        assert 'href="tel:0345660000"' in html, path


@pytest.mark.django_db
def test_text_size_is_kept_in_a_cookie(client):
    response = client.post("/text-size/", {"size": "xlarge", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies["text_size"].value == "xlarge"
    html = client.get("/").content.decode()
    assert 'class="text-size-xlarge"' in html


@pytest.mark.django_db
def test_unknown_text_size_changes_nothing_and_says_why(client):
    client.post("/text-size/", {"size": "large"})
    response = client.post("/text-size/", {"size": "huge"}, follow=True)
    assert 'class="text-size-large"' in response.content.decode()
    assert "文字の大きさは「標準」「大」「特大」から選んでください。" in response.content.decode()


@pytest.mark.django_db
def test_text_size_does_not_redirect_off_site(client):
    response = client.post("/text-size/", {"size": "large", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_forged_cookie_value_falls_back_to_standard(client):
    client.cookies["text_size"] = '"><script>'
    html = client.get("/").content.decode()
    assert 'class="text-size-standard"' in html


@pytest.mark.django_db
def test_language_switch_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en"' in html
    assert "Skip to main content" in html
