"""Mail and phone-call worklist entries for bookings. Every mail is recorded once."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from base.site import help_phone
from classes.models import ClassSession, Notification, PhoneCall, Registration

logger = logging.getLogger(__name__)

MAIL_KINDS = ("booked", "promoted", "session_cancelled", "reminder")


def send_booking_mail(registration_pk: int, kind: str, *, session_pk: int | None = None) -> bool:
    """Send one kind of mail about a booking once; return whether it was sent now."""
    if kind not in MAIL_KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    registration = (
        Registration.objects.select_related("series", "session", "session__venue")
        .filter(pk=registration_pk)
        .first()
    )
    if registration is None or not registration.email:
        return False
    session = ClassSession.objects.select_related("venue").filter(pk=session_pk).first()
    try:
        with transaction.atomic():
            Notification.objects.create(registration=registration, session=session, kind=kind)
    except IntegrityError:
        return False  # already sent
    context = {
        "registration": registration,
        "session": session or registration.session,
        "sessions": _sessions_of(registration),
        "help_phone": help_phone(),
    }
    # Residents read Japanese; the mail does not follow the language of whoever triggered it.
    with translation.override("ja"):
        subject = render_to_string(f"classes/email/{kind}_subject.txt", context).strip()
        body = render_to_string(f"classes/email/{kind}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [registration.email])
    return True


def send_day_before_reminders(day: date | None = None) -> dict:
    """Remind everyone booked on sessions that start on ``day`` (default: tomorrow).

    E-mail where given; everyone else goes on the 要電話連絡 worklist. Idempotent.
    """
    day = day or (timezone.localdate() + timedelta(days=1))
    sessions = ClassSession.objects.filter(
        status=ClassSession.Status.SCHEDULED, starts_at__date=day
    ).select_related("series")
    mailed = listed = 0
    for session in sessions:
        registrations = Registration.objects.filter(
            Q(session=session) | Q(series=session.series_id, session__isnull=True),
            status=Registration.Status.CONFIRMED,
        )
        for registration in registrations:
            if registration.email:
                mailed += send_booking_mail(registration.pk, "reminder", session_pk=session.pk)
            else:
                _call, created = PhoneCall.objects.get_or_create(
                    registration=registration, session=session, reason=PhoneCall.Reason.REMINDER
                )
                listed += created
    return {"day": day.isoformat(), "sessions": len(sessions), "mailed": mailed, "listed": listed}


def _sessions_of(registration: Registration) -> list[ClassSession]:
    if registration.session_id:
        return [registration.session]
    return list(
        registration.series.sessions.filter(status=ClassSession.Status.SCHEDULED).select_related(
            "venue"
        )
    )
