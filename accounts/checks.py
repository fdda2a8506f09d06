"""System checks of the accounts app: the key that encrypts second-factor secrets."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error

from accounts import mfa_secrets


def check_mfa_encryption_keys(app_configs=None, **kwargs) -> list[CheckMessage]:
    keys = mfa_secrets.configured_keys()
    if not keys:
        if settings.DEBUG:
            return []  # a key derived from SECRET_KEY stands in, with a logged warning
        return [
            Error(
                mfa_secrets.MISSING_KEY_MESSAGE,
                hint="Generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())' (docs/operations.md, 'Secrets and keys').",
                id="accounts.E001",
            )
        ]
    if bad := mfa_secrets.invalid_keys(keys):
        return [
            Error(
                f"MFA_ENCRYPTION_KEYS: key(s) {bad} are not Fernet keys "
                "(32 url-safe base64-encoded bytes).",
                id="accounts.E002",
            )
        ]
    return []
