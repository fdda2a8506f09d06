"""Every model change has its migration: one edited without fails here, not in production."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command


def test_no_model_change_lacks_a_migration(db):
    out = StringIO()
    try:
        # --check exits non-zero when a migration is missing; --dry-run writes no file.
        call_command("makemigrations", "--check", "--dry-run", verbosity=1, stdout=out, stderr=out)
    except SystemExit as exit_:
        raise AssertionError(
            "Models changed without a migration; run `DEBUG=1 python manage.py makemigrations "
            f"<app>` and commit it:\n{out.getvalue()}"
        ) from exit_
