"""Staff sign in with the ward's directory over SAML 2.0: real signed assertions from a small
identity provider made by the test (tests/accounts/saml_idp.py), through allauth's SAML
provider and python3-saml's checks, configured the way production is (from the environment).
"""

from __future__ import annotations

import runpy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.conf import settings as django_settings
from django.urls import reverse

from accounts.middleware import SSO_SECOND_FACTOR_SESSION_KEY
from accounts.models import User
from accounts.roles import Role
from base.models import AuditEntry
from tests.accounts.saml_idp import SAMLIdentityProvider, make_key_and_certificate

pytestmark = pytest.mark.django_db

SETTINGS_FILE = Path(django_settings.BASE_DIR) / "config" / "settings.py"
EMPLOYEE_NUMBER = "urn:oid:2.16.840.1.113730.3.1.3"
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"


def settings_from_environment(monkeypatch, **env: str) -> dict:
    """config/settings.py evaluated afresh with these variables set (what a deploy gets)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


HOST = "ict.city.toshima.example"
SP = f"http://{HOST}/accounts/saml/ward"


@pytest.fixture
def client(client, settings):
    # Browsers always send Host, which python3-saml compares with the response's Destination
    # (and a host name with a dot: it refuses single-label ones such as "testserver").
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    client.defaults["HTTP_HOST"] = HOST
    return client


@pytest.fixture
def idp(settings, monkeypatch):
    provider = SAMLIdentityProvider()
    configured = settings_from_environment(
        monkeypatch,
        SSO_SAML_IDP_ENTITY_ID=provider.entity_id,
        SSO_SAML_IDP_SSO_URL=provider.sso_url,
        SSO_SAML_IDP_X509CERT=provider.certificate_pem,
    )
    settings.SOCIALACCOUNT_PROVIDERS = configured["SOCIALACCOUNT_PROVIDERS"]
    return provider


def start(client, idp: SAMLIdentityProvider):
    """Click 庁内ディレクトリでログイン: the AuthnRequest the browser is sent to the IdP with."""
    answer = client.post(reverse("saml_login", kwargs={"organization_slug": "ward"}))
    assert answer.status_code == 302 and answer["Location"].startswith(idp.sso_url + "?")
    request, relay_state = idp.read_request(answer["Location"])
    return request, relay_state


def post_to_acs(client, acs_url: str, response_xml: bytes, relay_state: str | None = None):
    """The browser posts the IdP's answer to our ACS and follows to the finishing step."""
    data = {"SAMLResponse": SAMLIdentityProvider.encode(response_xml)}
    if relay_state:
        data["RelayState"] = relay_state
    # The IdP's page posts cross-site: no CSRF token, which the ACS does not need.
    acs = client.post(urlsplit(acs_url).path, data)
    assert acs.status_code == 302
    return client.get(acs["Location"])


def sign_in(client, idp: SAMLIdentityProvider, **response_options):
    request, relay_state = start(client, idp)
    return post_to_acs(
        client, request.acs_url, idp.response_xml(request, **response_options), relay_state
    )


def signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def test_a_roster_member_signs_in_by_employee_number_without_a_local_second_factor(
    client, idp, make_user
):
    staff = make_user(Role.STAFF, mfa=False, employee_number="T012345")
    idp.name_id = "idp-staff-1"
    idp.attributes = {EMPLOYEE_NUMBER: ["T012345"], MAIL: ["someone.else@city.example"]}

    request, relay_state = start(client, idp)
    # What we asked for: our ACS, our entity ID (the metadata URL by default).
    assert request.acs_url == f"{SP}/acs/"
    assert request.issuer == f"{SP}/metadata/"
    answer = post_to_acs(client, request.acs_url, idp.response_xml(request), relay_state)

    assert answer.status_code == 302
    assert signed_in_user_id(client) == str(staff.pk)
    assert client.session[SSO_SECOND_FACTOR_SESSION_KEY] is True
    # 職員 must have a second factor, but the directory's stands for it.
    assert client.get(reverse("learning:my_learning")).status_code == 200
    account = SocialAccount.objects.get(user=staff)
    assert (account.provider, account.uid) == ("saml", "idp-staff-1")
    assert AuditEntry.objects.filter(action="accounts.sso.linked", object_id=str(staff.pk)).exists()

    # The next time the link (the NameID) is used as it is, whatever the attributes say.
    client.logout()
    idp.attributes = {MAIL: ["renamed@city.example"]}
    sign_in(client, idp)
    assert signed_in_user_id(client) == str(staff.pk)
    assert SocialAccount.objects.filter(user=staff).count() == 1


def test_without_an_employee_number_the_directory_email_matches(client, idp, make_user):
    trainer = make_user(Role.TRAINER, mfa=False, email="Hanako.Toshima@example.jp")
    idp.name_id = "idp-trainer"
    idp.attributes = {MAIL: ["hanako.toshima@example.jp"]}
    sign_in(client, idp)
    assert signed_in_user_id(client) == str(trainer.pk)


def test_someone_not_in_the_roster_is_refused_and_nothing_is_created(client, idp, make_user):
    make_user(Role.STAFF, employee_number="T000001", email="known@example.jp")
    users_before = User.objects.count()
    idp.name_id = "stranger"
    idp.attributes = {EMPLOYEE_NUMBER: ["T999999"], MAIL: ["stranger@example.jp"]}

    answer = sign_in(client, idp)

    assert answer.status_code == 302 and answer["Location"] == reverse("account_login")
    assert signed_in_user_id(client) is None
    assert User.objects.count() == users_before
    assert not SocialAccount.objects.exists()
    assert AuditEntry.objects.filter(action="accounts.sso.refused").count() == 1
    assert "職員名簿に登録がありません" in client.get(answer["Location"]).content.decode()


@pytest.mark.parametrize(
    "forgery",
    ["unsigned", "signed by another key", "tampered after signing", "for another audience"],
)
def test_a_forged_or_misdirected_assertion_signs_nobody_in(client, idp, make_user, forgery):
    staff = make_user(Role.ADMIN, mfa=False, employee_number="T000042")
    idp.name_id = "idp-admin"
    idp.attributes = {EMPLOYEE_NUMBER: ["T000042"]}
    request, relay_state = start(client, idp)
    if forgery == "unsigned":
        xml = idp.response_xml(request, sign=False)
    elif forgery == "signed by another key":
        key, certificate = make_key_and_certificate("attacker.example")
        xml = idp.response_xml(request, signing_key_pem=key, signing_certificate_pem=certificate)
    elif forgery == "tampered after signing":
        idp.attributes = {EMPLOYEE_NUMBER: ["T000001"]}
        xml = idp.response_xml(request).replace(b"T000001", b"T000042")
    else:
        xml = idp.response_xml(request, audience="https://other-service.example/saml")

    answer = post_to_acs(client, request.acs_url, xml, relay_state)

    assert signed_in_user_id(client) is None
    # allauth's "sign-in failed" page, not a stack trace.
    assert answer.status_code == 401
    page = answer.content.decode()
    assert "庁内ディレクトリでログインできませんでした" in page and "Traceback" not in page
    assert not SocialAccount.objects.filter(user=staff).exists()


def test_a_response_is_used_once_and_unsolicited_ones_are_refused(client, idp, make_user):
    staff = make_user(Role.STAFF, mfa=False, employee_number="T000077")
    idp.attributes = {EMPLOYEE_NUMBER: ["T000077"]}
    request, relay_state = start(client, idp)
    xml = idp.response_xml(request)
    post_to_acs(client, request.acs_url, xml, relay_state)
    assert signed_in_user_id(client) == str(staff.pk)

    # Replayed in another browser: the request it answers was already consumed.
    other = client.__class__(HTTP_HOST=HOST)
    post_to_acs(other, request.acs_url, xml, relay_state)
    assert other.session.get("_auth_user_id") is None

    # Started by the IdP (no AuthnRequest of ours): refused.
    third = client.__class__(HTTP_HOST=HOST)
    post_to_acs(
        third,
        request.acs_url,
        idp.response_xml(None, acs_url=request.acs_url, audience=request.issuer),
    )
    assert third.session.get("_auth_user_id") is None


def test_metadata_and_login_page(client, idp):
    metadata = client.get(reverse("saml_metadata", kwargs={"organization_slug": "ward"}))
    assert metadata.status_code == 200
    text = metadata.content.decode()
    assert f'entityID="{SP}/metadata/"' in text
    assert f"{SP}/acs/" in text

    page = client.get(reverse("account_login")).content.decode()
    assert "庁内ディレクトリでログイン" in page
    assert reverse("saml_login", kwargs={"organization_slug": "ward"}) in page


def test_saml_is_off_until_configured_and_its_origin_may_receive_the_login_form(monkeypatch):
    off = settings_from_environment(monkeypatch)
    assert off["SOCIALACCOUNT_PROVIDERS"]["saml"]["APPS"] == []
    assert off["SECURITY_CSP"]["form-action"] == ["'self'"]

    on = settings_from_environment(
        monkeypatch,
        SSO_SAML_IDP_ENTITY_ID="https://sts.city.toshima.example/adfs/services/trust",
        SSO_SAML_IDP_SSO_URL="https://sts.city.toshima.example/adfs/ls/",
        SSO_SAML_IDP_X509CERT="MIIC...",
        SSO_SAML_SP_ENTITY_ID="https://ict.city.toshima.example/saml",
    )
    (app,) = on["SOCIALACCOUNT_PROVIDERS"]["saml"]["APPS"]
    assert app["settings"]["idp"]["sso_url"] == "https://sts.city.toshima.example/adfs/ls/"
    assert app["settings"]["sp"]["entity_id"] == "https://ict.city.toshima.example/saml"
    assert app["settings"]["advanced"]["want_assertion_signed"] is True
    assert app["settings"]["advanced"]["reject_idp_initiated_sso"] is True
    # The login form posts to us and is redirected there, which CSP's form-action governs.
    assert on["SECURITY_CSP"]["form-action"] == ["'self'", "https://sts.city.toshima.example"]
