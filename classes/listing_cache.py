"""The version of everything the public class list shows, kept in the shared cache.

Cached class-list fragments carry this version in their keys, so one increment makes every
cached fragment stale at once in every process (with ``CACHE_URL=redis://...``). The services
that change seats (``classes/services.py``: allocate, cancel, capacity, cancel a session, new
sessions) call ``invalidate_class_lists()``; the increment runs after their transaction commits,
so a reader never caches the old numbers under the new version.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "classes:list-version"


def listing_version() -> int:
    """The current version (1 when the cache holds none, e.g. after a restart)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return int(version)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # the key was evicted or never set: any new value invalidates
        cache.set(VERSION_KEY, listing_version() + 1, timeout=None)


def invalidate_class_lists() -> None:
    """Make every cached class-list fragment stale once the current transaction commits."""
    transaction.on_commit(_bump)
