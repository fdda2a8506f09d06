"""The version of everything the public class list shows, kept in the shared cache.

Every cached class-list fragment is stored with the version it was built under, and is used
only while that is still the current version, so one increment makes every cached fragment
stale at once in every process (with ``CACHE_URL=redis://...``). The services that change
seats (``classes/services.py``: allocate, cancel, capacity, cancel a session, new sessions)
call ``invalidate_class_lists()``; the increment runs after their transaction commits. Edits
made in the admin to a class, a session or a venue bump it too (``post_save``/``post_delete``
receivers below).

The mechanism (one round trip for version and fragment before any database read, fragments
replaced in place, the version's restart after an eviction) is ``base.versioned_cache``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models.signals import post_delete, post_save

from base.versioned_cache import VersionedCache

_LISTS = VersionedCache("classes:list")
VERSION_KEY = _LISTS.version_key
# The longest a cached fragment lives: seat changes retire it at once (the version), this
# bounds what nothing announces (time passing, site settings).
FRAGMENT_SECONDS = 30


def listing_version() -> int:
    """The current version (restarted from the clock after an eviction, above any version a
    fragment still cached was built under: ``VersionedCache.version``)."""
    return _LISTS.version()


def invalidate_class_lists() -> None:
    """Make every cached class-list fragment stale once the current transaction commits.

    After the commit only: the seat-changing transactions never render the list themselves,
    and until they commit the list they would retire is still right.
    """
    _LISTS.bump_on_commit()


def fragment_key(name: str, parts: Iterable[str]) -> str:
    """The cache key of fragment ``name`` for ``parts`` (filters, page, language ...)."""
    return _LISTS.key(name, parts)


def cached(name: str, parts: Iterable[str], build: Callable[[], tuple[Any, float]]) -> Any:
    """The fragment from the shared cache if built under the current version, else
    ``build()`` → (value, seconds to keep), stored with the version read before it ran.

    The seconds are capped at ``FRAGMENT_SECONDS``; 0 or less stores nothing.
    """
    return _LISTS.cached_for(name, parts, build, FRAGMENT_SECONDS)


def _changed(sender, **kwargs) -> None:
    invalidate_class_lists()


def connect_signals() -> None:
    """Admin edits of what the list shows (title, publication, venue name ...) retire it."""
    from classes.models import ClassSeries, ClassSession, Venue

    for model in (ClassSeries, ClassSession, Venue):
        post_save.connect(_changed, sender=model, dispatch_uid=f"listing-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"listing-del-{model.__name__}")
