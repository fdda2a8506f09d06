"""Import population by 町丁目 and age; the rules live in ``analytics.population``.

Exit status 0 on success, 2 when the file is refused (unreadable, no place or age columns,
bad rows, figures of that date already loaded without ``--replace``); nothing is written then,
and the reasons go to standard error in Japanese and English.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.population import (
    PopulationImportError,
    PopulationImportReport,
    RowError,
    import_population,
)

REFUSED = 2


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"基準日「{value}」は YYYY-MM-DD の形で指定してください。 / "
            f"--as-of {value!r} must be a date as YYYY-MM-DD.",
            returncode=REFUSED,
        ) from None


class Command(BaseCommand):
    help = (
        "町丁別・年齢別人口の CSV を取り込みます（すべての行が正しいときだけ書き込みます）。 / "
        "Import population by 町丁目 and age band from a CSV (all or nothing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV ファイル（UTF-8 または CP932） / CSV file")
        parser.add_argument(
            "--as-of",
            help="基準日 YYYY-MM-DD（ファイルの「基準日」列より優先） / reference date",
        )
        parser.add_argument("--source", default="", help="出典 / source")
        parser.add_argument("--licence", default="", help="利用条件 / licence")
        parser.add_argument(
            "--note",
            default="",
            help="基準日の注記（例：2016年ごろ・出典未確認） / note on the date shown on screens",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="同じ基準日の数字を置き換える / replace the figures of the same date",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="検証と件数の表示だけで、書き込まない / validate and count, write nothing",
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        as_of = _date(options["as_of"]) if options["as_of"] else None
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                f"ファイルを開けません：{path}（{exc.strerror}） / "
                f"Cannot open {path}: {exc.strerror}",
                returncode=REFUSED,
            ) from None
        try:
            report = import_population(
                data,
                as_of=as_of,
                source=options["source"] or f"町丁別・年齢別人口（{path.name}）",
                licence=options["licence"],
                note=options["note"],
                replace=options["replace"],
                dry_run=options["dry_run"],
            )
        except PopulationImportError as exc:
            self._write_errors(exc.errors)
            raise CommandError(f"{exc.message} / {exc.english}", returncode=REFUSED) from None
        self._write_summary(report)

    def _write_errors(self, errors: list[RowError]) -> None:
        for error in errors:
            self.stderr.write(str(error))

    def _write_summary(self, report: PopulationImportReport) -> None:
        out = self.stdout.write
        out(f"文字コード / encoding: {report.encoding}")
        out(f"基準日 / as of: {report.as_of}")
        out(f"データ行 / rows: {report.total_rows}")
        out(f"町名 / towns: {report.towns}  町丁目 / places: {report.places}")
        out(f"年齢区分 / age bands: {'、'.join(report.bands)}")
        if report.subtotal_bands:
            out(f"小計として除外 / subtotals left out: {'、'.join(report.subtotal_bands)}")
        if report.skipped_totals:
            out(f"合計の行（除外） / total rows left out: {report.skipped_totals}")
        out(f"件数 / figures: {report.figures}  人口 / population: {report.population:,}")
        if report.replaced:
            out(f"置き換えた件数 / replaced: {report.replaced}")
        if report.dry_run:
            out("試行のため、何も書き込んでいません。 / Dry run: nothing was written.")
