"""System checks of the platform's production configuration (``manage.py check --deploy``).

The rate limits (``base.ratelimit``) hold across app processes only if the cache that counts
them is shared by every process and counts atomically: Redis (``CACHE_URL=redis://...``) or
memcached. locmem counts per process; the database cache (``db://``) loses counts under
concurrency (its ``incr`` reads, then writes).
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from base.ratelimit import RATE_LIMIT_CACHE

# Caches shared by every process whose increments are atomic in the server.
SHARED_ATOMIC_CACHES = frozenset(
    {
        "django.core.cache.backends.redis.RedisCache",
        "django.core.cache.backends.memcached.PyMemcacheCache",
        "django.core.cache.backends.memcached.PyLibMCCache",
    }
)
RATE_LIMIT_CACHE_ID = "ratelimit.E001"


@register(Tags.caches, Tags.security, deploy=True)
def check_rate_limit_cache(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """An error when DEBUG is off and the rate-limit cache is not shared and atomic."""
    if settings.DEBUG:
        return []
    backend = settings.CACHES.get(RATE_LIMIT_CACHE, {}).get("BACKEND", "")
    if backend in SHARED_ATOMIC_CACHES:
        return []
    return [
        Error(
            f"The rate limits are counted in the {RATE_LIMIT_CACHE!r} cache ({backend or 'none'}), "
            "which is not shared by every app process or does not count atomically: limits "
            "would not hold with more than one process.",
            hint=(
                "Set CACHE_URL=redis://host:6379/0 (one Redis shared by every app process; "
                "docs/operations.md, 'Cache and rate limits'). locmem:// counts per process and "
                "db:// loses counts under concurrent requests."
            ),
            id=RATE_LIMIT_CACHE_ID,
        )
    ]
