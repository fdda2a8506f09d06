"""The read replica: only reads inside ``analytics.routers.reading()`` go to ``analytics``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

from analytics.routers import ALIAS, AnalyticsRouter, is_reading, reading
from classes.models import Venue

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def replica(db, tmp_path) -> Iterator[str]:
    """A second SQLite database as the alias ``analytics``, with the venue table only.

    Added after the test's database set-up, as ``ANALYTICS_DATABASE_URL`` would add it to
    the settings; it holds other rows than ``default``, so a read shows where it went.
    """
    previous = connections.settings.get(ALIAS)  # set when ANALYTICS_DATABASE_URL is
    mirror = connections[ALIAS] if previous is not None else None
    if mirror is not None:
        del connections[ALIAS]
    connections.settings[ALIAS] = {
        **connections.settings["default"],
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "replica.sqlite3"),
        "OPTIONS": {},
        "TEST": {},
    }
    # The test case refuses to open connections to aliases it does not know; this one is the
    # test's own, opened here.
    connections[ALIAS].connect()
    try:
        with connections[ALIAS].schema_editor() as editor:
            editor.create_model(Venue)
        Venue.objects.using(ALIAS).create(name="レプリカの会場")
        yield ALIAS
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]
        if previous is not None:
            connections.settings[ALIAS] = previous
            connections[ALIAS] = mirror


def test_without_a_replica_the_router_answers_nothing(monkeypatch):
    """No ANALYTICS_DATABASE_URL: reads and writes go where Django would send them."""
    monkeypatch.delitem(connections.settings, ALIAS, raising=False)
    router = AnalyticsRouter()
    with reading():
        assert router.db_for_read(Venue) is None
    assert router.db_for_write(Venue) is None


def test_router_decisions_with_a_replica(replica):
    """Inside reading() reads go to the replica; writes and migrations never do."""
    router = AnalyticsRouter()
    assert router.db_for_read(Venue) is None
    with reading():
        assert router.db_for_read(Venue) == ALIAS
        assert router.db_for_write(Venue) == "default"
    assert router.db_for_write(Venue) == "default"
    assert router.allow_migrate(ALIAS, "classes") is False
    assert router.allow_migrate("default", "classes") is None


def test_a_mirror_of_default_is_read_as_default(db, monkeypatch):
    """Under the test runner the alias mirrors default: reads stay in the test's transaction."""
    monkeypatch.setitem(connections.settings, ALIAS, connections["default"].settings_dict)
    mirror = connections.create_connection("default")
    mirror.settings_dict = connections["default"].settings_dict
    monkeypatch.setattr(connections._connections, ALIAS, mirror, raising=False)
    with reading():
        assert AnalyticsRouter().db_for_read(Venue) is None


def test_reading_is_restored_after_nesting_and_errors():
    assert is_reading() is False
    with reading():
        with reading():
            assert is_reading() is True
        assert is_reading() is True
    assert is_reading() is False
    with pytest.raises(ZeroDivisionError), reading():
        1 / 0  # noqa: B018
    assert is_reading() is False


def test_reading_works_as_a_decorator():
    @reading()
    def inside() -> bool:
        return is_reading()

    assert inside() is True
    assert is_reading() is False


def test_queries_inside_reading_read_the_replica(replica):
    """The same query reads default outside the block and the replica inside it."""
    Venue.objects.create(name="本番の会場")
    assert list(Venue.objects.values_list("name", flat=True)) == ["本番の会場"]
    with reading():
        assert list(Venue.objects.values_list("name", flat=True)) == ["レプリカの会場"]
        # A write inside the block still goes to the primary.
        Venue.objects.create(name="書き込み")
    assert set(Venue.objects.values_list("name", flat=True)) == {"本番の会場", "書き込み"}
    assert list(Venue.objects.using(ALIAS).values_list("name", flat=True)) == ["レプリカの会場"]


def test_an_object_read_from_the_replica_saves_to_the_primary(replica):
    venue = Venue.objects.create(name="本番の会場")
    with reading():
        copy = Venue.objects.get(name="レプリカの会場")
    assert copy._state.db == ALIAS
    # A replica object may be related to a primary one (same rows on both).
    assert AnalyticsRouter().allow_relation(copy, venue) is True
    copy.pk = None
    copy.save()
    assert Venue.objects.filter(name="レプリカの会場").exists()
    assert Venue.objects.using(ALIAS).count() == 1


def test_settings_add_the_alias_from_analytics_database_url():
    """The URL is parsed like DATABASE_URL; in tests the alias mirrors default."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'dbs': s.DATABASES, 'routers': s.DATABASE_ROUTERS}, default=str))"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    env.update(
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="config.settings",
        ANALYTICS_DATABASE_URL="postgres://reader:pw@replica.internal:5433/toshima?sslmode=require",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    replica_db = found["dbs"][ALIAS]
    assert replica_db["ENGINE"] == "django.db.backends.postgresql"
    assert (replica_db["HOST"], replica_db["PORT"], replica_db["NAME"]) == (
        "replica.internal",
        "5433",
        "toshima",
    )
    assert replica_db["USER"] == "reader"
    assert replica_db["OPTIONS"] == {"sslmode": "require"}
    assert replica_db["TEST"]["MIRROR"] == "default"
    assert found["routers"] == ["analytics.routers.AnalyticsRouter"]

    env.pop("ANALYTICS_DATABASE_URL")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert ALIAS not in json.loads(result.stdout.strip().splitlines()[-1])["dbs"]
