"""Background work for classes: the outbox (mail and SMS) and the day-before reminders."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_mail(notification_pk: int) -> str:
    """Send one queued mail or SMS (enqueued after the booking's transaction commits)."""
    from classes.notifications import deliver

    return deliver(notification_pk)


@task()
def send_pending_mails() -> dict:
    """Send every queued mail and SMS that is due, retries included (``send_class_mails``)."""
    from classes.notifications import send_pending_mails as send

    return send()


@task()
def send_day_before_reminders(day_iso: str | None = None) -> dict:
    from datetime import date

    from classes.notifications import send_day_before_reminders as send

    return send(date.fromisoformat(day_iso) if day_iso else None)


@task()
def purge_personal_data() -> dict:
    """Anonymise personal detail past its retention (``manage.py purge_personal_data``)."""
    from base.retention import purge_personal_data as purge

    return purge()
