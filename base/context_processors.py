from django.conf import settings
from django.http import HttpRequest

from base.text_size import TEXT_SIZES, current_text_size


def site_chrome(request: HttpRequest) -> dict:
    """Values the base layout needs on every page (the staff link: accounts.context_processors)."""
    return {
        "text_size": current_text_size(request),
        "text_sizes": TEXT_SIZES,
        "TEXT_SIZE_COOKIE": settings.TEXT_SIZE_COOKIE,
    }
