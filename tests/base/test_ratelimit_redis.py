"""Rate limits counted in Redis: atomic, always expiring, one limit across processes (issue 13).

Needs the Redis at ``TEST_REDIS_URL`` (default redis://127.0.0.1:6379/5). Unreachable, the
tests are skipped with the reason, unless ``REQUIRE_REDIS=1`` (.ci/run sets it): then they fail.
Every test uses its own key prefix and deletes its keys afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from django.core.cache import caches

from base import ratelimit

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
NOW = 1_800_000_000.0  # a fixed clock: every request of a test falls in one window


@pytest.fixture(scope="module")
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        reason = f"Redis at TEST_REDIS_URL={REDIS_URL} is unreachable ({exc})"
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"{reason}, and REQUIRE_REDIS=1 requires it")
        pytest.skip(f"{reason}; set REQUIRE_REDIS=1 to fail instead")
    return REDIS_URL


@pytest.fixture
def prefix(redis_url):
    """A key prefix of this test's own; its keys are deleted afterwards."""
    value = f"test-ratelimit-{uuid.uuid4().hex}"
    yield value
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{value}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def redis_cache(settings, redis_url, prefix, monkeypatch):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    monkeypatch.setattr("base.ratelimit._now", lambda: NOW)
    return caches["default"]


def raw(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


def stored_key(cache, key: str) -> str:
    """The key as Redis holds it: the cache's prefix and version applied."""
    return cache.make_and_validate_key(key)


def test_counts_in_redis_with_the_caches_prefix_and_an_expiry(redis_cache, redis_url, prefix):
    rate = ratelimit.Rate(limit=2, period=60)

    assert ratelimit.hit("scope", "k", rate) is None
    assert ratelimit.hit("scope", "k", rate) is None
    wait = ratelimit.hit("scope", "k", rate)

    assert wait == 60  # NOW opens its minute
    key = f"ratelimit:scope:k:{int(NOW // 60)}"
    redis_key = stored_key(redis_cache, key)
    assert redis_key.startswith(f"{prefix}:1:")
    # Django's cache reads the same counter (an integer, not pickled).
    assert redis_cache.get(key) == 3
    ttl = raw(redis_url).ttl(redis_key)
    assert 0 < ttl <= 61


def test_a_counter_left_without_expiry_gets_one(redis_cache, redis_url):
    """What Django's RedisCache.incr can leave behind (exists, expiry, then incr recreates the
    key with no expiry) locks a client out for good; the next count sets the expiry again."""
    key = "ratelimit:scope:stuck:1"
    redis_key = stored_key(redis_cache, key)
    raw(redis_url).set(redis_key, 500)
    assert raw(redis_url).ttl(redis_key) == -1

    assert ratelimit.count_in_window(key, 61) == 501
    assert 0 < raw(redis_url).ttl(redis_key) <= 61


def test_a_counter_that_expired_opens_a_new_window_with_expiry(redis_cache, redis_url):
    key = "ratelimit:scope:gone:1"
    redis_key = stored_key(redis_cache, key)
    assert ratelimit.count_in_window(key, 61) == 1
    assert ratelimit.count_in_window(key, 61) == 2
    raw(redis_url).delete(redis_key)  # as if it had expired between two requests

    assert ratelimit.count_in_window(key, 61) == 1
    assert 0 < raw(redis_url).ttl(redis_key) <= 61


def test_exact_counts_under_concurrent_threads(redis_cache, redis_url):
    rate = ratelimit.Rate(limit=20, period=60)
    barrier = threading.Barrier(16)

    def attempts(_: int) -> list[bool]:
        barrier.wait()
        return [ratelimit.hit("threads", "k", rate) is None for _ in range(25)]

    with ThreadPoolExecutor(16) as pool:
        results = [ok for batch in pool.map(attempts, range(16)) for ok in batch]

    assert sum(results) == 20
    assert len(results) - sum(results) == 16 * 25 - 20
    assert redis_cache.get(f"ratelimit:threads:k:{int(NOW // 60)}") == 16 * 25


# --- Two processes ------------------------------------------------------------------------------

# Each process sets Django up with the cache of CACHE_URL and the test's key prefix, then, on
# the parent's signal, cancels-by-reference from THREADS threads through classes.abuse.check
# (what the booking pages and the API call), all from one client address.
WORKER = r"""
import json, os, sys, threading
from django.conf import settings
settings.CACHES["default"]["KEY_PREFIX"] = os.environ["RATELIMIT_TEST_PREFIX"]
import django
django.setup()
from django.test import RequestFactory
from base import ratelimit
from classes import abuse

ratelimit._now = lambda: float(os.environ["RATELIMIT_TEST_NOW"])
request = RequestFactory().post("/api/bookings/ABCD-1234/cancel", REMOTE_ADDR="192.0.2.7")
threads, per_thread = int(os.environ["THREADS"]), int(os.environ["PER_THREAD"])
allowed, refused, lock = [], [], threading.Lock()

def attempt():
    for _ in range(per_thread):
        try:
            abuse.check(request, abuse.LOOKUP)
        except abuse.RateLimited:
            with lock:
                refused.append(1)
        else:
            with lock:
                allowed.append(1)

print("ready", flush=True)
sys.stdin.readline()
workers = [threading.Thread(target=attempt) for _ in range(threads)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
print(json.dumps({"allowed": len(allowed), "refused": len(refused)}), flush=True)
"""
THREADS, PER_THREAD = 4, 15


def run_two_processes(cache_url: str, prefix: str) -> list[dict]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CACHE_URL": cache_url,
        "CLASSES_LOOKUP_RATE_LIMIT": "20/m",
        "RATELIMIT_TEST_PREFIX": prefix,
        "RATELIMIT_TEST_NOW": str(NOW),
        "THREADS": str(THREADS),
        "PER_THREAD": str(PER_THREAD),
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for process in processes:  # both set up before either counts
            assert process.stdout.readline().strip() == "ready", process.stderr.read()
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        results = []
        for process in processes:
            out, err = process.communicate(timeout=60)
            assert process.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()


def test_two_processes_share_one_limit_of_exactly_20(redis_url, prefix):
    results = run_two_processes(redis_url, prefix)

    assert sum(r["allowed"] for r in results) == 20
    assert sum(r["refused"] for r in results) == 2 * THREADS * PER_THREAD - 20
    client = raw(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    assert len(keys) == 1  # the address's counter: no phone was given
    assert int(client.get(keys[0])) == 2 * THREADS * PER_THREAD
    assert 0 < client.ttl(keys[0]) <= 61
