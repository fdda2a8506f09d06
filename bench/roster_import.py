"""Benchmark the staff roster import: 10,000 rows across 60 departments on SQLite.

Run with ``.venv/bin/python bench/roster_import.py``. It uses a throwaway SQLite file, never
the project database, and prints one JSON object: the median seconds of three first imports
(every user created) and of three re-imports of the same file (nothing changes).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROWS = 10_000
DEPARTMENTS = 60
RUNS = 3


def roster_csv(rows: int, departments: int) -> bytes:
    lines = ["職員番号,氏名,氏名カナ,メールアドレス,所属コード,所属名,上位所属コード"]
    for n in range(1, rows + 1):
        section = n % departments
        division = section % 6
        lines.append(
            f"{100000 + n},豊島 職員{n},トシマ ショクイン{n},staff{n}@city.example.jp,"
            f"{division:02d}{section:02d},課{section},{division:02d}"
        )
    for division in range(6):
        lines.append(
            f"{900000 + division},部長 {division},ブチョウ {division},"
            f"head{division}@city.example.jp,{division:02d},部{division},"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="roster-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Department, User
    from accounts.roster import import_roster, parse_roster

    call_command("migrate", verbosity=0)
    # DEBUG keeps every query in memory; the benchmark measures the import, not that.
    connection.force_debug_cursor = False
    data = roster_csv(ROWS, DEPARTMENTS)

    def timed() -> tuple[float, object]:
        start = time.perf_counter()
        report = import_roster(parse_roster(data))
        return time.perf_counter() - start, report

    first, again = [], []
    try:
        for _run in range(RUNS):
            User.objects.filter(employee_number__isnull=False).delete()
            Department.objects.update(parent=None)
            Department.objects.all().delete()
            seconds, report = timed()
            assert report.created == ROWS + 6, report
            first.append(seconds)
            seconds, report = timed()
            assert report.unchanged == ROWS + 6 and report.updated == 0, report
            again.append(seconds)
    finally:
        connection.close()
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()

    print(
        json.dumps(
            {
                "rows": ROWS + 6,
                "departments": DEPARTMENTS + 6,
                "encoding": "cp932",
                "database": "sqlite",
                "runs": RUNS,
                "first_import_median_s": round(statistics.median(first), 3),
                "reimport_median_s": round(statistics.median(again), 3),
                "first_import_s": [round(s, 3) for s in first],
                "reimport_s": [round(s, 3) for s in again],
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
