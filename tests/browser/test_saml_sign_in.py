"""A SAML sign-in in Chromium: the login form posts to us, is redirected to the ward's
identity provider (which CSP's form-action must allow), whose page posts the signed response
back to our ACS; the staff member lands signed in, with no CSP violation on the way."""

from __future__ import annotations

from importlib import import_module

import pytest

from accounts.roles import Role
from tests.accounts.saml_idp import SAMLIdentityProvider
from tests.accounts.test_saml import EMPLOYEE_NUMBER, settings_from_environment
from tests.browser.support import new_context

pytestmark = pytest.mark.browser


def test_a_staff_member_signs_in_through_the_identity_providers_pages(
    chromium, live_server, site_pages, make_user, settings, monkeypatch
):
    staff = make_user(Role.STAFF, mfa=False, employee_number="T024680")
    idp = SAMLIdentityProvider(name_id="idp-browser", attributes={EMPLOYEE_NUMBER: ["T024680"]})
    with idp.serve():
        configured = settings_from_environment(
            monkeypatch,
            SSO_SAML_IDP_ENTITY_ID=idp.entity_id,
            SSO_SAML_IDP_SSO_URL=idp.sso_url,
            SSO_SAML_IDP_X509CERT=idp.certificate_pem,
        )
        settings.SOCIALACCOUNT_PROVIDERS = configured["SOCIALACCOUNT_PROVIDERS"]
        settings.SECURITY_CSP = configured["SECURITY_CSP"]
        # python3-saml refuses single-label host names such as "localhost": use the address.
        base_url = live_server.url.replace("localhost", "127.0.0.1")
        context = new_context(chromium, base_url)
        try:
            page = context.new_page()
            page.goto("/accounts/login/")
            page.get_by_role("button", name="庁内ディレクトリでログイン").click()
            page.wait_for_url(f"{idp.sso_url}?**")
            page.get_by_role("button", name="続ける").click()
            page.wait_for_url(lambda url: url.startswith(base_url) and "/saml/" not in url)
            cookies = {c["name"]: c["value"] for c in context.cookies(base_url)}
        finally:
            context.close()
    assert len(idp.requests) == 1
    store = import_module(settings.SESSION_ENGINE).SessionStore
    session = store(session_key=cookies[settings.SESSION_COOKIE_NAME])
    assert session.get("_auth_user_id") == str(staff.pk)
