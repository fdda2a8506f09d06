"""Fixed-window request limits kept in the cache, counted atomically.

Each window has one counter, created with its expiry by the request that opens the window.

- Django's ``RedisCache`` (production, ``CACHE_URL=redis://...``): one round trip to Redis, a
  small Lua script that increments the counter and sets its expiry if it has none, atomically
  in the server, so concurrent requests from any number of processes never lose a count and a
  counter never outlives its window. It goes through the cache's own client and key function,
  so ``KEY_PREFIX`` and ``VERSION`` apply. (Django's own ``RedisCache.incr`` is not used: it
  asks whether the key exists, then increments, and a key that expires in between would be
  recreated without expiry, which locks its client out for good.)
- Memcached: ``add`` then ``incr``, both atomic in the server.
- locmem (development and tests): the same, atomic within the one process that counts.

Other caches (``db://``: Django's ``DatabaseCache.incr`` reads, then writes, so concurrent
requests lose counts) are refused for production by the system check in ``base.checks``.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
# The cache alias the counters live in (base.checks requires it to be shared and atomic).
RATE_LIMIT_CACHE = "default"

# INCR, then EXPIRE when the key has no expiry yet (a new window; or a counter left without
# one by anything else), in one atomic step; returns the count.
_REDIS_COUNT = """
local count = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""
_redis_script = None


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
    count = count_in_window(f"ratelimit:{scope}:{key}:{window}", rate.period + 1)
    if count <= rate.limit:
        return None
    return max(1, math.ceil((window + 1) * rate.period - now))


def count_in_window(cache_key: str, timeout: int) -> int:
    """Add one to the counter under ``cache_key`` (created to expire after ``timeout`` s)."""
    cache = caches[RATE_LIMIT_CACHE]
    if isinstance(cache, RedisCache):
        return _redis_count(cache, cache_key, timeout)
    return _add_then_incr(cache, cache_key, timeout)


def _redis_count(cache: RedisCache, cache_key: str, timeout: int) -> int:
    global _redis_script
    key = cache.make_and_validate_key(cache_key)
    client = cache._cache.get_client(key, write=True)
    if _redis_script is None:
        _redis_script = client.register_script(_REDIS_COUNT)
    # EVALSHA (the script is loaded by the first call that finds it missing).
    return int(_redis_script(keys=[key], args=[timeout], client=client))


def _add_then_incr(cache: BaseCache, cache_key: str, timeout: int) -> int:
    cache.add(cache_key, 0, timeout=timeout)
    try:
        return cache.incr(cache_key)
    except ValueError:
        # The counter expired between add and incr: this request opens a new window.
        cache.add(cache_key, 1, timeout=timeout)
        return 1
