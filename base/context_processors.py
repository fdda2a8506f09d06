from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.roles import STAFF_PAGE_ROLES, has_role
from base.text_size import TEXT_SIZES, current_text_size


def site_chrome(request: HttpRequest) -> dict:
    """Values the base layout needs on every page."""
    return {
        "text_size": current_text_size(request),
        "text_sizes": TEXT_SIZES,
        "TEXT_SIZE_COOKIE": settings.TEXT_SIZE_COOKIE,
        "user_has_staff_pages": SimpleLazyObject(lambda: has_role(request.user, *STAFF_PAGE_ROLES)),
    }
