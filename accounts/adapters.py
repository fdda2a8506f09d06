from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest
from django.urls import reverse

from accounts import mfa_secrets
from accounts.roles import Role, roles_of

# Where each role starts its work after login, the first role held in this order winning.
# A safe ``next`` parameter still wins (allauth asks the adapter only without one).
LANDING_PAGES: tuple[tuple[Role, str], ...] = (
    (Role.ADMIN, "wagtailadmin_home"),  # the admin dashboard
    (Role.COUNTER, "classes_staff:dashboard"),  # 窓口メニュー
    (Role.TRAINER, "classes_staff:today"),  # 今日の教室
    (Role.STAFF, "learning:my_learning"),  # マイ学習
)


def landing_url(user) -> str | None:
    """The work page of the user's role, or None for residents."""
    roles = roles_of(user)
    for role, url_name in LANDING_PAGES:
        if role in roles:
            return reverse(url_name)
    return None


class AccountAdapter(DefaultAccountAdapter):
    """Staff accounts come from the roster import or an admin, never from open sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return landing_url(request.user) or super().get_login_redirect_url(request)

    def login(self, request: HttpRequest, user) -> None:
        """Log in, and count a password just given as a fresh re-authentication.

        allauth asks for the password again before a second factor is added unless one was
        given within ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` (5 minutes); the login's own password
        counts, so MFA set-up right after login does not ask twice, while a session idle for
        longer is asked as before. Single sign-on records no password and is not marked.
        """
        super().login(request, user)
        records = get_authentication_records(request, user)
        if records and records[0].get("method") == "password":
            record_authentication(request, user, method="password", reauthenticated=True)


class MFAAdapter(DefaultMFAAdapter):
    """Second-factor secrets are stored encrypted (``accounts.mfa_secrets``)."""

    def encrypt(self, text: str) -> str:
        return mfa_secrets.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return mfa_secrets.decrypt(encrypted_text)
