"""The system check that refuses a rate-limit cache that is not shared and atomic (issue 13)."""

from __future__ import annotations

import pytest
from django.core.checks import Error, run_checks

from base.checks import RATE_LIMIT_CACHE_ID, check_rate_limit_cache

BACKENDS = "django.core.cache.backends."


def cache(backend: str) -> dict:
    return {"default": {"BACKEND": BACKENDS + backend, "LOCATION": "x"}}


@pytest.mark.parametrize("backend", ["locmem.LocMemCache", "db.DatabaseCache", "dummy.DummyCache"])
def test_an_error_for_a_cache_that_is_not_shared_and_atomic(settings, backend):
    settings.DEBUG = False
    settings.CACHES = cache(backend)

    [error] = check_rate_limit_cache()

    assert isinstance(error, Error)
    assert error.id == RATE_LIMIT_CACHE_ID
    assert backend in error.msg
    assert "CACHE_URL=redis://" in error.hint


@pytest.mark.parametrize(
    "backend", ["redis.RedisCache", "memcached.PyMemcacheCache", "memcached.PyLibMCCache"]
)
def test_redis_and_memcached_pass(settings, backend):
    settings.DEBUG = False
    settings.CACHES = cache(backend)

    assert check_rate_limit_cache() == []


def test_development_may_count_per_process(settings):
    settings.DEBUG = True
    settings.CACHES = cache("locmem.LocMemCache")

    assert check_rate_limit_cache() == []


def test_registered_as_a_deployment_check(settings):
    settings.DEBUG = False
    settings.CACHES = cache("db.DatabaseCache")

    ids = {message.id for message in run_checks(include_deployment_checks=True)}
    assert RATE_LIMIT_CACHE_ID in ids
    assert RATE_LIMIT_CACHE_ID not in {message.id for message in run_checks()}
