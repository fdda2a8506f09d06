"""Staff API tokens: issue a secret once, later recognise it by its SHA-256.

The secret is never stored. Looking a token up by the hash of what the client sent means the
database compares hashes, not secrets, so the time a lookup takes says nothing about how
much of a secret was right.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from accounts.models import ApiToken, User

PREFIX_LENGTH = 8
# Secrets from token_urlsafe(32) are 43 characters; anything much longer is not one of ours.
MAX_SECRET_LENGTH = 200
# Writing last_used_at on every request would turn each API read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(user: User, name: str, *, expires_at: datetime | None = None) -> str:
    """Create a token for ``user`` and return its secret; it cannot be shown again."""
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
    """Return the active user behind a live token, or None."""
    if not raw or len(raw) > MAX_SECRET_LENGTH:
        return None
    digest = hash_secret(raw.strip())
    token = ApiToken.objects.select_related("user").filter(key_hash=digest).first()
    if token is None or not hmac.compare_digest(token.key_hash, digest):
        return None
    now = timezone.now()
    if not token.is_active or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class BearerToken(HttpBearer):
    """django-ninja auth: ``Authorization: Bearer <secret>`` from ``issue_token``.

    Session cookies are deliberately not accepted, so the API has no CSRF exposure.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return authenticate_token(token)
