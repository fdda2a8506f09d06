"""Create the sessions of a class series at once, as the admin page "回をまとめて作成" does.

Example: every Tuesday 10:00–12:00, 4 times from 5 January 2027, skipping 12 January:

    python manage.py create_class_series --series 3 --venue 1 --first-date 2027-01-05 \\
        --start 10:00 --end 12:00 --count 4 --capacity 12 --skip 2027-01-12

Exit status 2 with a "日本語 / English" reason when the input is refused; nothing is created.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from classes.admin_views import WEEKDAYS, SeriesScheduleForm

REFUSED = 2
# Form field → the option that fills it.
OPTIONS = {
    "first_date": "--first-date",
    "start_time": "--start",
    "end_time": "--end",
    "trainers": "--trainer",
    "holidays": "--skip",
}


class Command(BaseCommand):
    help = (
        "教室の回をまとめて作成します（休みの日は飛ばします）。 / "
        "Create all sessions of a class series at once, skipping holidays."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--series", required=True, help="教室の ID / series id")
        parser.add_argument("--venue", required=True, help="会場の ID / venue id")
        parser.add_argument("--room", default="", help="部屋の ID（任意） / room id (optional)")
        parser.add_argument(
            "--first-date", required=True, help="初回の日付 YYYY-MM-DD / first date"
        )
        parser.add_argument("--start", required=True, help="開始時刻 HH:MM / start time")
        parser.add_argument("--end", required=True, help="終了時刻 HH:MM / end time")
        parser.add_argument("--count", required=True, help="回数 / number of sessions")
        parser.add_argument("--capacity", required=True, help="定員 / capacity")
        parser.add_argument(
            "--interval",
            type=int,
            choices=[7, 14],
            default=7,
            help="間隔（7 = 毎週、14 = 隔週） / days between sessions (7 or 14)",
        )
        parser.add_argument(
            "--trainer",
            action="append",
            default=[],
            help="講師のユーザー ID（複数可） / trainer user id (repeatable)",
        )
        parser.add_argument(
            "--skip",
            action="append",
            default=[],
            help="休みにする日（複数可） / holiday to skip (repeatable)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="日付を表示するだけで作成しない / list the dates, create nothing",
        )

    def handle(self, *args, **options) -> None:
        form = SeriesScheduleForm(
            {
                "series": options["series"],
                "venue": options["venue"],
                "room": options["room"],
                "first_date": options["first_date"],
                "start_time": options["start"],
                "end_time": options["end"],
                "count": options["count"],
                "interval": options["interval"],
                "capacity": options["capacity"],
                "trainers": options["trainer"],
                "holidays": "\n".join(options["skip"]),
            }
        )
        if not form.is_valid():
            for name, errors in form.errors.items():
                where = ""
                if name in form.fields:
                    where = f"{form.fields[name].label} ({OPTIONS.get(name, f'--{name}')}): "
                for error in errors:
                    self.stderr.write(f"{where}{error}")
            raise CommandError(
                "入力に誤りがあるため、何も作成しませんでした。 / "
                "The input has errors; nothing was created.",
                returncode=REFUSED,
            )
        plan = form.plan()
        data = form.cleaned_data
        self.stdout.write(
            f"{data['series'].title} @ {data['venue'].name}: "
            f"{plan.interval_label}{plan.weekday} {data['start_time']:%H:%M}-"
            f"{data['end_time']:%H:%M}"
        )
        for day in plan.skipped:
            self.stdout.write(f"  - {day.isoformat()} 休み / skipped")
        for session in plan.clashes:
            self.stdout.write(f"  ! 時間の重なる回 / overlaps: {session}")
        if plan.booked:
            self.stdout.write(
                f"  ! 全回まとめての申込が {plan.booked} 件あるため、新しい教室として作成します。"
                f" / The class has {plan.booked} whole-series bookings: a new class is created."
            )
        if options["dry_run"]:
            for day in plan.dates:
                self.stdout.write(f"  {day.isoformat()} ({WEEKDAYS[day.weekday()]})")
            self.stdout.write("試行のため、何も作成していません。 / Dry run: nothing was created.")
            return
        result = form.create_sessions()
        if result.new_series:
            self.stdout.write(f"新しい教室 / new class: id {result.series.pk}")
        for session in result.sessions:
            self.stdout.write(f"  + {timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}")
        self.stdout.write(
            f"{len(result.sessions)} 回を作成しました。 / Created {len(result.sessions)} sessions."
        )
