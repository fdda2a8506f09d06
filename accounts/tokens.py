"""Staff API tokens: issue a secret once, later recognise it by its SHA-256.

The secret is never stored. Looking a token up by the hash of what the client sent means the
database compares hashes, not secrets, so the time a lookup takes says nothing about how
much of a secret was right.

Every token expires (``API_TOKEN_MAX_AGE_DAYS``, 180 days by default, at the latest), an admin
can revoke it (Wagtail admin, APIトークン), and it is refused with 403 while its owner's role
requires a second factor they have not set up (``MFA_REQUIRED_ROLES``): a token must not be a
way around the MFA rule.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import HttpBearer

from accounts.middleware import mfa_missing
from accounts.models import ApiToken, User

PREFIX_LENGTH = 8
# Secrets from token_urlsafe(32) are 43 characters; anything much longer is not one of ours.
MAX_SECRET_LENGTH = 200
# Writing last_used_at on every request would turn each API read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


MFA_REQUIRED_MESSAGE = (
    "この利用者の役割では二段階認証が必要ですが、まだ設定されていません。サイトにログインして"
    "認証アプリを設定してから、もう一度お試しください。 / "
    "This user's role requires a second factor that is not set up yet: sign in to the site, "
    "set up an authenticator app, then try again."
)


class TokenRefused(HttpError):
    """A valid token whose owner may not use the API now (403, with a message saying why)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(403, message)
        self.code = code


def max_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS)


def issue_token(user: User, name: str, *, expires_at: datetime | None = None) -> str:
    """Create a token for ``user`` and return its secret; it cannot be shown again.

    It expires at ``expires_at``, which may not be later than ``API_TOKEN_MAX_AGE_DAYS`` from
    now (the default).
    """
    latest = max_expiry()
    if expires_at is None:
        expires_at = latest
    elif expires_at > latest:
        raise ValueError(f"A token may live {settings.API_TOKEN_MAX_AGE_DAYS} days at most.")
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=hash_secret(raw),
        prefix=raw[:PREFIX_LENGTH],
        expires_at=expires_at,
    )
    return raw


def authenticate_token(raw: str | None) -> User | None:
    """Return the active user behind a live token, or None.

    Raises ``TokenRefused`` when the token is live but its owner's role requires a second
    factor they have not set up.
    """
    if not raw or len(raw) > MAX_SECRET_LENGTH:
        return None
    digest = hash_secret(raw.strip())
    token = ApiToken.objects.select_related("user").filter(key_hash=digest).first()
    if token is None or not hmac.compare_digest(token.key_hash, digest):
        return None
    now = timezone.now()
    if not token.is_usable(now) or not token.user.is_active:
        return None
    if mfa_missing(token.user):
        raise TokenRefused(MFA_REQUIRED_MESSAGE, "mfa_required")
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class BearerToken(HttpBearer):
    """django-ninja auth: ``Authorization: Bearer <secret>`` from ``issue_token``.

    Session cookies are deliberately not accepted, so the API has no CSRF exposure.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return authenticate_token(token)
