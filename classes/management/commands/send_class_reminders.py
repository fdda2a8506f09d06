"""Queue the day-before reminders for one day's sessions (default: tomorrow).

E-mail goes to those who gave an address, an SMS to those without one who agreed to SMS on a
mobile number; everyone else is put on the 要電話連絡 worklist.
Running it twice sends nothing twice (``classes.notifications.send_day_before_reminders``).
Meant for a daily timer (cron, systemd) in the afternoon.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from classes.admin_views import parse_date_text
from classes.tasks import send_day_before_reminders

REFUSED = 2


class Command(BaseCommand):
    help = (
        "指定した日（省略時は明日）の教室の前日のお知らせを送ります。 / "
        "Send the day-before reminders for one day's sessions (default: tomorrow)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            default="",
            help="開催日 YYYY-MM-DD（省略時は明日） / day of the sessions (default: tomorrow)",
        )

    def handle(self, *args, **options) -> None:
        day = self._day(options["date"])
        result = send_day_before_reminders.enqueue(day.isoformat())
        if not result.is_finished:
            self.stdout.write(
                f"{day.isoformat()} のお知らせを登録しました（{result.id}）。 / "
                f"Queued the reminders for {day.isoformat()} (task {result.id})."
            )
            return
        if result.errors:
            error = result.errors[-1]
            raise CommandError(
                f"お知らせを送れませんでした：{error.exception_class_path} / "
                f"Sending the reminders failed:\n{error.traceback}"
            )
        summary = result.return_value
        self.stdout.write(
            f"{summary['day']}: 開催回 / sessions {summary['sessions']}, "
            f"メール / mailed {summary['mailed']}, "
            f"SMS / texted {summary.get('texted', 0)}, "
            f"要電話連絡に追加 / added to the phone worklist {summary['listed']}"
        )

    def _day(self, text: str) -> date:
        if not text:
            return timezone.localdate() + timedelta(days=1)
        day = parse_date_text(text)
        if day is None:
            raise CommandError(
                f"日付を読めません：{text}（例：2027-01-05） / "
                f"Not a date: {text} (for example 2027-01-05)",
                returncode=REFUSED,
            )
        return day
