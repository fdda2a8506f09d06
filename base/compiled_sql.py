"""Reads whose SQL is compiled once per process, then run with new values.

Django builds and compiles a queryset on every call. For reads made of many subqueries (a
booking's seat counts, a learner's training statuses, the training report's grouped counts)
that was more CPU than running the SQL.
Their SQL differs between calls only in a few parameter values, so the queryset is built once
per *shape* (everything else it is made of) with marker values, compiled, and each run puts its
values where the markers were. The queryset-building function stays the one definition of the
read; only SQL text, parameters and converters are kept here, never a row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.constants import OnConflict
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery
from django.utils import timezone


def _marker(n: int, value: Any) -> Any:
    """A value of the same type as ``value`` that no real read uses."""
    if isinstance(value, dt.datetime):
        return dt.datetime(1901, 2, 3, 4, 5, 6, 789000 + n, tzinfo=timezone.get_current_timezone())
    if isinstance(value, int):
        return -7_777_777_000 - n
    return f"\x1fmarker-{n}\x1f"


def _adapter(marker: Any, param: Any, connection) -> Callable[[Any], Any] | None:
    """How a value becomes the parameter ``param`` if ``param`` is ``marker``, else None."""
    if isinstance(marker, dt.datetime):
        if param == marker:
            return lambda value: value
        if param == connection.ops.adapt_datetimefield_value(marker):
            return connection.ops.adapt_datetimefield_value
        return None
    if type(param) is type(marker) and param == marker:
        return lambda value: value
    return None


class CompiledRead:
    """``build(*args, **values)`` → a ``.values()`` queryset; ``run`` executes it for its one
    row, ``rows`` for all of them.

    ``shape`` (hashable) must identify everything the SQL is made of besides ``values``: the
    database, vendor and current time zone are added to it. ``for_write``: read on the
    connection that writes ``model`` (inside a locking transaction, never a replica).
    At most ``max_shapes`` compiled statements are kept (they are cleared when full).
    """

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        model: type[Model],
        for_write: bool = False,
        max_shapes: int = 64,
    ) -> None:
        self.build = build
        self.model = model
        self.for_write = for_write
        self.max_shapes = max_shapes
        self.compiled: dict[tuple, tuple] = {}

    def _connection(self):
        route = router.db_for_write if self.for_write else router.db_for_read
        return connections[route(self.model)]

    def run(self, shape: Hashable, *args: Any, **values: Any) -> dict | None:
        """The row as a dict (None when there is none)."""
        rows = self._execute(shape, args, values, many=False)
        return rows[0] if rows else None

    def rows(self, shape: Hashable, *args: Any, **values: Any) -> list[dict]:
        """Every row, as dicts (for a read of several rows, e.g. grouped counts)."""
        return self._execute(shape, args, values, many=True)

    def _execute(self, shape: Hashable, args: tuple, values: dict, *, many: bool) -> list[dict]:
        connection = self._connection()
        key = (connection.alias, connection.vendor, timezone.get_current_timezone_name(), shape)
        compiled = self.compiled.get(key) or self._compile(key, connection, args, values)
        sql, params, slots, names, converters = compiled
        params = list(params)
        for index, (name, adapt) in slots.items():
            params[index] = adapt(values[name])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall() if many else [cursor.fetchone()]
        result = []
        for row in fetched:
            if row is None:
                continue
            if converters:
                row = list(row)
                for position, (functions, expression) in converters.items():
                    for function in functions:
                        row[position] = function(row[position], expression, connection)
            result.append(dict(zip(names, row, strict=True)))
        return result

    def _compile(self, key: tuple, connection, args: tuple, values: dict) -> tuple:
        markers = {name: _marker(n, value) for n, (name, value) in enumerate(values.items())}
        queryset = self.build(*args, **markers)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots = {}
        for index, param in enumerate(params):
            for name, marker in markers.items():
                adapt = _adapter(marker, param, connection)
                if adapt is not None:
                    slots[index] = (name, adapt)
        if {name for name, _adapt in slots.values()} != set(markers):
            raise RuntimeError(f"a value of {key[-1]!r} is not a parameter of its SQL")
        query = queryset.query
        # The columns' order: as values() named them (Query.selected), else fields first.
        names = (
            list(query.selected)
            if query.selected is not None
            else [*query.values_select, *query.annotation_select]
        )
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(fields)
        if len(self.compiled) >= self.max_shapes:
            self.compiled.clear()
        compiled = (sql, tuple(params), slots, names, converters)
        self.compiled[key] = compiled
        return compiled


class CompiledInsert:
    """The ``INSERT`` of one row of ``model``, compiled once per connection.

    ``Model.save()`` builds and compiles the statement on every call, which took a third of
    the CPU a booking spends inside its seat lock. Here each call only prepares the values
    the way ``save()`` does (related objects checked, each field's ``pre_save``, then its
    database preparation), runs the compiled SQL and sends the model's ``pre_save`` and
    ``post_save`` signals. Only plain value placeholders are supported; a field that needs
    its own is refused when compiling.

    ``upsert_on``: unique field names; the statement becomes ``INSERT ... ON CONFLICT (...)
    DO UPDATE`` of those fields, which creates the row or locks the existing one as an
    ``UPDATE`` does (``bulk_create(update_conflicts=True)``). No signal is sent and no
    primary key is read then, as with ``bulk_create``.
    """

    def __init__(self, model: type[Model], *, upsert_on: tuple[str, ...] = ()) -> None:
        self.model = model
        self.upsert_on = upsert_on
        self.compiled: dict[tuple, tuple] = {}

    def insert(self, obj: Model, *, using: str | None = None) -> None:
        """Insert ``obj`` (its primary key unset); sets its key and marks it saved."""
        model = self.model
        alias = using or router.db_for_write(model, instance=obj)
        connection = connections[alias]
        key = (alias, connection.vendor)
        sql, fields, returning = self.compiled.get(key) or self._compile(key, connection, obj)
        # As save() does: an unsaved related object is refused rather than stored as NULL.
        obj._prepare_related_fields_for_save(operation_name="save")
        signals = not self.upsert_on
        if signals:
            pre_save.send(sender=model, instance=obj, raw=False, using=alias, update_fields=None)
        params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if returning == "returning":
                obj.pk = cursor.fetchone()[0]
            elif returning == "last_insert_id":
                meta = model._meta
                obj.pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
        obj._state.adding = False
        obj._state.db = alias
        if signals:
            post_save.send(
                sender=model, instance=obj, created=True, update_fields=None, raw=False, using=alias
            )

    def _compile(self, key: tuple, connection, obj: Model) -> tuple:
        meta = self.model._meta
        if meta.db_returning_fields != [meta.pk]:
            raise RuntimeError(f"{meta.label}: only the primary key may come back from an insert")
        fields = [
            f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated
        ]
        options = {}
        if self.upsert_on:
            options = {
                "on_conflict": OnConflict.UPDATE,
                "update_fields": [meta.get_field(name) for name in self.upsert_on],
                "unique_fields": [meta.get_field(name) for name in self.upsert_on],
            }
        query = InsertQuery(self.model, **options)
        query.insert_values(fields, [obj])
        compiler = query.get_compiler(connection=connection)
        returning = None
        if not self.upsert_on:
            if connection.features.can_return_columns_from_insert:
                compiler.returning_fields = [meta.pk]
                returning = "returning"
            else:
                returning = "last_insert_id"
        [(sql, params)] = compiler.as_sql()
        # One plain placeholder per field, so each call's values can take the params' places.
        if sql.count("%s") != len(fields) or len(params) != len(fields):
            raise RuntimeError(f"{meta.label}: a field of the insert needs its own placeholder")
        compiled = (sql, fields, returning)
        self.compiled[key] = compiled
        return compiled
