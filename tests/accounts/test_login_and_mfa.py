"""Login through allauth, and the MFA rule for every role (職員 included by default)."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache

from accounts.middleware import SSO_SECOND_FACTOR_SESSION_KEY
from accounts.roles import Role
from tests.config.test_settings import run_python
from tests.conftest import TEST_PASSWORD

STAFF_PAGE = "/staff/"
MFA_ROLES = [Role.STAFF, Role.TRAINER, Role.COUNTER, Role.ADMIN]


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    # allauth keeps rate-limit counters and used TOTP codes in the cache.
    cache.clear()
    yield
    cache.clear()


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def login(client, user, password=TEST_PASSWORD):
    return client.post("/accounts/login/", {"login": user.email, "password": password})


@pytest.mark.django_db
@pytest.mark.parametrize("role", MFA_ROLES)
def test_role_without_mfa_is_sent_to_set_it_up_and_cannot_see_staff_pages(client, make_user, role):
    user = make_user(role, mfa=False)
    response = login(client, user)
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)

    for path in (STAFF_PAGE, "/admin/", "/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/2fa/"

    page = client.get("/accounts/2fa/", follow=True)
    assert page.status_code == 200
    assert "二段階認証が必要です" in page.content.decode()


@pytest.mark.django_db
def test_trainer_sets_up_totp_and_then_reaches_staff_pages(client, make_user):
    user = make_user(Role.TRAINER, mfa=False)
    login(client, user)
    assert client.get(STAFF_PAGE).status_code == 302

    # The password was just given at login, so allauth does not ask for it again
    # (tests/accounts/test_login_landing.py: a long-idle session is still asked).
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200

    secret = client.session["mfa.totp.secret"]
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(STAFF_PAGE).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", MFA_ROLES)
def test_role_with_mfa_logs_in_with_a_code_and_reaches_its_pages(client, make_user, role):
    user = make_user(role, mfa=True)
    response = login(client, user)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    # Password alone is not enough.
    assert "_auth_user_id" not in client.session
    assert client.get(STAFF_PAGE).status_code == 302

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(user.totp_secret)})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)
    assert client.get("/").status_code == 200
    assert client.get(STAFF_PAGE).status_code == (403 if role == Role.STAFF else 200)
    admin_status = client.get("/admin/").status_code
    assert admin_status == (200 if role == Role.ADMIN else 403)


@pytest.mark.django_db
def test_wrong_totp_code_does_not_log_in(client, make_user):
    user = make_user(Role.TRAINER, mfa=True)
    login(client, user)
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_residents_log_in_without_mfa_but_see_no_staff_pages(client, make_user):
    user = make_user(None)
    response = login(client, user)
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)
    assert client.get("/").status_code == 200
    assert client.get(STAFF_PAGE).status_code == 403


@pytest.mark.django_db
def test_mfa_required_roles_is_a_setting(client, make_user, settings):
    settings.MFA_REQUIRED_ROLES = ["trainer", "counter", "admin"]
    user = make_user(Role.STAFF, mfa=False)
    login(client, user)
    assert client.session.get("_auth_user_id") == str(user.pk)
    assert client.get("/").status_code == 200
    assert client.get(STAFF_PAGE).status_code == 403


def test_every_role_needs_a_second_factor_by_default():
    """The default when MFA_REQUIRED_ROLES is not in the environment (config/settings.py)."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(','.join(sorted(settings.MFA_REQUIRED_ROLES)))"
    )
    result = run_python(code, {"DEBUG": "0", "SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [",".join(sorted(str(role) for role in Role))]


@pytest.mark.django_db
def test_a_sign_in_whose_second_factor_was_the_identity_providers_is_not_held_up(client, make_user):
    user = make_user(Role.STAFF, mfa=False)
    client.force_login(user)
    assert client.get("/")["Location"] == "/accounts/2fa/"

    session = client.session
    session[SSO_SECOND_FACTOR_SESSION_KEY] = True
    session.save()
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_wrong_password_is_refused(client, make_user):
    user = make_user(Role.STAFF)
    response = login(client, user, password="wrong-password-1")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_failed_logins_are_rate_limited(client, make_user):
    user = make_user(Role.STAFF)
    for _ in range(5):
        assert login(client, user, password="wrong-password-1").status_code == 200
    # Even the right password is refused while the account is throttled.
    response = login(client, user)
    assert "_auth_user_id" not in client.session
    assert "ログイン失敗が連続しています" in response.content.decode()


@pytest.mark.django_db
def test_there_is_no_open_signup(client):
    client.post(
        "/accounts/signup/",
        {
            "email": "new@example.jp",
            "password1": "a-long-pass-2026",
            "password2": "a-long-pass-2026",
        },
    )
    assert not get_user_model().objects.filter(email="new@example.jp").exists()
    assert "_auth_user_id" not in client.session
    page = client.get("/accounts/signup/")
    assert "account/signup_closed.html" in [t.name for t in page.templates]


@pytest.mark.django_db
def test_wagtail_login_form_is_replaced_by_allauth(client):
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/pages/"
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_password_reset_sends_a_mail_through_allauth(client, make_user):
    user = make_user(Role.STAFF)
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.django_db
def test_inactive_user_cannot_log_in(client, make_user):
    user = make_user(Role.STAFF)
    user.is_active = False
    user.save()
    login(client, user)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, Role.STAFF, Role.TRAINER, Role.COUNTER])
def test_signed_in_people_without_admin_access_get_403_not_a_login_loop(client, make_user, role):
    client.force_login(make_user(role, mfa=role in MFA_ROLES))
    response = client.get("/admin/pages/")
    assert response.status_code == 403
    # allauth's login page would send them straight back to ?next=/admin/...
    assert "next" not in response.get("Location", "")


@pytest.mark.django_db
def test_wagtail_private_page_login_goes_through_allauth(client, make_user):
    response = client.get("/_util/login/?next=/private/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/private/"
    # Its password-only form cannot be used to sign in around MFA.
    user = make_user(Role.ADMIN, mfa=True)
    client.post("/_util/login/", {"username": user.email, "password": TEST_PASSWORD})
    assert "_auth_user_id" not in client.session
