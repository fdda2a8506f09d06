"""Queue the mandatory-training reminders and the managers' weekly digest (default: today).

Meant for a daily timer (cron, systemd) in the morning. Running it twice the same day sends
nothing twice (``training.reminders``). ``--dry-run`` counts what would be sent, in this
process, and sends and records nothing.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from training.reminders import send_training_reminders
from training.tasks import send_training_reminders_task

REFUSED = 2


class Command(BaseCommand):
    help = (
        "必修研修の期限のお知らせと、管理職への週ごとの一覧を送ります。 / "
        "Send the mandatory-training reminders and the managers' weekly digest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            default="",
            help="基準日 YYYY-MM-DD（省略時は今日） / the day to send for (default: today)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="送らずに件数だけを表示します / count what would be sent, send nothing",
        )

    def handle(self, *args, **options) -> None:
        day = self._day(options["date"])
        if options["dry_run"]:
            summary = send_training_reminders(day, dry_run=True).as_dict()
            self._print(summary, prefix="（試行 / dry run）")
            return
        result = send_training_reminders_task.enqueue(day.isoformat())
        if not result.is_finished:
            self.stdout.write(
                f"{day.isoformat()} の研修のお知らせを登録しました（{result.id}）。 / "
                f"Queued the training reminders for {day.isoformat()} (task {result.id})."
            )
            return
        if result.errors:
            error = result.errors[-1]
            raise CommandError(
                f"お知らせを送れませんでした：{error.exception_class_path} / "
                f"Sending the reminders failed:\n{error.traceback}"
            )
        summary = result.return_value
        self._print(summary)
        if summary["failed"]:
            # Non-zero for the scheduler; the failed mails are tried again on the next run.
            raise CommandError(
                f"{summary['failed']} 通のメールを送れませんでした。 / "
                f"{summary['failed']} mails could not be sent."
            )

    def _print(self, summary: dict, prefix: str = "") -> None:
        self.stdout.write(
            f"{prefix}{summary['day']}: "
            f"お知らせ / reminders {summary['reminders_sent']}, "
            f"管理職への一覧 / digests {summary['digests_sent']}, "
            f"送信済み / already sent {summary['already_sent']}, "
            f"メールなし / no e-mail {summary['skipped_no_email']}, "
            f"失敗 / failed {summary['failed']}"
        )

    def _day(self, text: str) -> date:
        if not text:
            return timezone.localdate()
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise CommandError(
                f"日付を読めません：{text}（例：2026-10-01） / "
                f"Not a date: {text} (for example 2026-10-01)",
                returncode=REFUSED,
            ) from None
