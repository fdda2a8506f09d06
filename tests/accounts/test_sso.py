"""Staff sign in with the ward's directory: a real OpenID Connect round trip against a small
provider started by the test (tests/accounts/oidc_provider.py), through allauth."""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.middleware import SSO_SECOND_FACTOR_SESSION_KEY
from accounts.models import User
from accounts.roles import Role
from accounts.sso import roster_user
from base.models import AuditEntry
from tests.accounts.oidc_provider import OIDCProvider

pytestmark = pytest.mark.django_db

CLIENT_ID, CLIENT_SECRET = "toshima-ict", "client-secret-for-tests"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def provider(settings):
    with OIDCProvider(CLIENT_ID, CLIENT_SECRET) as idp:
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": "ward",
                        "name": "庁内ディレクトリ",
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {"server_url": idp.issuer},
                    }
                ],
            }
        }
        yield idp


def sign_in(client, provider: OIDCProvider, claims: dict):
    """Click 庁内ディレクトリでログイン, pass the provider, come back: the final response."""
    provider.person = claims
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "ward"}))
    assert start.status_code == 302 and start["Location"].startswith(provider.issuer)
    query = dict(p.split("=", 1) for p in urlsplit(start["Location"]).query.split("&"))
    assert query.get("code_challenge_method") == "S256"  # PKCE
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(start["Location"])
        raise AssertionError("the provider did not redirect back")
    except urllib.error.HTTPError as back:
        location = back.headers["Location"]
    parts = urlsplit(location)
    assert parts.path == reverse("openid_connect_callback", kwargs={"provider_id": "ward"})
    return client.get(f"{parts.path}?{parts.query}")


def test_a_roster_member_signs_in_by_employee_number_without_a_local_second_factor(
    client, provider, make_user
):
    staff = make_user(Role.STAFF, mfa=False, employee_number="T012345")
    answer = sign_in(
        client,
        provider,
        {"sub": "idp-1", "employee_number": "T012345", "email": "other@city.example"},
    )

    # Straight to 職員's work page (accounts.adapters.LANDING_PAGES).
    assert answer.status_code == 302 and answer["Location"] == reverse("learning:my_learning")
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert client.session[SSO_SECOND_FACTOR_SESSION_KEY] is True
    # 職員 must have a second factor (MFA_REQUIRED_ROLES), but the directory's stands for it:
    # マイ学習 opens instead of the authenticator set-up.
    assert client.get(reverse("learning:my_learning")).status_code == 200
    assert provider.token_requests[0]["code_verifier"]
    assert SocialAccount.objects.get(user=staff).uid == "idp-1"
    assert AuditEntry.objects.filter(action="accounts.sso.linked", object_id=str(staff.pk)).exists()

    # The second time the link is used as it is.
    client.logout()
    sign_in(client, provider, {"sub": "idp-1"})
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert SocialAccount.objects.filter(user=staff).count() == 1


def test_without_an_employee_number_the_verified_email_matches(client, provider, make_user):
    staff = make_user(Role.TRAINER, mfa=False, email="Hanako.Toshima@example.jp")
    sign_in(
        client,
        provider,
        {"sub": "idp-2", "email": "hanako.toshima@example.jp", "email_verified": True},
    )
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_someone_not_in_the_roster_is_refused_and_nothing_is_created(client, provider, make_user):
    make_user(Role.STAFF, employee_number="T000001", email="known@example.jp")
    users_before = User.objects.count()

    answer = sign_in(
        client,
        provider,
        {"sub": "stranger", "employee_number": "T999999", "email": "stranger@example.jp"},
    )

    assert answer.status_code == 302 and answer["Location"] == reverse("account_login")
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users_before
    assert not SocialAccount.objects.exists()
    assert AuditEntry.objects.filter(action="accounts.sso.refused").count() == 1
    page = client.get(answer["Location"])
    assert "職員名簿に登録がありません" in page.content.decode()


def test_an_unverified_email_or_a_deactivated_member_identifies_nobody(make_user):
    make_user(Role.STAFF, email="a@example.jp")
    make_user(Role.STAFF, email="gone@example.jp", employee_number="T7", is_active=False)
    assert roster_user({"email": "a@example.jp", "email_verified": False}) is None
    assert roster_user({"employee_number": "T7"}) is None
    assert roster_user({"email": "gone@example.jp"}) is None
    assert roster_user({"email": "a@example.jp"}).email == "a@example.jp"


def test_the_login_page_offers_the_directory_only_when_it_is_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    assert "sso-login" not in client.get(reverse("account_login")).content.decode()
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "ward",
                    "name": "庁内ディレクトリ",
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {"server_url": "http://127.0.0.1:9"},
                }
            ]
        }
    }
    page = client.get(reverse("account_login")).content.decode()
    assert "庁内ディレクトリでログイン" in page
    assert reverse("openid_connect_login", kwargs={"provider_id": "ward"}) in page
