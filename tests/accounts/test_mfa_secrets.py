"""Second-factor secrets at rest: encrypted, rotatable, never in a dump (accounts.mfa_secrets)."""

from __future__ import annotations

import importlib
import io

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from accounts import mfa_secrets
from accounts.checks import check_mfa_encryption_keys
from accounts.roles import Role
from tests.accounts.test_login_and_mfa import totp_code

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()

encrypt_existing_secrets = importlib.import_module(
    "accounts.migrations.0004_encrypt_mfa_secrets"
).encrypt_existing_secrets


def totp_of(user) -> TOTP:
    return TOTP(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP))


@pytest.mark.django_db
def test_dumpdata_holds_neither_the_totp_secret_nor_the_recovery_seed(make_user):
    user = make_user(Role.TRAINER, mfa=True)
    codes = RecoveryCodes.activate(user)
    seed = mfa_secrets.decrypt(codes.instance.data["seed"])

    out = io.StringIO()
    call_command("dumpdata", "mfa", stdout=out)
    dump = out.getvalue()

    assert user.totp_secret and user.totp_secret not in dump
    assert seed not in dump
    assert mfa_secrets.PREFIX in dump
    # ... and the stored secret still checks a code.
    assert totp_of(user).validate_code(totp_code(user.totp_secret))


@pytest.mark.django_db
def test_rotation_keeps_old_secrets_readable_then_rewrites_them(make_user, settings):
    settings.MFA_ENCRYPTION_KEYS = [KEY_A]
    user = make_user(Role.ADMIN, mfa=True)
    stored_with_a = totp_of(user).instance.data["secret"]

    settings.MFA_ENCRYPTION_KEYS = [KEY_B, KEY_A]  # new key first, old one still listed
    assert mfa_secrets.decrypt(stored_with_a) == user.totp_secret
    out = io.StringIO()
    call_command("rotate_mfa_keys", stdout=out)
    assert "Re-encrypted 1 " in out.getvalue()

    settings.MFA_ENCRYPTION_KEYS = [KEY_B]  # old key removed
    rotated = totp_of(user).instance.data["secret"]
    assert rotated != stored_with_a
    assert mfa_secrets.decrypt(rotated) == user.totp_secret
    assert totp_of(user).validate_code(totp_code(user.totp_secret))

    settings.MFA_ENCRYPTION_KEYS = [KEY_A]  # the retired key alone reads nothing now
    with pytest.raises(mfa_secrets.SecretUnreadable):
        mfa_secrets.decrypt(rotated)


@pytest.mark.django_db
def test_migration_encrypts_clear_secrets_once_and_leaves_webauthn_alone(make_user):
    user = make_user(Role.COUNTER, mfa=False)
    totp = Authenticator.objects.create(user=user, type="totp", data={"secret": "JBSWY3DPEHPK3PXP"})
    codes = Authenticator.objects.create(
        user=user, type="recovery_codes", data={"seed": "ab" * 40, "used_mask": 3}
    )
    webauthn_data = {"name": "key", "credential": {"id": "xyz"}, "passwordless": False}
    webauthn = Authenticator.objects.create(user=user, type="webauthn", data=webauthn_data)

    encrypt_existing_secrets(apps, None)

    totp.refresh_from_db()
    codes.refresh_from_db()
    assert mfa_secrets.is_encrypted(totp.data["secret"])
    assert mfa_secrets.decrypt(totp.data["secret"]) == "JBSWY3DPEHPK3PXP"
    assert mfa_secrets.decrypt(codes.data["seed"]) == "ab" * 40
    assert codes.data["used_mask"] == 3
    webauthn.refresh_from_db()
    assert webauthn.data == webauthn_data

    encrypted_once = totp.data["secret"]
    encrypt_existing_secrets(apps, None)  # a second run changes nothing
    totp.refresh_from_db()
    assert totp.data["secret"] == encrypted_once


@pytest.mark.django_db
def test_a_clear_secret_left_from_before_still_validates(make_user):
    user = make_user(Role.TRAINER, mfa=False)
    secret = "JBSWY3DPEHPK3PXP"
    Authenticator.objects.create(user=user, type="totp", data={"secret": secret})
    assert totp_of(user).validate_code(totp_code(secret))


def test_production_without_a_key_refuses_to_encrypt_and_the_check_fails(settings):
    settings.DEBUG = False
    settings.MFA_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        mfa_secrets.encrypt("secret")
    assert [m.id for m in check_mfa_encryption_keys()] == ["accounts.E001"]

    settings.MFA_ENCRYPTION_KEYS = ["not-a-key", KEY_A]
    assert [m.id for m in check_mfa_encryption_keys()] == ["accounts.E002"]

    settings.MFA_ENCRYPTION_KEYS = [KEY_A]
    assert check_mfa_encryption_keys() == []


def test_development_without_a_key_derives_one_from_secret_key(settings, caplog):
    settings.DEBUG = True
    settings.MFA_ENCRYPTION_KEYS = []
    assert check_mfa_encryption_keys() == []
    stored = mfa_secrets.encrypt("JBSWY3DPEHPK3PXP")
    assert mfa_secrets.decrypt(stored) == "JBSWY3DPEHPK3PXP"
    assert Fernet(mfa_secrets.development_key()).decrypt(stored[len(mfa_secrets.PREFIX) :])

    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    with pytest.raises(mfa_secrets.SecretUnreadable):
        mfa_secrets.decrypt(stored)
