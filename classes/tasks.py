"""Background work for classes: mails about bookings, the day-before reminders."""

from __future__ import annotations

from django_tasks import task


@task()
def send_booking_mail(registration_pk: int, kind: str, session_pk: int | None = None) -> bool:
    from classes.notifications import send_booking_mail as send

    return send(registration_pk, kind, session_pk=session_pk)


@task()
def send_day_before_reminders(day_iso: str | None = None) -> dict:
    from datetime import date

    from classes.notifications import send_day_before_reminders as send

    return send(date.fromisoformat(day_iso) if day_iso else None)
