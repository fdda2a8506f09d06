"""The version of everything the public class list shows, kept in the shared cache.

Cached class-list fragments carry this version in their keys, so one increment makes every
cached fragment stale at once in every process (with ``CACHE_URL=redis://...``). The services
that change seats (``classes/services.py``: allocate, cancel, capacity, cancel a session, new
sessions) call ``invalidate_class_lists()``; the increment runs after their transaction commits,
so a reader never caches the old numbers under the new version. Edits made in the admin to a
class, a session or a venue bump it too (``post_save``/``post_delete`` receivers below).

A reader takes the version *before* it reads the database (``cached``): numbers read before a
booking commits are then stored under the version that the booking's increment retires, never
under the new one.
"""

from __future__ import annotations

import hashlib
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


def fragment_key(name: str, parts: Iterable[str], version: int) -> str:
    """The cache key of fragment ``name`` for ``parts`` (filters, page, language ...)."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return f"{PREFIX}:{version}:{name}:{digest}"


def cached(name: str, parts: Iterable[str], build: Callable[[], tuple[Any, float]]) -> Any:
    """The fragment from the shared cache, or ``build()`` → (value, seconds to keep) stored.

    The seconds are capped at ``FRAGMENT_SECONDS``; 0 or less stores nothing.
    """
    key = fragment_key(name, parts, listing_version())  # before any database read
    value = cache.get(key)
    if value is None:
        value, seconds = build()
        seconds = min(FRAGMENT_SECONDS, int(seconds))
        if seconds > 0:
            cache.set(key, value, seconds)
    return value


def _changed(sender, **kwargs) -> None:
    invalidate_class_lists()


def connect_signals() -> None:
    """Admin edits of what the list shows (title, publication, venue name ...) retire it."""
    from classes.models import ClassSeries, ClassSession, Venue

    for model in (ClassSeries, ClassSession, Venue):
        post_save.connect(_changed, sender=model, dispatch_uid=f"listing-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"listing-del-{model.__name__}")
