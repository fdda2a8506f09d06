"""Conditional GET of the open-data files: ETag and Last-Modified give a 304 while unchanged."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from analytics import open_data

pytestmark = pytest.mark.django_db

URL = "/open-data/classes-by-venue.csv"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_file_carries_a_strong_etag_and_is_public():
    response = Client().get(URL)
    assert response.status_code == 200
    assert response["ETag"].startswith('"') and not response["ETag"].startswith("W/")
    assert response["Cache-Control"] == f"public, max-age={open_data.CACHE_SECONDS}"
    assert response["Last-Modified"]


def test_the_same_etag_or_date_gets_an_empty_304():
    first = Client().get(URL)
    for headers in (
        {"HTTP_IF_NONE_MATCH": first["ETag"]},
        {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]},
    ):
        again = Client().get(URL, **headers)
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == first["ETag"]
        assert "public" in again["Cache-Control"]


def test_changed_bytes_get_a_new_etag_and_the_whole_file():
    first = Client().get(URL)
    other = Client().get("/open-data/reach-by-town.csv")
    assert other["ETag"] != first["ETag"]
    response = Client().get(URL, HTTP_IF_NONE_MATCH='"something-older"')
    assert response.status_code == 200
    assert response.content == first.content
