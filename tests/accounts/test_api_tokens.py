"""Staff API tokens: they expire, admins list and revoke them, and they obey the MFA rule."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import ApiToken
from accounts.roles import Role
from accounts.tokens import TokenRefused, authenticate_token, hash_secret, issue_token
from base.models import AuditEntry

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/api-tokens/"


def token_of(secret: str) -> ApiToken:
    return ApiToken.objects.get(key_hash=hash_secret(secret))


def revoke_url(token: ApiToken) -> str:
    return f"/admin/api-tokens/{token.pk}/revoke/"


# --- Expiry -------------------------------------------------------------------------------


def test_a_token_expires_after_the_maximum_age_by_default(make_user, settings):
    settings.API_TOKEN_MAX_AGE_DAYS = 30
    user = make_user(Role.COUNTER)
    before = timezone.now()
    secret = issue_token(user, "tablet")
    expires_at = token_of(secret).expires_at
    assert before + timedelta(days=30) <= expires_at <= timezone.now() + timedelta(days=30)
    assert authenticate_token(secret) == user

    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert authenticate_token(secret) is None


def test_no_token_outlives_the_maximum_age(make_user, settings):
    settings.API_TOKEN_MAX_AGE_DAYS = 30
    user = make_user(Role.COUNTER)
    with pytest.raises(ValueError):
        issue_token(user, "x", expires_at=timezone.now() + timedelta(days=31))
    with pytest.raises(CommandError, match="1〜30"):
        call_command("create_api_token", user.email, name="x", days=31, stdout=StringIO())
    call_command("create_api_token", user.email, name="x", stdout=StringIO(), stderr=StringIO())
    assert ApiToken.objects.get().expires_at <= timezone.now() + timedelta(days=30)


@pytest.mark.django_db(transaction=True)
def test_migration_gives_tokens_without_expiry_their_issue_date_plus_180_days(make_user):
    """Back to before the expiry was required, a token without one, then forward again."""
    user = make_user(Role.TRAINER)
    executor = MigrationExecutor(connection)
    before = [("accounts", "0004_encrypt_mfa_secrets")]
    executor.migrate(before)
    legacy = executor.loader.project_state(before).apps.get_model("accounts", "ApiToken")
    created = timezone.now() - timedelta(days=200)
    old = legacy.objects.create(user_id=user.pk, name="old", key_hash="a" * 64, prefix="aaaa")
    legacy.objects.filter(pk=old.pk).update(created_at=created, expires_at=None)
    later = timezone.now() + timedelta(days=5)
    kept = legacy.objects.create(
        user_id=user.pk, name="kept", key_hash="b" * 64, prefix="bbbb", expires_at=later
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert ApiToken.objects.get(pk=old.pk).expires_at == created + timedelta(days=180)
    assert ApiToken.objects.get(pk=kept.pk).expires_at == later


# --- MFA rule -----------------------------------------------------------------------------


def test_a_token_is_refused_while_its_owners_second_factor_is_missing(make_user, settings):
    user = make_user(Role.STAFF, mfa=False)
    secret = issue_token(user, "script")
    with pytest.raises(TokenRefused) as refused:
        authenticate_token(secret)
    assert refused.value.status_code == 403
    assert refused.value.code == "mfa_required"
    assert token_of(secret).last_used_at is None

    settings.MFA_REQUIRED_ROLES = ["admin"]
    assert authenticate_token(secret) == user


def test_the_command_warns_when_the_owner_cannot_use_the_token_yet(make_user):
    user = make_user(Role.COUNTER, mfa=False)
    err = StringIO()
    call_command("create_api_token", user.email, name="x", stdout=StringIO(), stderr=err)
    assert "second factor" in err.getvalue()


# --- Admin list and revocation ------------------------------------------------------------


def test_admins_see_every_token_with_its_owner_dates_and_state(client, make_user):
    admin = make_user(Role.ADMIN)
    owner = make_user(Role.COUNTER, last_name="窓口", first_name="一郎")
    live = token_of(issue_token(owner, "受付用タブレット"))
    expired = token_of(
        issue_token(owner, "古い端末", expires_at=timezone.now() - timedelta(days=1))
    )
    revoked = token_of(issue_token(owner, "なくした端末"))
    ApiToken.objects.filter(pk=revoked.pk).update(is_active=False, revoked_at=timezone.now())
    client.force_login(admin)

    page = client.get(LIST_URL)

    assert page.status_code == 200
    html = page.content.decode()
    for token in (live, expired, revoked):
        assert token.name in html and token.prefix in html
    assert "窓口 一郎" in html and owner.email in html
    assert "期限切れ" in html and "無効化済み" in html
    assert revoke_url(live) in html and revoke_url(revoked) not in html


@pytest.mark.parametrize("role", [Role.STAFF, Role.TRAINER, Role.COUNTER])
def test_only_admins_may_list_or_revoke_tokens(client, make_user, role):
    token = token_of(issue_token(make_user(Role.TRAINER), "t"))
    client.force_login(make_user(role))

    assert client.get(LIST_URL).status_code == 403
    assert client.post(revoke_url(token)).status_code == 403
    assert ApiToken.objects.get(pk=token.pk).is_active
    assert not AuditEntry.objects.filter(action="accounts.api_token.revoked").exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_revoking_stops_the_token_and_leaves_an_audit_entry(client, make_user):
    admin = make_user(Role.ADMIN)
    owner = make_user(Role.TRAINER)
    secret = issue_token(owner, "tablet")
    token = token_of(secret)
    client.force_login(admin)

    assert client.get(LIST_URL).status_code == 200  # not the revoke: GET changes nothing
    assert client.get(revoke_url(token)).status_code == 405
    response = client.post(revoke_url(token))

    assert response.status_code == 302
    token.refresh_from_db()
    assert not token.is_active and token.revoked_at is not None
    assert authenticate_token(secret) is None
    entry = AuditEntry.objects.get(action="accounts.api_token.revoked")
    assert entry.user == admin
    assert entry.object_id == str(token.pk)
    assert entry.data == {"owner": owner.pk, "prefix": token.prefix}

    client.post(revoke_url(token))  # twice: still one entry
    assert AuditEntry.objects.filter(action="accounts.api_token.revoked").count() == 1
    assert client.post("/admin/api-tokens/999999/revoke/").status_code == 404
