"""base.versioned_cache: one bump retires a whole set, and nothing retired ever comes back."""

from __future__ import annotations

import time

from django.core.cache import cache

from base import versioned_cache
from base.versioned_cache import VersionedCache


def _builder(*values: object):
    """A build function returning ``values`` one after the other, counting its calls."""
    queue = list(values)

    def build():
        build.calls += 1
        return queue.pop(0)

    build.calls = 0
    return build


def test_a_bump_retires_every_entry_of_its_set_only(db):
    entries, other = VersionedCache("test:a"), VersionedCache("test:b")
    build, build_other = _builder("old", "new"), _builder("kept")
    assert entries.cached("e", [1], build, 60) == "old"
    assert entries.cached("e", [1], build, 60) == "old"
    assert other.cached("e", [1], build_other, 60) == "kept"
    entries.bump()
    assert entries.cached("e", [1], build, 60) == "new"
    assert build.calls == 2
    assert other.cached("e", [1], build_other, 60) == "kept"  # another set's version
    assert build_other.calls == 1


def test_the_after_commit_bump_retires_an_entry_stored_during_the_race(
    db, django_capture_on_commit_callbacks
):
    entries = VersionedCache("test:race")
    entries.cached("e", [], lambda: "old", 60)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        entries.bump()  # the change, not yet committed
        # Another request, not seeing the change yet, stores the old rows under the new version.
        assert entries.cached("e", [], lambda: "old", 60) == "old"
        assert entries.cached("e", [], lambda: "new", 60) == "old"  # the race
    assert callbacks
    for callback in callbacks:
        callback()
    assert entries.cached("e", [], lambda: "new", 60) == "new"


def test_an_on_commit_bump_waits_for_the_commit(db, django_capture_on_commit_callbacks):
    entries = VersionedCache("test:commit")
    before = entries.version()
    with django_capture_on_commit_callbacks(execute=True):
        entries.bump_on_commit()
        assert entries.version() == before
    assert entries.version() == before + 1


def test_a_lost_version_never_brings_back_an_older_entry(db, monkeypatch):
    clock = iter([1_000, 1_004])
    monkeypatch.setattr(versioned_cache, "_clock", lambda: next(clock))
    entries = VersionedCache("test:evict")
    assert entries.version() == 1_000
    entries.bump()
    entries.bump()
    entries.bump()
    assert entries.cached("e", [], lambda: "old", 60) == "old"  # stored under 1_003
    cache.delete(entries.version_key)  # an eviction or a restart of the cache
    assert entries.cached("e", [], lambda: "new", 60) == "new"
    assert entries.version() == 1_004


def test_a_bump_after_a_lost_version_still_retires(db):
    entries = VersionedCache("test:lost")
    entries.cached("e", [], lambda: "old", 60)
    cache.delete(entries.version_key)
    entries.bump()  # incr of a missing key: restarts from the clock
    assert entries.cached("e", [], lambda: "new", 60) == "new"


def test_an_entry_lives_as_long_as_it_says_and_at_most_the_cap(monkeypatch):
    entries = VersionedCache("test:lifetime")
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    short = _builder(("a", 10), ("b", 10))
    assert entries.cached_for("short", [], short, 30) == "a"
    capped = _builder(("c", 100), ("d", 100))
    assert entries.cached_for("capped", [], capped, 30) == "c"
    never = _builder(("e", 0), ("f", 0))
    assert entries.cached_for("never", [], never, 30) == "e"
    assert entries.cached_for("never", [], never, 30) == "f"  # 0 seconds: not stored

    monkeypatch.setattr(time, "time", lambda: now + 9)
    assert entries.cached_for("short", [], short, 30) == "a"
    monkeypatch.setattr(time, "time", lambda: now + 11)
    assert entries.cached_for("short", [], short, 30) == "b"
    assert entries.cached_for("capped", [], capped, 30) == "c"
    monkeypatch.setattr(time, "time", lambda: now + 31)
    assert entries.cached_for("capped", [], capped, 30) == "d"


def test_the_version_and_the_entry_come_in_one_round_trip(monkeypatch):
    entries = VersionedCache("test:trip")
    entries.cached("e", ["x"], lambda: "v", 60)
    calls: list[str] = []
    inside = []
    real_get, real_get_many = cache.get, cache.get_many

    def get(*args, **kwargs):
        if not inside:  # locmem's get_many is made of gets: those are not round trips
            calls.append("get")
        return real_get(*args, **kwargs)

    def get_many(keys):
        calls.append("get_many")
        inside.append(True)
        try:
            return real_get_many(keys)
        finally:
            inside.pop()

    monkeypatch.setattr(cache, "get", get)
    monkeypatch.setattr(cache, "get_many", get_many)
    assert entries.cached("e", ["x"], lambda: "rebuilt", 60) == "v"
    assert calls == ["get_many"]
