"""config.env.parse_origin: origins are compared with what browsers send, so normalise them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import parse_origin


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://H5P.Example.JP/", "https://h5p.example.jp"),
        ("https://h5p.example.jp:443", "https://h5p.example.jp"),
        ("http://localhost:80", "http://localhost"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("https://h5p.example.jp:8443", "https://h5p.example.jp:8443"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("  ", ""),
    ],
)
def test_origins_are_written_as_browsers_send_them(raw, expected):
    assert parse_origin("H5P_CONTENT_ORIGIN", raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["h5p.example.jp", "ftp://h5p.example.jp", "https://h5p.example.jp/path", "https://x:99999"],
)
def test_anything_but_an_origin_is_refused_with_the_variable_named(raw):
    with pytest.raises(ImproperlyConfigured, match="H5P_CONTENT_ORIGIN"):
        parse_origin("H5P_CONTENT_ORIGIN", raw)
