"""The site settings every page shows come from the shared cache (base.site_cache), and a
change made in the admin, in code or to a Site shows on the next request."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, Site

from accounts.roles import Role
from base import site_cache
from base.models import SiteSettings
from courses.choices import Audience
from tests.learning.lesson_support import course, h5p_block, lesson, package

pytestmark = pytest.mark.django_db

SETTINGS_TABLES = ("wagtailcore_site", "base_sitesettings")


def _settings_queries(client, path: str = "/accounts/login/") -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return [
        q["sql"] for q in captured.captured_queries if any(t in q["sql"] for t in SETTINGS_TABLES)
    ]


def _default_settings() -> SiteSettings:
    return SiteSettings.for_site(Site.objects.get(is_default_site=True))


def test_a_warm_page_reads_neither_the_site_nor_the_settings(client):
    first = _settings_queries(client)
    assert len(first) == 2, first  # the default site, then the settings row: once, then cached
    assert _settings_queries(client) == []
    # Wagtail's page routing finds the request's site itself (one query); the settings are cached.
    assert not [q for q in _settings_queries(client, "/") if "base_sitesettings" in q]


def test_the_warm_page_saves_two_queries(client):
    client.get("/accounts/login/")
    with CaptureQueriesContext(connection) as warm:
        client.get("/accounts/login/")
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        client.get("/accounts/login/")
    assert len(cold) - len(warm) == 2


def test_a_settings_save_shows_on_the_next_request(client):
    client.get("/")  # cache the defaults
    current = _default_settings()
    current.help_phone = "03-4566-0000"
    current.save()
    assert 'href="tel:0345660000"' in client.get("/").content.decode()
    current.ward_name = "練馬区"
    current.save()
    assert "練馬区" in client.get("/accounts/login/").content.decode()


def test_deleting_the_settings_shows_the_defaults_again(client):
    current = _default_settings()
    current.help_phone = "03-4566-0000"
    current.save()
    assert 'href="tel:0345660000"' in client.get("/").content.decode()
    current.delete()
    assert 'href="tel:0339811111"' in client.get("/").content.decode()


def test_an_edit_in_the_wagtail_admin_shows_on_the_next_request(client, make_user):
    assert "豊島区" in client.get("/").content.decode()  # cached
    client.force_login(make_user(Role.ADMIN, mfa=True))
    site = Site.objects.get(is_default_site=True)
    response = client.post(
        f"/admin/settings/base/sitesettings/{site.pk}/",
        {
            "ward_name": "板橋区",
            "service_name": "ICT学習",
            "help_desk": "板橋区 ICT推進担当",
            "help_phone": "03-3579-2222",
            "help_hours": "平日 9:00〜17:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    html = client.get("/").content.decode()
    assert 'href="tel:0335792222"' in html
    assert "板橋区" in html


def test_the_change_retires_the_entry_again_after_commit(django_capture_on_commit_callbacks):
    """A request reading between the save and its commit stores the old row under the version
    of the first bump; the after-commit bump must retire it."""
    site_cache.default_site_settings()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        current = _default_settings()
        current.help_phone = "03-4566-0000"
        current.save()
        cache.set(site_cache.SETTINGS_KEY, (cache.get(site_cache.VERSION_KEY), _stale()), 60)
        assert site_cache.default_site_settings().help_phone == "03-0000-0000"  # the race
    for callback in callbacks:
        callback()
    assert site_cache.default_site_settings().help_phone == "03-4566-0000"


def _stale() -> SiteSettings:
    return SiteSettings(help_phone="03-0000-0000")


def test_a_new_default_site_is_followed(client):
    client.get("/")
    old = Site.objects.get(is_default_site=True)
    SiteSettings.objects.update_or_create(site=old, defaults={"ward_name": "旧区"})
    assert "旧区" in client.get("/").content.decode()
    new = Site.objects.create(
        hostname="other.example", root_page=Page.objects.get(depth=2), is_default_site=False
    )
    SiteSettings.objects.create(site=new, ward_name="新区")
    old.is_default_site = False
    old.save()
    new.is_default_site = True
    new.save()
    assert "新区" in client.get("/").content.decode()
    assert site_cache.default_site_settings().ward_name == "新区"


def test_nothing_about_the_visitor_is_cached(client, make_user):
    client.force_login(make_user(Role.ADMIN, mfa=True))
    client.get("/")
    entry = cache.get(site_cache.SETTINGS_KEY)
    assert isinstance(entry[1], SiteSettings)
    for key in ("ward_name", "service_name", "help_phone", "help_hours", "help_desk"):
        assert hasattr(entry[1], key)


def test_a_staff_lesson_page_reads_seven_queries(client, make_user, settings, tmp_path):
    """Issue 12: the lesson page (2 H5P blocks) read 9 queries, two of them the settings."""
    settings.MEDIA_ROOT = tmp_path / "media"
    user = make_user(Role.STAFF)
    client.force_login(user)
    pkg = package()
    page = lesson(course(audience=Audience.STAFF), "l", [h5p_block(pkg), h5p_block(pkg)])
    client.get(page.url)
    client.get(page.url)  # the second view is routed from the route cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page.url)
    assert response.status_code == 200
    sqls = [q["sql"] for q in captured.captured_queries]
    assert not [q for q in sqls if any(t in q for t in SETTINGS_TABLES)], sqls
    assert len(sqls) <= 7, sqls
