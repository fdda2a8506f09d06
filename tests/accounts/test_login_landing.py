"""After login each role lands on its work page, and MFA set-up right after a password login
does not ask for the password again (accounts.adapters.AccountAdapter)."""

from __future__ import annotations

import time

import pytest
from allauth.account import app_settings as allauth_account_settings
from django.core.cache import cache

from accounts.roles import Role
from tests.accounts.test_login_and_mfa import login, totp_code
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LANDING = {
    Role.STAFF: "/learning/my/",  # マイ学習
    Role.TRAINER: "/staff/classes/today/",  # 今日の教室
    Role.COUNTER: "/staff/classes/",  # 窓口メニュー
    Role.ADMIN: "/admin/",  # the Wagtail dashboard
}
ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def sign_in_with_code(client, user, path="/accounts/login/"):
    response = client.post(path, {"login": user.email, "password": TEST_PASSWORD})
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    return client.post("/accounts/2fa/authenticate/", {"code": totp_code(user.totp_secret)})


@pytest.mark.parametrize("role", list(LANDING))
def test_each_role_lands_on_its_work_page(client, make_user, role):
    response = sign_in_with_code(client, make_user(role, mfa=True))
    assert response.status_code == 302
    assert response["Location"] == LANDING[role]
    assert client.get(response["Location"]).status_code == 200


def test_an_admin_who_also_teaches_lands_on_the_admin(client, make_user):
    user = make_user(Role.ADMIN, mfa=True)
    user.groups.add(make_user(Role.TRAINER).groups.get())
    assert sign_in_with_code(client, user)["Location"] == "/admin/"


def test_a_resident_lands_on_the_home_page(client, make_user):
    response = login(client, make_user(None))
    assert response["Location"] == "/"


def test_a_safe_next_still_wins(client, make_user):
    user = make_user(Role.TRAINER, mfa=True)
    response = sign_in_with_code(client, user, "/accounts/login/?next=/learning/my/")
    assert response["Location"] == "/learning/my/"


def test_an_unsafe_next_is_ignored(client, make_user):
    user = make_user(Role.COUNTER, mfa=True)
    response = sign_in_with_code(client, user, "/accounts/login/?next=https://evil.example/")
    assert response["Location"] == LANDING[Role.COUNTER]


def test_mfa_set_up_right_after_login_does_not_ask_for_the_password_again(client, make_user):
    user = make_user(Role.TRAINER, mfa=False)
    login(client, user)
    response = client.get(ACTIVATE)
    assert response.status_code == 200, response.get("Location")
    secret = client.session["mfa.totp.secret"]
    response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_a_long_idle_session_is_still_asked_for_the_password(client, make_user):
    user = make_user(Role.TRAINER, mfa=False)
    login(client, user)
    session = client.session
    records = session["account_authentication_methods"]
    idle = time.time() - allauth_account_settings.REAUTHENTICATION_TIMEOUT - 60
    session["account_authentication_methods"] = [{**r, "at": idle} for r in records]
    session.save()
    response = client.get(ACTIVATE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
