from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.roles import STAFF_PAGE_ROLES, has_role


def staff_pages(request: HttpRequest) -> dict:
    """Whether the site header links to the staff pages (業務メニュー) for this person."""
    return {
        "user_has_staff_pages": SimpleLazyObject(lambda: has_role(request.user, *STAFF_PAGE_ROLES))
    }
