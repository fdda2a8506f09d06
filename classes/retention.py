"""Retention of residents' personal detail in class bookings (``base.retention`` runs it).

``RESIDENT_DATA_RETENTION_DAYS`` after a booking's class ended (its session's end; for a
whole-series booking, the series' last session; with no session, the booking's date) the
booking loses name, kana, phone number, e-mail address and the hash of the client address;
its phone calls lose their notes; the number's booking lock goes once no kept booking uses the
number; and audit entries about it show its reference instead of the name.

Kept, because analytics counts them and they no longer point at a person: status, seat, dates,
channel, device, loaner wish, the age band (six bands, needed for the 65+ reach of the
digital-divide indicators) and the 町名 (one of the ward's 20 towns or 区外, the reach's unit;
anything else typed through the API is dropped), attendance and skill checks. The person key
is already a keyed hash (``classes.keys``), so distinct counts are the same before and after.

Sent and failed mails' outbox rows (``Notification``: kind, status, times) are deleted
``NOTIFICATION_RETENTION_DAYS`` after they were written; the mail's text and address were never
stored, pending ones are never deleted.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BigIntegerField,
    Case,
    DateTimeField,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import AuditEntry
from base.retention import in_batches, register_purge
from classes.choices import OUTSIDE_WARD, TOSHIMA_AREAS
from classes.keys import is_hashed_person_key, person_key_hash, phone_lock_hash
from classes.models import ClassSession, Notification, PhoneBookingLock, PhoneCall, Registration

KEPT_AREAS = frozenset([*TOSHIMA_AREAS, OUTSIDE_WARD])


def class_end() -> Coalesce:
    """When a booking's class ended: its session's end, else its series' last session's."""
    last_of_series = (
        ClassSession.objects.filter(series=OuterRef("series"))
        .order_by()
        .values("series")
        .annotate(last=Max("ends_at"))
        .values("last")
    )
    return Coalesce(
        Case(
            When(session__isnull=False, then=F("session__ends_at")),
            default=Subquery(last_of_series, output_field=DateTimeField()),
            output_field=DateTimeField(),
        ),
        F("created_at"),
    )


def registrations_past_retention(cutoff: datetime) -> QuerySet:
    """Bookings not yet anonymised whose class ended before ``cutoff``."""
    return (
        Registration.objects.filter(anonymised_at__isnull=True)
        .alias(class_end=class_end())
        .filter(class_end__lt=cutoff)
    )


def purge_registrations(cutoff: datetime, dry_run: bool, batch_size: int) -> int:
    bookings = registrations_past_retention(cutoff)
    if dry_run:
        return bookings.count()
    return in_batches(bookings, batch_size, _anonymise_registrations)


def _anonymise_registrations(pks: list[int]) -> None:
    now = timezone.now()
    rows = list(Registration.objects.filter(pk__in=pks))
    phones = {row.phone for row in rows if row.phone}
    for row in rows:
        row.name = row.name_kana = row.phone = row.email = row.client_hash = ""
        if row.area not in KEPT_AREAS:
            row.area = ""
        if not is_hashed_person_key(row.person_key):
            row.person_key = person_key_hash(row.person_key)
        row.anonymised_at = now
    Registration.objects.bulk_update(
        rows,
        ["name", "name_kana", "phone", "email", "client_hash", "area", "person_key"]
        + ["anonymised_at"],
    )
    PhoneCall.objects.filter(registration__in=pks).exclude(note="").update(note="")
    still_used = set(
        Registration.objects.filter(phone__in=phones).values_list("phone", flat=True).distinct()
    )
    PhoneBookingLock.objects.filter(
        phone_hash__in=[phone_lock_hash(phone) for phone in phones - still_used]
    ).delete()
    # Audit entries about these bookings show the reference, no longer the name.
    reference = Registration.objects.filter(
        pk=Cast(OuterRef("object_id"), BigIntegerField())
    ).values("reference")[:1]
    AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Registration),
        object_id__in=[str(pk) for pk in pks],
    ).update(object_repr=Subquery(reference))


def purge_notifications(cutoff: datetime, dry_run: bool, batch_size: int) -> int:
    done = Notification.objects.filter(
        ~Q(status=Notification.Status.PENDING), created_at__lt=cutoff
    )
    if dry_run:
        return done.count()

    def apply(pks: list[int]) -> None:
        Notification.objects.filter(pk__in=pks).delete()

    return in_batches(done, batch_size, apply)


register_purge(
    "classes.registrations",
    _("教室の申込（氏名・ふりがな・電話番号・メールアドレス）"),
    "RESIDENT_DATA_RETENTION_DAYS",
    purge_registrations,
)
register_purge(
    "classes.notifications",
    _("教室のメール送信記録"),
    "NOTIFICATION_RETENTION_DAYS",
    purge_notifications,
)
