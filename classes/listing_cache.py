"""The version of everything the public class list shows, kept in the shared cache.

Every cached class-list fragment is stored with the version it was built under, and is used
only while that is still the current version, so one increment makes every cached fragment
stale at once in every process (with ``CACHE_URL=redis://...``). The services that change
seats (``classes/services.py``: allocate, cancel, capacity, cancel a session, new sessions)
call ``invalidate_class_lists()``; the increment runs after their transaction commits. Edits
made in the admin to a class, a session or a venue bump it too (``post_save``/``post_delete``
receivers below).

A reader takes the version in the same round trip as the fragment (one ``get_many``, atomic
in Redis) and *before* it reads the database: numbers read before a booking commits are then
stored under the version that the booking's increment retires, never under the new one. A
fragment's key does not hold the version, so a new one replaces the old in place: a burst of
bookings leaves no retired copies behind until they expire.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

VERSION_KEY = "classes:list-version"
PREFIX = "classes:list"
# The longest a cached fragment lives: seat changes retire it at once (the version), this
# bounds what nothing announces (time passing, site settings).
FRAGMENT_SECONDS = 30


def listing_version() -> int:
    """The current version. When the cache holds none (a restart, an eviction) it starts
    from the clock in milliseconds, above any version a fragment still cached was built
    under (unless there were more than 1,000 increments a second since the last start)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        start = int(time.time() * 1000)
        cache.add(VERSION_KEY, start, timeout=None)
        version = cache.get(VERSION_KEY, start)
    return int(version)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # the key was evicted or never set: any new value invalidates
        cache.set(VERSION_KEY, listing_version() + 1, timeout=None)


def invalidate_class_lists() -> None:
    """Make every cached class-list fragment stale once the current transaction commits."""
    transaction.on_commit(_bump)


def fragment_key(name: str, parts: Iterable[str]) -> str:
    """The cache key of fragment ``name`` for ``parts`` (filters, page, language ...)."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return f"{PREFIX}:{name}:{digest}"


def cached(name: str, parts: Iterable[str], build: Callable[[], tuple[Any, float]]) -> Any:
    """The fragment from the shared cache if built under the current version, else
    ``build()`` → (value, seconds to keep), stored with the version read before it ran.

    The seconds are capped at ``FRAGMENT_SECONDS``; 0 or less stores nothing.
    """
    key = fragment_key(name, parts)
    found = cache.get_many([VERSION_KEY, key])  # one round trip, before any database read
    version = found.get(VERSION_KEY)
    version = listing_version() if version is None else int(version)
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    value, seconds = build()
    seconds = min(FRAGMENT_SECONDS, int(seconds))
    if seconds > 0:
        cache.set(key, (version, value), seconds)
    return value


def _changed(sender, **kwargs) -> None:
    invalidate_class_lists()


def connect_signals() -> None:
    """Admin edits of what the list shows (title, publication, venue name ...) retire it."""
    from classes.models import ClassSeries, ClassSession, Venue

    for model in (ClassSeries, ClassSession, Venue):
        post_save.connect(_changed, sender=model, dispatch_uid=f"listing-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"listing-del-{model.__name__}")
