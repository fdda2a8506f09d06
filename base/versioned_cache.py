"""A versioned set of entries in Django's default (shared) cache: one bump retires them all.

What many requests read and few changes touch (the course tree, the site settings, the
public class list) is kept in Django's default cache (``CACHE_URL``: Redis in production, so
every process sees one version). Each entry is stored with the version it was built under and
used only while that is still the current version, so one increment of the version makes every
entry of the set stale at once. An entry's key does not hold the version: a new entry replaces
the old one in place, and a burst of changes leaves no retired copies behind.

A reader takes the version and the entry in one round trip (``get_many``, atomic in Redis)
*before* it reads the database: a value read before a change commits is then stored under the
version that the change's after-commit bump retires, never under a newer one.

Users: ``courses.page_cache``, ``base.site_cache``, ``classes.listing_cache``. Each set has
its own version, so that publishing a page does not retire the class list, for instance.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")


def _clock() -> int:
    # Microseconds: a version restarted from the clock is above every version stored before,
    # unless there were more than a million bumps a second since the last start.
    return time.time_ns() // 1000


class VersionedCache:
    """The entries of ``namespace`` in the default cache, all retired by one ``bump()``."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.version_key = f"{namespace}-version"

    def key(self, name: str, parts: Iterable[object] = ()) -> str:
        """The cache key of entry ``name`` for ``parts``: hashed, so any parts make a short
        key that every cache backend accepts."""
        joined = "\x1f".join(map(str, parts))
        digest = hashlib.blake2b(joined.encode(), digest_size=16).hexdigest()
        return f"{self.namespace}:{name}:{digest}"

    def version(self) -> int:
        """The current version. When the cache holds none (a restart, an eviction) it starts
        from the clock, above any version an entry still cached was built under."""
        version = cache.get(self.version_key)
        if version is None:
            start = _clock()
            # add(): two processes starting together agree on one version.
            cache.add(self.version_key, start, timeout=None)
            version = cache.get(self.version_key, start)
        return int(version)

    def _increment(self) -> None:
        try:
            cache.incr(self.version_key)  # atomic: two bumps at once both count
        except ValueError:  # evicted or never set: a restart from the clock retires all
            cache.set(self.version_key, self.version() + 1, timeout=None)

    def bump(self) -> None:
        """Retire every entry now and again once the current transaction (if any) commits.

        Now, so that the changing transaction itself (and a test) reads what it wrote; after
        the commit too, because a reader between the change and its commit still sees the old
        rows and would store them under the version of the first bump.
        """
        self._increment()
        transaction.on_commit(self._increment)

    def bump_on_commit(self) -> None:
        """Retire every entry once the current transaction commits (now without one).

        For changes whose own transaction never reads the set: the after-commit bump is the
        one that matters (see ``bump``), and the entries stay usable until the change is real.
        """
        transaction.on_commit(self._increment)

    def cached(self, name: str, parts: Iterable[object], build: Callable[[], T], timeout: int) -> T:
        """The entry if built under the current version, else ``build()``, stored for
        ``timeout`` seconds (a safety net: a bump retires it at once)."""
        return self.cached_for(name, parts, lambda: (build(), timeout), timeout)

    def cached_for(
        self,
        name: str,
        parts: Iterable[object],
        build: Callable[[], tuple[T, float]],
        max_timeout: int,
    ) -> T:
        """As ``cached``, for entries that know their own lifetime: ``build()`` returns
        (value, seconds to keep); the seconds are capped at ``max_timeout`` and 0 or less
        stores nothing."""
        key = self.key(name, parts)
        found = cache.get_many([self.version_key, key])  # one round trip, before the database
        version = found.get(self.version_key)
        version = self.version() if version is None else int(version)
        entry = found.get(key)
        if entry is not None and entry[0] == version:
            return entry[1]
        value, seconds = build()
        seconds = min(max_timeout, int(seconds))
        if seconds > 0:
            cache.set(key, (version, value), seconds)
        return value
