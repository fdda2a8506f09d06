"""Second-factor secrets at rest: Fernet encryption with key rotation.

allauth stores each authenticator's secret in ``Authenticator.data`` (the TOTP key under
``secret``, the recovery codes' ``seed`` and any ``migrated_codes``) and passes it through the
MFA adapter's ``encrypt``/``decrypt`` (``accounts.adapters.MFAAdapter``), which call this module.

Keys come from ``MFA_ENCRYPTION_KEYS`` (comma-separated Fernet keys): the first encrypts, all
decrypt, so a new key is put first, ``manage.py rotate_mfa_keys`` rewrites every secret with
it, and the old key is removed afterwards (docs/operations.md, "Secrets and keys"). With DEBUG
on and no key given, a key derived from SECRET_KEY is used, with a warning; with DEBUG off and
no key the system check ``accounts.E001`` fails and encryption refuses to run.

An encrypted value carries the prefix ``fernet:``, so clear values written before encryption
was switched on are recognised (and still read) until the migration or the command rewrites them.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

PREFIX = "fernet:"
# The places in Authenticator.data where allauth keeps a secret passed through encrypt().
SECRET_FIELDS = ("secret", "seed")
SECRET_LIST_FIELDS = ("migrated_codes",)
# WebAuthn keeps only a public key, which needs no protection.
SECRET_TYPES = ("totp", "recovery_codes")

MISSING_KEY_MESSAGE = (
    "MFA_ENCRYPTION_KEYS を設定してください（DEBUG が無効のときは必須です）。 / "
    "Set MFA_ENCRYPTION_KEYS: it is required when DEBUG is off."
)


class SecretUnreadable(ImproperlyConfigured):
    """A stored secret cannot be decrypted with any configured key."""


def configured_keys() -> list[str]:
    value = getattr(settings, "MFA_ENCRYPTION_KEYS", None) or []
    if isinstance(value, str):
        value = value.split(",")
    return [key.strip() for key in value if key.strip()]


def development_key() -> str:
    """A Fernet key derived from SECRET_KEY, for development only."""
    digest = hashlib.sha256(b"accounts.mfa_secrets:" + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def invalid_keys(keys: Iterable[str]) -> list[int]:
    """Positions (1-based) of the keys that are not valid Fernet keys."""
    bad = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            bad.append(position)
    return bad


_cache: dict[tuple[str, ...], MultiFernet] = {}
_warned = False


def _cipher() -> MultiFernet:
    global _warned
    keys = tuple(configured_keys())
    if not keys:
        if not settings.DEBUG:
            raise ImproperlyConfigured(MISSING_KEY_MESSAGE)
        if not _warned:
            logger.warning(
                "MFA_ENCRYPTION_KEYS is not set: second-factor secrets are encrypted with a key "
                "derived from SECRET_KEY. Use this only for development."
            )
            _warned = True
        keys = (development_key(),)
    cipher = _cache.get(keys)
    if cipher is None:
        if bad := invalid_keys(keys):
            raise ImproperlyConfigured(
                f"MFA_ENCRYPTION_KEYS の {bad} 番目は Fernet の鍵ではありません。 / "
                f"Key(s) {bad} of MFA_ENCRYPTION_KEYS are not Fernet keys."
            )
        cipher = MultiFernet([Fernet(key) for key in keys])
        _cache.clear()
        _cache[keys] = cipher
    return cipher


def is_encrypted(value: str) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def encrypt(text: str) -> str:
    token = _cipher().encrypt(text.encode("utf-8")).decode("ascii")
    return PREFIX + token


def decrypt(value: str) -> str:
    """The clear secret; a value stored before encryption was switched on is returned as is."""
    if not is_encrypted(value):
        return value
    try:
        return _cipher().decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise SecretUnreadable(
            "二段階認証の秘密を復号できません。MFA_ENCRYPTION_KEYS に以前の鍵が残っているか確認"
            "してください。 / A second-factor secret cannot be decrypted: check that "
            "MFA_ENCRYPTION_KEYS still holds the key it was encrypted with."
        ) from exc


def _rewrite(value: Any, *, rotate: bool) -> Any:
    if not isinstance(value, str):
        return value
    if is_encrypted(value):
        if not rotate:
            return value
        return PREFIX + _cipher().rotate(value[len(PREFIX) :].encode("ascii")).decode("ascii")
    return encrypt(value)


def protect_data(data: dict[str, Any], *, rotate: bool = False) -> dict[str, Any]:
    """``Authenticator.data`` with every secret encrypted (with the first key if ``rotate``).

    Values already encrypted are left alone unless ``rotate`` asks to re-encrypt them.
    """
    result = dict(data)
    for field in SECRET_FIELDS:
        if field in result:
            result[field] = _rewrite(result[field], rotate=rotate)
    for field in SECRET_LIST_FIELDS:
        if isinstance(result.get(field), list):
            result[field] = [_rewrite(item, rotate=rotate) for item in result[field]]
    return result


def protect_authenticators(authenticator_model, *, rotate: bool = False) -> int:
    """Encrypt (or re-encrypt) the secrets of every authenticator; returns how many changed.

    Takes the model class so the data migration can pass its historical model.
    """
    changed = 0
    with_secrets = authenticator_model.objects.filter(type__in=SECRET_TYPES).order_by("pk")
    for authenticator in with_secrets.iterator():
        data = authenticator.data or {}
        protected = protect_data(data, rotate=rotate)
        if protected != data:
            authenticator.data = protected
            authenticator.save(update_fields=["data"])
            changed += 1
    return changed
