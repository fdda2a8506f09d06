"""manage.py purge_personal_data [--dry-run]: anonymise personal detail past its retention."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from base.retention import purge_personal_data, registered_purges


class Command(BaseCommand):
    help = (
        "保存期間を過ぎた個人情報（教室の申込、操作記録、メール送信記録、xAPI）を消去します。"
        "--dry-run では件数だけを表示し、何も変えません。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="件数を表示するだけで、何も変えません。"
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        counts = purge_personal_data(dry_run=dry_run)
        for purge in registered_purges():
            self.stdout.write(
                f"{purge.code}\t{counts[purge.code]}\t"
                f"({purge.label}, {purge.setting}={purge.days()})"
            )
        total = sum(counts.values())
        if dry_run:
            self.stdout.write(self.style.WARNING(f"dry run: {total} 件が対象です（変更なし）。"))
        else:
            self.stdout.write(self.style.SUCCESS(f"{total} 件を消去しました。"))
