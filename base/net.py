"""The client's IP address, for rate limits and the audit log."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address the trusted proxies put into X-Forwarded-For.

    X-Forwarded-For is only believed with ``TRUSTED_PROXY_COUNT`` set: each proxy appends the
    address it saw, so the client is the entry that many places from the end; anything before
    it was written by the client and may be forged. allauth uses the same setting.
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("x-forwarded-for", "")
    if count > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR") or "unknown"
