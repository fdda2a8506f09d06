"""Import the staff roster from a CSV file; the rules live in ``accounts.roster``.

Exit status 0 on success, 2 when the import is refused (unreadable file, missing columns, or
rows with errors without ``--skip-invalid``); the reasons go to standard error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.roster import (
    RosterError,
    RosterImportReport,
    RowError,
    import_roster,
    parse_roster,
    summary_lines,
)

REFUSED = 2
STAGES = {"validate": "検証中 / validating", "write": "書き込み中 / writing"}


def bilingual(render: Callable[[], str]) -> str:
    """Render a message in Japanese, then in English: "日本語 / English"."""
    with translation.override("ja"):
        japanese = str(render())
    with translation.override("en"):
        english = str(render())
    return japanese if japanese == english else f"{japanese} / {english}"


class Command(BaseCommand):
    help = (
        "職員名簿（CSV、UTF-8 または Shift_JIS）を取り込みます。 / "
        "Import the staff roster (CSV, UTF-8 or Shift_JIS)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", help="CSV ファイル（- で標準入力） / CSV file (- for standard input)"
        )
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help=(
                "職員番号があり名簿にない利用者を無効にする / "
                "deactivate users with an employee number who are not in the file"
            ),
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="誤りのある行を飛ばして残りを取り込む / import the valid rows, report the rest",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="検証と件数の表示だけで、書き込まない / validate and count, write nothing",
        )

    def handle(self, *args, **options) -> None:
        data = self._read(options["file"])
        progress = self._progress if options["verbosity"] >= 1 else None
        try:
            parsed = parse_roster(data, progress=progress)
            report = import_roster(
                parsed,
                deactivate_missing=options["deactivate_missing"],
                skip_invalid=options["skip_invalid"],
                dry_run=options["dry_run"],
                progress=progress,
            )
        except RosterError as exc:
            self._write_errors(exc.errors)
            raise CommandError(bilingual(exc.__str__), returncode=REFUSED) from None
        self._write_errors(report.errors)
        self._write_summary(report)

    def _read(self, name: str) -> bytes:
        if name == "-":
            return sys.stdin.buffer.read()
        try:
            return Path(name).read_bytes()
        except OSError as exc:
            raise CommandError(
                f"ファイルを開けません：{name}（{exc.strerror}） / "
                f"Cannot open {name}: {exc.strerror}",
                returncode=REFUSED,
            ) from None

    def _progress(self, stage: str, done: int, total: int) -> None:
        percent = done * 100 // total if total else 100
        self.stderr.write(f"{STAGES.get(stage, stage)}: {done}/{total} ({percent}%)")

    def _write_errors(self, errors: list[RowError]) -> None:
        for error in errors:
            self.stderr.write(bilingual(partial(_row_message, error)))

    def _write_summary(self, report: RosterImportReport) -> None:
        self.stdout.write(f"文字コード / encoding: {report.encoding}")
        self.stdout.write(f"行数 / rows: {report.total_rows}")
        for label, count in summary_lines(report):
            # The labels are lazy: each str() renders them in the active language.
            self.stdout.write(f"{bilingual(partial(str, label))}: {count}")
        if report.dry_run:
            self.stdout.write(
                "試行のため、何も書き込んでいません。 / Dry run: nothing was written."
            )


def _row_message(error: RowError) -> str:
    return _("%(line)s 行目：%(message)s") % {"line": error.line, "message": error.message}
