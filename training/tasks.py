"""Background work for mandatory training: the reminders and the managers' weekly digests."""

from __future__ import annotations

from django_tasks import task


@task()
def send_training_reminders_task(day_iso: str | None = None, dry_run: bool = False) -> dict:
    """Send the reminders due on ``day_iso`` (default: today, Tokyo); return the counts."""
    from datetime import date

    from training.reminders import send_training_reminders

    day = date.fromisoformat(day_iso) if day_iso else None
    return send_training_reminders(day, dry_run=dry_run).as_dict()
