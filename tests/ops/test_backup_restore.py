"""The documented backup procedure restores every booking, completion and user.

docs/operations.md "Backups": ``pg_dump --format=custom`` of the live database, restored with
``pg_restore`` into an empty one. This runs the same commands against the test database, so a
schema feature that a plain dump/restore would lose (a sequence, a constraint, a table outside
the migrations) fails here first. PostgreSQL only (CI's second pass sets DATABASE_URL).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from classes.models import Registration
from classes.services import allocate_seat
from tests.classes.factories import booking, make_session
from tests.training.training_support import complete, course_with_lesson, staff, tokyo

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
    ),
]


def _libpq_env() -> dict[str, str]:
    settings = connection.settings_dict
    env = dict(os.environ)
    for key, name in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if settings.get(name):
            env[key] = str(settings[name])
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    return env


def _connect(dbname: str) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=dbname,
        host=settings.get("HOST") or None,
        port=settings.get("PORT") or None,
        user=settings.get("USER") or None,
        password=settings.get("PASSWORD") or None,
        autocommit=True,
    )


def _rows(conn: psycopg.Connection, table: str, columns: str) -> list[tuple]:
    return conn.execute(f"SELECT {columns} FROM {table} ORDER BY id").fetchall()


@pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump is not installed")
@pytest.mark.django_db(transaction=True)
def test_pg_dump_and_restore_keep_every_booking_completion_and_user(tmp_path: Path):
    session = make_session(capacity=2)
    for n in range(1, 4):  # two confirmed, one waiting
        allocate_seat(session, booking(n), channel="web")
    course = course_with_lesson()
    learners = [staff() for _ in range(3)]
    for learner in learners:
        complete(learner, course, tokyo(2026, 5, 1))

    source = connection.settings_dict["NAME"]
    dump = tmp_path / "toshima_ict.dump"
    env = _libpq_env()
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source],
        check=True,
        env=env,
    )
    target = f"restore_{uuid.uuid4().hex[:12]}"
    with _connect("postgres") as admin:
        admin.execute(f'CREATE DATABASE "{target}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target}", str(dump)],
            check=True,
            env=env,
        )
        tables = {
            Registration._meta.db_table: "id, reference, status, seat, phone, name",
            "learning_coursecompletion": "id, user_id, course_id, completed_at, fiscal_year",
            "accounts_user": "id, email, password",
        }
        with _connect(source) as before, _connect(target) as after:
            for table, columns in tables.items():
                original = _rows(before, table, columns)
                assert original, f"{table} is empty: the test built nothing to restore"
                assert _rows(after, table, columns) == original, table
            # Sequences come back too: the next booking does not collide with a restored id.
            next_id = after.execute(
                f"SELECT nextval(pg_get_serial_sequence('{Registration._meta.db_table}', 'id'))"
            ).fetchone()[0]
            assert next_id > max(r[0] for r in _rows(after, Registration._meta.db_table, "id"))
    finally:
        with _connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
