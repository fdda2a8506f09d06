"""Text size preference (標準・大・特大), kept in a cookie so it works without JavaScript."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

TEXT_SIZES = [
    ("standard", _("標準")),
    ("large", _("大")),
    ("xlarge", _("特大")),
]
DEFAULT_TEXT_SIZE = "standard"
_VALID = {key for key, _label in TEXT_SIZES}


def current_text_size(request: HttpRequest) -> str:
    value = request.COOKIES.get(settings.TEXT_SIZE_COOKIE, DEFAULT_TEXT_SIZE)
    return value if value in _VALID else DEFAULT_TEXT_SIZE


def is_valid_text_size(value: str) -> bool:
    return value in _VALID
