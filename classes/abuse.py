"""Booking abuse: the one rate-limit policy for residents' channels, the honeypot, bursts.

Every channel a resident reaches calls ``check`` once per attempt, after its input is read
and before the service runs: the booking form and ``POST /api/sessions/{id}/bookings``
count under ``BOOKING``; the reference look-up on the booking pages, the cancel page and
``POST /api/bookings/{ref}/cancel`` under ``LOOKUP``. Each attempt counts against the client
address (``base.net.client_ip``) and, when the phone number can be read, against that
number, so a burst spread over many addresses is still limited per number. Web and API
share the counters. Counter and phone staff (窓口・電話) never pass through here.

The cap on live bookings per phone number is a booking rule, so it lives in
``classes.services.allocate_seat``; this module only reads bookings to find bursts for the
counter staff's 不審な申込 page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from base import ratelimit
from base.audit import log_action
from base.net import client_ip
from classes.availability import sessions_of
from classes.models import ClassSession, Registration
from classes.services import (
    RESIDENT_CHANNELS,
    BookingError,
    cancel_registration,
    format_phone,
    normalise_phone,
)

logger = logging.getLogger(__name__)

# The form field people never see; software that fills every field fills it.
HONEYPOT_FIELD = "website"
# Phone numbers that differ only in this many last digits form one pattern.
PHONE_PATTERN_DIGITS = 2
LIVE = (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)


@dataclass(frozen=True)
class Policy:
    """A kind of attempt and the settings that hold its limits per address and per phone."""

    scope: str
    address_setting: str
    phone_setting: str


BOOKING = Policy("booking", "CLASSES_BOOKING_RATE_LIMIT", "CLASSES_BOOKING_PHONE_RATE_LIMIT")
LOOKUP = Policy("lookup", "CLASSES_LOOKUP_RATE_LIMIT", "CLASSES_LOOKUP_PHONE_RATE_LIMIT")


class RateLimited(Exception):
    """Over a limit; ``wait`` is the number of seconds until the window ends."""

    def __init__(self, wait: int) -> None:
        self.wait = wait
        super().__init__(wait)


@lru_cache(maxsize=16)
def _rate(text: str) -> ratelimit.Rate:
    return ratelimit.parse_rate(text)


def rate_of(setting: str) -> ratelimit.Rate:
    return _rate(getattr(settings, setting))


def booking_rate() -> ratelimit.Rate:
    """Bookings per client address, web form and API together."""
    return rate_of(BOOKING.address_setting)


def validate_settings() -> None:
    """Fail at start-up rather than on the first booking when a limit is malformed."""
    for policy in (BOOKING, LOOKUP):
        rate_of(policy.address_setting)
        rate_of(policy.phone_setting)


def _keyed(purpose: str, value: str) -> str:
    """A keyed hash: the same value gives the same key, which reveals nothing without it."""
    return salted_hmac(f"classes.abuse.{purpose}", value, algorithm="sha256").hexdigest()


def client_hash(address: str) -> str:
    """What a booking stores of the client address: enough to group a burst, not the address."""
    return _keyed("client", address)


def request_client_hash(request: HttpRequest) -> str:
    return client_hash(client_ip(request))


def check(request: HttpRequest, policy: Policy, *, phone: str | None = None) -> None:
    """Count one attempt for the client address and the phone number; raise ``RateLimited``.

    The address is counted first; an attempt refused for its address does not count against
    the phone number. A phone number that cannot be read is not counted (the address is).
    """
    wait = ratelimit.hit(
        f"classes-{policy.scope}-address",
        _keyed("address", client_ip(request)),
        rate_of(policy.address_setting),
    )
    if wait is not None:
        raise RateLimited(wait)
    if phone is None:
        return
    try:
        digits = normalise_phone(phone)
    except BookingError:
        return
    wait = ratelimit.hit(
        f"classes-{policy.scope}-phone", _keyed("phone", digits), rate_of(policy.phone_setting)
    )
    if wait is not None:
        raise RateLimited(wait)


def caught_by_honeypot(request: HttpRequest, session: ClassSession) -> bool:
    """Whether the hidden field was filled; if so, record it in the log and the audit trail.

    A filled honeypot counts as a booking attempt of its address, so a robot that keeps
    sending leaves at most the address's booking limit of audit entries per window.
    """
    if not request.POST.get(HONEYPOT_FIELD, "").strip():
        return False
    try:
        check(request, BOOKING)
    except RateLimited:
        return True
    logger.warning("Booking form honeypot filled (session %s).", session.pk)
    log_action(
        "classes.booking.honeypot",
        user=None,
        obj=session,
        data={"client": request_client_hash(request)[:16]},
        request=request,
    )
    return True


# --- Bursts (不審な申込) --------------------------------------------------------------------


@dataclass
class SuspiciousGroup:
    """Resident bookings sharing an address or a phone pattern, each soon after the previous."""

    kind: str  # "address" or "phone"
    key: str
    registrations: list[Registration] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.registrations)

    @property
    def first_at(self) -> datetime:
        return self.registrations[0].created_at

    @property
    def last_at(self) -> datetime:
        return self.registrations[-1].created_at

    @property
    def label(self) -> str:
        if self.kind == "address":
            return _("同じ接続元から（識別記号 %(key)s）") % {"key": self.key[:8]}
        phones = {r.phone for r in self.registrations}
        if len(phones) == 1:
            return _("同じ電話番号 %(phone)s") % {"phone": format_phone(phones.pop())}
        shown = format_phone(self.registrations[0].phone)
        masked = shown[:-PHONE_PATTERN_DIGITS] + "×" * PHONE_PATTERN_DIGITS
        return _("末尾だけ違う電話番号 %(pattern)s") % {"pattern": masked}

    @property
    def sessions(self) -> list[ClassSession]:
        seen: dict[int, ClassSession] = {}
        for registration in self.registrations:
            for session in sessions_of(registration)[:1]:
                seen.setdefault(session.pk, session)
        return sorted(seen.values(), key=lambda s: s.starts_at)


def suspicious_groups(now: datetime | None = None) -> list[SuspiciousGroup]:
    """Bursts of live resident bookings: same address, same number or numbers alike.

    A booking joins a burst when it was made within ``CLASSES_SUSPICIOUS_WINDOW_MINUTES`` of
    the burst's previous booking; bursts of ``CLASSES_SUSPICIOUS_MIN_BOOKINGS`` or more made in
    the last ``CLASSES_SUSPICIOUS_DAYS`` days are returned, the latest first. Bookings by
    counter and phone staff are never part of one.
    """
    now = now or timezone.now()
    window = timedelta(minutes=settings.CLASSES_SUSPICIOUS_WINDOW_MINUTES)
    minimum = max(2, settings.CLASSES_SUSPICIOUS_MIN_BOOKINGS)
    bookings = (
        Registration.objects.filter(
            channel__in=RESIDENT_CHANNELS,
            status__in=LIVE,
            created_at__gte=now - timedelta(days=settings.CLASSES_SUSPICIOUS_DAYS),
        )
        .select_related("series", "session", "session__venue")
        .order_by("created_at", "pk")
    )
    by_key: dict[tuple[str, str], list[Registration]] = {}
    for registration in bookings:
        if registration.client_hash:
            by_key.setdefault(("address", registration.client_hash), []).append(registration)
        pattern = registration.phone[:-PHONE_PATTERN_DIGITS]
        by_key.setdefault(("phone", pattern), []).append(registration)
    groups: list[SuspiciousGroup] = []
    seen_members: set[frozenset[int]] = set()
    for (kind, key), members in by_key.items():
        burst: list[Registration] = []
        for registration in [*members, None]:
            if registration is not None and (
                not burst or registration.created_at - burst[-1].created_at <= window
            ):
                burst.append(registration)
                continue
            pks = frozenset(r.pk for r in burst)
            if len(burst) >= minimum and pks not in seen_members:
                seen_members.add(pks)
                groups.append(SuspiciousGroup(kind=kind, key=key, registrations=burst))
            burst = [registration] if registration is not None else []
    return sorted(groups, key=lambda g: g.last_at, reverse=True)


@dataclass
class BulkCancellation:
    cancelled: list[Registration] = field(default_factory=list)
    promoted: list[Registration] = field(default_factory=list)


def cancel_bookings(registrations: list[Registration], *, by=None) -> BulkCancellation:
    """Cancel each through ``cancel_registration``; freed seats go to the waiting as usual.

    Waiting bookings are cancelled first, so a freed seat never goes to a booking that is
    about to be cancelled too. Bookings already cancelled are skipped.
    """
    outcome = BulkCancellation()
    ordered = sorted(
        registrations,
        key=lambda r: (r.status != Registration.Status.WAITLISTED, r.created_at, r.pk),
    )
    for registration in ordered:
        try:
            promoted = cancel_registration(registration, by=by)
        except BookingError:
            continue
        outcome.cancelled.append(registration)
        if promoted is not None:
            outcome.promoted.append(promoted)
    return outcome
