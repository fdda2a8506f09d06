"""Send the class mails waiting in the outbox: new ones and failed ones whose retry is due.

Meant for a timer every few minutes (cron, systemd). Retry policy and the phone-list fallback:
``classes.notifications``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from classes.notifications import send_pending_mails


class Command(BaseCommand):
    help = (
        "送信待ちの教室のメール（再送を含む）を送ります。 / "
        "Send the queued class mails, retries included."
    )

    def handle(self, *args, **options) -> None:
        counts = send_pending_mails()
        self.stdout.write(
            f"送信 / sent {counts['sent']}, "
            f"再送待ち / retrying {counts['retrying']}, "
            f"送信できず要電話連絡へ / failed, phone worklist {counts['failed']}, "
            f"開催後のため破棄 / expired {counts['expired']}"
        )
