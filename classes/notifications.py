"""Telling people about their bookings: the outbox (mail and SMS) and the 要電話連絡 worklist.

One rule (``notify``): someone with an e-mail address gets a mail (mail only, even if they
also agreed to SMS: it holds more, costs nothing, and one notice per step is enough); someone
without one who ticked SMS consent on a mobile number (``Registration.can_receive_sms``) gets
an SMS for a promotion, a cancelled session and the day-before reminder; everyone else goes on
the phone list. The notice is a ``Notification`` row (``channel`` mail or sms) written
``pending`` in the same transaction as the change it reports (booking, promotion, session
cancellation) or by the day-before job; sending happens after commit (``deliver``) and again
from the worker (``send_pending_mails``, ``manage.py send_class_mails``) for rows that are due.

Retry policy: a failed send keeps the row pending, counts the attempt, records the error's
class and SMTP or HTTP code (never the address, number or server text) and waits
``CLASSES_MAIL_RETRY_MINUTES`` × 2^(attempts − 1) before the next try. After
``CLASSES_MAIL_MAX_ATTEMPTS`` tries — or at once, for an SMS the provider refused for good
(``classes.sms.SmsError.temporary`` false) — the row becomes ``failed`` and the person goes on
the phone list, with the cause "メールを送れなかった" or "SMSを送れなかった". A row is sent at
most once; one still pending when its session has started is dropped (``failed``,
"expired"), since neither a notice nor a call helps then.

SMS texts (``sms_text``) fit one segment (70 characters): the class name, date and time, venue
and reference code; a long class name is shortened with "…" to fit. No links.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from base.site import help_phone
from classes.availability import sessions_of
from classes.models import ClassSession, Notification, PhoneCall, PhoneCallAttempt, Registration
from classes.sms import SEGMENT_UNITS, SmsError, SmsMessage, get_backend, ucs2_units

logger = logging.getLogger(__name__)

MAIL_KINDS = ("booked", "promoted", "session_cancelled", "reminder")
# What the phone call is about, per mail kind.
CALL_REASONS = {
    "booked": PhoneCall.Reason.BOOKED,
    "promoted": PhoneCall.Reason.PROMOTED,
    "session_cancelled": PhoneCall.Reason.SESSION_CANCELLED,
    "reminder": PhoneCall.Reason.REMINDER,
}
# Without an address, these go by SMS (with consent, to a mobile) or are phoned; a booking is
# confirmed in person (slip, screen).
PHONED_WITHOUT_EMAIL = frozenset({"promoted", "session_cancelled", "reminder"})
SMS_KINDS = PHONED_WITHOUT_EMAIL


def max_attempts() -> int:
    return max(1, int(getattr(settings, "CLASSES_MAIL_MAX_ATTEMPTS", 5)))


def retry_delay(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed ones: doubling from the base."""
    base = max(1, int(getattr(settings, "CLASSES_MAIL_RETRY_MINUTES", 10)))
    return timedelta(minutes=base * 2 ** max(0, attempts - 1))


# --- Recording (inside the caller's transaction) -----------------------------------------------


def notify(
    registration: Registration,
    kind: str,
    *,
    session: ClassSession | None = None,
    send_after_commit: bool = True,
    new_registration: bool = False,
) -> str:
    """Tell someone about their booking: queue a mail or an SMS, or put them on the phone list.

    Call it inside the transaction that makes the change. Returns "queued" (mail), "texted"
    (SMS queued), "listed", "already" (this step was recorded before) or "none".
    ``new_registration``: the registration was made in this transaction, so nothing can have
    been recorded for it yet (``queue_mail`` then needs no savepoint).
    """
    if kind not in MAIL_KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    if registration.email:
        channel, answer = Notification.Channel.MAIL, "queued"
    elif kind not in PHONED_WITHOUT_EMAIL:
        return "none"
    elif registration.can_receive_sms and kind in SMS_KINDS:
        channel, answer = Notification.Channel.SMS, "texted"
    else:
        channel = None
    if channel is not None:
        note = queue_mail(
            registration,
            kind,
            session=session,
            send_after_commit=send_after_commit,
            new_registration=new_registration,
            channel=channel,
        )
        return answer if note else "already"
    created = add_to_call_list(registration, kind, session=session)
    return "listed" if created else "already"


def queue_mail(
    registration: Registration,
    kind: str,
    *,
    session: ClassSession | None = None,
    send_after_commit: bool = True,
    new_registration: bool = False,
    channel: str = Notification.Channel.MAIL,
) -> Notification | None:
    """Write the pending row (once per step, mail or SMS) and send it after commit; None if
    it exists.

    The task backend sends it after commit: in a worker with ``TASK_BACKEND=database`` (the
    request only writes the task's row), in the request itself only with ``immediate``.
    """
    fields = {
        "registration": registration,
        "session": session,
        "kind": kind,
        "channel": channel,
        "next_attempt_at": timezone.now(),
    }
    if new_registration:
        # No row of this step can exist for a registration this transaction made: the
        # savepoint that catches a repeat (two more statements) is not needed.
        note = Notification.objects.create(**fields)
    else:
        try:
            with transaction.atomic():
                note = Notification.objects.create(**fields)
        except IntegrityError:
            return None
    if send_after_commit:
        transaction.on_commit(lambda: _deliver_after_commit(note.pk))
    return note


def add_to_call_list(
    registration: Registration,
    kind: str,
    *,
    session: ClassSession | None = None,
    cause: str = PhoneCall.Cause.NO_EMAIL,
) -> bool:
    """Put the person on the 要電話連絡 list for this step; False if already there."""
    _call, created = PhoneCall.objects.get_or_create(
        registration=registration,
        session=session,
        reason=CALL_REASONS[kind],
        defaults={"cause": cause},
    )
    return created


def _deliver_after_commit(notification_pk: int) -> None:
    """Hand the row to the task backend; a failure here must not reach the booking request."""
    from classes.tasks import deliver_mail

    try:
        deliver_mail.enqueue(notification_pk)
    except Exception:  # the worker's next run picks the row up
        logger.exception("Could not hand mail %s to the task backend.", notification_pk)


# --- Sending (the worker) ---------------------------------------------------------------------


def deliver(notification_pk: int, *, now: datetime | None = None) -> str:
    """Send one pending mail if it is due: "sent", "retrying", "failed" or "skipped".

    The row is locked while sending, so two workers never send it twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_pk, status=Notification.Status.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .first()
        )
        if note is None:
            return "skipped"
        registration = (
            Registration.objects.select_related("series", "session", "session__venue")
            .filter(pk=note.registration_id)
            .first()
        )
        if _too_late(note, registration, now):
            note.status = Notification.Status.FAILED
            note.last_error = "expired"
            note.next_attempt_at = None
            note.save(update_fields=["status", "last_error", "next_attempt_at"])
            return "expired"
        try:
            if note.channel == Notification.Channel.SMS:
                if not registration.can_receive_sms:
                    raise _NoAddress
                _send_sms(note, registration)
            else:
                if not registration.email:
                    raise _NoAddress
                _send(note, registration)
        except Exception as exc:
            return _record_failure(note, registration, exc, now)
        note.status = Notification.Status.SENT
        note.sent_at = now
        note.attempts += 1
        note.last_error = ""
        note.next_attempt_at = None
        note.save(update_fields=["status", "sent_at", "attempts", "last_error", "next_attempt_at"])
    return "sent"


def send_pending_mails(*, now: datetime | None = None, limit: int = 500) -> dict:
    """Send every pending mail that is due (the worker's periodic run)."""
    now = now or timezone.now()
    due = list(
        Notification.objects.filter(status=Notification.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"sent": 0, "retrying": 0, "failed": 0, "expired": 0}
    for pk in due:
        outcome = deliver(pk, now=now)
        if outcome in counts:
            counts[outcome] += 1
    return counts


def _too_late(note: Notification, registration: Registration, now: datetime) -> bool:
    """A mail about a session that has started is no use any more (nor is a phone call)."""
    session = note.session if note.session_id else registration.session
    return session is not None and session.starts_at <= now


class _NoAddress(Exception):
    """The address (or the SMS consent or mobile number) was removed after queueing."""


def _send(note: Notification, registration: Registration) -> None:
    session = (
        ClassSession.objects.select_related("venue").filter(pk=note.session_id).first()
        if note.session_id
        else None
    )
    context = {
        "registration": registration,
        "session": session or registration.session,
        "sessions": sessions_of(registration),
        "help_phone": help_phone(),
    }
    # Residents read Japanese; the mail does not follow the language of whoever triggered it.
    with translation.override("ja"):
        subject = render_to_string(f"classes/email/{note.kind}_subject.txt", context).strip()
        body = render_to_string(f"classes/email/{note.kind}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [registration.email])


def _send_sms(note: Notification, registration: Registration) -> None:
    session = (
        ClassSession.objects.select_related("series", "venue").filter(pk=note.session_id).first()
        if note.session_id
        else None
    )
    body = sms_text(note.kind, registration, session)
    get_backend().send_messages([SmsMessage(to=registration.phone, body=body)])


SMS_PREFIX = "【豊島区スマホ教室】"
SMS_LEADS = {
    "reminder": "明日",
    "promoted": "繰り上げで予約確定。",
    "session_cancelled": "次の回は中止です。",
}
_WEEKDAYS = "月火水木金土日"


def sms_when(session: ClassSession) -> str:
    """ "12/5(土)10:00": short date and time for an SMS."""
    local = timezone.localtime(session.starts_at)
    return f"{local.month}/{local.day}({_WEEKDAYS[local.weekday()]}){local:%H:%M}"


def sms_text(kind: str, registration: Registration, session: ClassSession | None = None) -> str:
    """The SMS for one step: one segment (70 characters) with class, date/time, venue, code.

    The class name is shortened with "…" when the whole would not fit; the other parts never
    are. No link: a URL with a reference code would put personal data in a text message.
    """
    if session is None:
        upcoming = [s for s in sessions_of(registration) if not s.is_cancelled]
        session = upcoming[0] if upcoming else registration.session
    more = "ほか" if registration.session_id is None and kind != "session_cancelled" else ""
    when = f"{sms_when(session)}{more} " if session else ""
    venue = f"{session.venue.name} " if session else ""
    code = f"受付番号{registration.reference}"
    title = registration.series.title
    lead = SMS_LEADS[kind]
    fixed = f"{SMS_PREFIX}{lead}{when}{venue} {code}"
    room = SEGMENT_UNITS - ucs2_units(fixed)
    if ucs2_units(title) > room:
        title = _shorten(title, max(room, 2))
    return f"{SMS_PREFIX}{lead}{when}{title} {venue}{code}"


def _shorten(text: str, units: int) -> str:
    out = ""
    for char in text:
        if ucs2_units(out + char) > units - 1:
            break
        out += char
    return out + "…"


def _record_failure(
    note: Notification, registration: Registration, exc: Exception, now: datetime
) -> str:
    note.attempts += 1
    note.last_error = describe_error(exc)
    permanent = isinstance(exc, _NoAddress) or (isinstance(exc, SmsError) and not exc.temporary)
    last = note.attempts >= max_attempts() or permanent
    if last:
        note.status = Notification.Status.FAILED
        note.next_attempt_at = None
        add_to_call_list(
            registration,
            note.kind,
            session=note.session if note.kind != "promoted" else registration.session,
            cause=PhoneCall.Cause.SMS_FAILED
            if note.channel == Notification.Channel.SMS
            else PhoneCall.Cause.MAIL_FAILED,
        )
    else:
        note.next_attempt_at = now + retry_delay(note.attempts)
    note.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
    logger.warning(
        "Class %s %s (%s) failed, attempt %s: %s",
        note.channel,
        note.pk,
        note.kind,
        note.attempts,
        note.last_error,
    )
    return "failed" if last else "retrying"


def describe_error(exc: Exception) -> str:
    """The error's class and SMTP or HTTP code: server texts may quote the address, so never
    them; an SMS error says whether it was temporary."""
    text = type(exc).__name__
    if isinstance(exc, SmsError):
        kind = "temporary" if exc.temporary else "permanent"
        return f"{text} {kind} {exc.code}".strip()[:200]
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(c) for c, _msg in exc.recipients.values()})
        code = ",".join(codes) or None
    return f"{text} {code}"[:200] if code else text[:200]


# --- Day-before reminders ------------------------------------------------------------------------


def send_day_before_reminders(day: date | None = None) -> dict:
    """Remind everyone booked on sessions that start on ``day`` (default: tomorrow).

    E-mail where given, else SMS with consent on a mobile number; everyone else goes on the
    要電話連絡 worklist. Idempotent: each reminder is one outbox row, sent here and, if that
    fails, by the worker's next runs.
    """
    day = day or (timezone.localdate() + timedelta(days=1))
    sessions = ClassSession.objects.scheduled().filter(starts_at__date=day).select_related("series")
    mailed = texted = listed = 0
    for session in sessions:
        registrations = Registration.objects.holding_seat_in(session)
        for registration in registrations:
            outcome = notify(registration, "reminder", session=session, send_after_commit=False)
            listed += outcome == "listed"
        queued = Notification.objects.filter(
            session=session, kind="reminder", status=Notification.Status.PENDING
        ).values_list("pk", "channel")
        for pk, channel in list(queued):
            if deliver(pk) == "sent":
                mailed += channel == Notification.Channel.MAIL
                texted += channel == Notification.Channel.SMS
    return {
        "day": day.isoformat(),
        "sessions": len(sessions),
        "mailed": mailed,
        "texted": texted,
        "listed": listed,
    }


# --- Phone calls (要電話連絡) --------------------------------------------------------------------

# A 不在 call is tried again after this long unless the caller picks a time.
DEFAULT_RETRY_AFTER = timedelta(hours=2)
CLOSING_OUTCOMES = frozenset({PhoneCall.Outcome.REACHED, PhoneCall.Outcome.MESSAGE})


def record_call_outcome(
    call: PhoneCall,
    outcome: str,
    *,
    by=None,
    retry_at: datetime | None = None,
    note: str = "",
    now: datetime | None = None,
) -> PhoneCallAttempt | None:
    """Record one try at a call: 連絡済み or 伝言を残した close it, 不在 sets the time to call
    again (``retry_at``, default in two hours) and keeps it open.

    Each try is a ``PhoneCallAttempt`` (who, when, outcome). A call already closed stays as it
    was — its first closing time and caller are kept — and None is returned; a note given
    then is still kept. The caller audits (``classes.call.<outcome>``).
    """
    if outcome not in PhoneCall.Outcome.values:
        raise ValueError(f"unknown call outcome {outcome!r}")
    now = now or timezone.now()
    note = " ".join((note or "").split())[:200]
    with transaction.atomic():
        locked = PhoneCall.objects.select_for_update().get(pk=call.pk)
        fields: list[str] = []
        attempt = None
        if locked.done_at is None:
            if outcome == PhoneCall.Outcome.NO_ANSWER:
                locked.retry_at = retry_at or now + DEFAULT_RETRY_AFTER
            else:
                locked.done_at = now
                locked.done_by = by
                locked.retry_at = None
                fields += ["done_at", "done_by"]
            locked.outcome = outcome
            fields += ["outcome", "retry_at"]
            attempt = PhoneCallAttempt.objects.create(
                call=locked,
                outcome=outcome,
                called_at=now,
                called_by=by,
                retry_at=locked.retry_at,
            )
        if note:
            locked.note = note
            fields.append("note")
        if fields:
            locked.save(update_fields=fields)
    call.refresh_from_db()
    return attempt
