from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Staff accounts come from the roster import or an admin, never from open sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
