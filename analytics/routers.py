"""Dashboards may read from a PostgreSQL read replica (``ANALYTICS_DATABASE_URL``).

When the setting is given, ``config/settings.py`` adds the database alias ``analytics`` and
``AnalyticsRouter`` sends reads there, but only inside ``reading()``: the figures of a
dashboard, an open-data file or an export are computed in that block. Everything else — the
session, the signed-in user, the audit entry of a download, every write — stays on
``default``; so does every read outside the block, so a page never reads its own writes from a
replica that lags behind. Without the setting the router answers nothing and all goes to
``default``. The replica is never migrated: it is a copy of the primary.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connections

ALIAS = "analytics"

_reading: ContextVar[bool] = ContextVar("analytics_reading", default=False)


@contextmanager
def reading() -> Iterator[None]:
    """Route the reads in this block to the analytics replica (when there is one).

    Usable as a decorator too (``@reading()``). Nested blocks are fine; the previous state is
    restored on the way out, also after an exception.
    """
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def is_reading() -> bool:
    """Whether the code runs inside ``reading()``."""
    return _reading.get()


def replica_configured() -> bool:
    """Whether the alias ``analytics`` is configured (``ANALYTICS_DATABASE_URL`` was set).

    Under the test runner the alias mirrors ``default`` (``TEST: {"MIRROR": "default"}``): the
    same database, so reads stay on ``default`` itself, inside the test's transaction.
    """
    if ALIAS not in connections.settings:
        return False
    return connections[ALIAS].settings_dict != connections["default"].settings_dict


class AnalyticsRouter:
    """Reads inside ``reading()`` go to the replica; writes, migrations never do."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _reading.get() and replica_configured():
            return ALIAS
        return None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        # Never the replica: an object read from it is saved to the primary.
        return "default" if replica_configured() else None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the same rows as the primary: an object read from one may be
        # related to an object of the other.
        databases = {obj1._state.db, obj2._state.db}
        if databases <= {"default", ALIAS}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db == ALIAS:
            return False
        return None
