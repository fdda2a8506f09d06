"""Import 区民ひろば venues from a 公共施設一覧 CSV or the project's compiled list
(classes/data/toshima_kumin_hiroba_full.csv); the rules live in ``classes.venue_import``.

Exit status 0 on success, 2 when the import is refused (unreadable file, no 名称 column, or
bad rows without ``--skip-invalid``); the reasons go to standard error.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from classes.venue_import import RowError, VenueImportError, VenueImportReport, import_venues

REFUSED = 2


class Command(BaseCommand):
    help = (
        "公共施設一覧（推奨データセット、CSV）から区民ひろばを会場として取り込みます。 / "
        "Import 区民ひろば venues from a public-facility list (national open-data CSV)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV ファイル（UTF-8 または CP932） / CSV file")
        parser.add_argument(
            "--include-temporary",
            action="store_true",
            help=(
                "仮施設も（利用停止として）取り込む / also import temporary sites "
                "(名称 containing 仮施設), as inactive venues"
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
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                f"ファイルを開けません：{path}（{exc.strerror}） / "
                f"Cannot open {path}: {exc.strerror}",
                returncode=REFUSED,
            ) from None
        try:
            report = import_venues(
                data,
                include_temporary=options["include_temporary"],
                skip_invalid=options["skip_invalid"],
                dry_run=options["dry_run"],
                audit="command",
            )
        except VenueImportError as exc:
            self._write_errors(exc.errors)
            raise CommandError(f"{exc.message} / {exc.english}", returncode=REFUSED) from None
        self._write_errors(report.errors)
        self._write_summary(report)

    def _write_errors(self, errors: list[RowError]) -> None:
        for error in errors:
            self.stderr.write(
                f"{error.line} 行目：{error.message} / line {error.line}: {error.english}"
            )

    def _write_summary(self, report: VenueImportReport) -> None:
        out = self.stdout.write
        out(f"文字コード / encoding: {report.encoding}")
        out(f"データ行 / rows: {report.total_rows}")
        out(f"新規 / created: {len(report.created)}")
        for name in report.created:
            out(f"  + {name}")
        out(f"更新 / updated: {len(report.updated)}")
        for name in report.updated:
            out(f"  * {name}")
        out(f"変更なし / unchanged: {len(report.unchanged)}")
        out(f"対象外 / skipped: {report.skipped}")
        out(f"  区民ひろば以外 / not a 区民ひろば: {report.skipped_other}")
        out(f"  仮施設 / temporary sites: {len(report.skipped_temporary)}")
        for name in report.skipped_temporary:
            out(f"    - {name}")
        out(f"  旧施設 / former sites: {len(report.skipped_former)}")
        for name in report.skipped_former:
            out(f"    - {name}")
        if report.errors:
            out(f"  誤りのある行 / rows with errors: {len({e.line for e in report.errors})}")
        if report.dry_run:
            out("試行のため、何も書き込んでいません。 / Dry run: nothing was written.")
