"""Fixed-window request limits kept in the Django cache.

``cache.add`` creates the window's counter only if it is missing and ``cache.incr`` counts
atomically, so concurrent requests in one cache never lose a count. With the default
per-process locmem cache each app process counts on its own; a shared cache (``CACHE_URL``
redis:// or db://) makes the limit apply across processes.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


def _now() -> float:
    return time.time()


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds


def parse_rate(text: str) -> Rate:
    """Parse "20/m", "1000/h" or "5/10m" (5 per 10 minutes)."""
    match = RATE_PATTERN.match(text or "")
    if not match:
        raise ImproperlyConfigured(
            f"A rate limit must look like 20/m, 1000/h or 5/10m, not {text!r}."
        )
    limit, multiplier, unit = match.groups()
    period = int(multiplier or 1) * UNITS[unit]
    if period < 1:
        raise ImproperlyConfigured(f"The rate limit period in {text!r} must be positive.")
    return Rate(limit=int(limit), period=period)


def hit(scope: str, key: str, rate: Rate) -> int | None:
    """Count one request; return None if allowed, else the seconds until the window ends."""
    now = _now()
    window = int(now // rate.period)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    timeout = rate.period + 1
    cache.add(cache_key, 0, timeout=timeout)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The counter expired between add and incr: this request opens a new window.
        cache.add(cache_key, 1, timeout=timeout)
        count = 1
    if count <= rate.limit:
        return None
    return max(1, math.ceil((window + 1) * rate.period - now))
