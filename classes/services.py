"""Booking rules for smartphone classes: the one place that gives out and frees seats.

Every channel (public form, staff form, API) books through ``allocate_seat`` and cancels through
``cancel_registration``; the admin changes a capacity through ``change_capacity`` and cancels
a session through ``cancel_session``. Each takes a row lock on the session (or series) it
books, counts and writes inside one durable transaction; on SQLite the ``IMMEDIATE``
transaction mode gives the same serialisation. Mails are queued in that transaction
(``classes.notifications.notify``) and sent after commit. Whether a class can be booked is
``classes.availability.bookability``, asked again here under the lock.
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import (
    IntegrityError,
    OperationalError,
    models,
    router,
    transaction,
)
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.audit import log_action
from base.compiled_sql import CompiledInsert, CompiledRead
from classes.availability import CLOSED_REASONS, availability, bookability, seat_capacity
from classes.availability import booking_target as booking_target
from classes.keys import person_key_hash, phone_lock_hash
from classes.listing_cache import invalidate_class_lists
from classes.models import (
    Attendance,
    ClassSeries,
    ClassSession,
    PhoneBookingLock,
    PhoneCall,
    Registration,
    Room,
    SeatNumbers,
    Venue,
    count_subquery,
)
from classes.notifications import notify, record_call_outcome
from classes.sms import is_mobile_number

logger = logging.getLogger(__name__)

# Upper-case letters and digits that are hard to confuse when read aloud or handwritten:
# no 0/O/D/Q, 1/I/L/T, 2/Z, 5/S, 8/B, U/V.
REFERENCE_ALPHABET = "ACEFGHJKMNPRWXY34679"
REFERENCE_LENGTH = 6
# Transactions tried with a new reference code when the code drawn was already taken.
REFERENCE_ATTEMPTS = 5
LATE_AFTER = timedelta(minutes=10)
# Channels a resident uses alone; the cap on live bookings per phone number applies to them.
# Counter and phone staff (窓口・電話) may book beyond it, e.g. a care manager for a family.
RESIDENT_CHANNELS = frozenset({Registration.Channel.WEB, Registration.Channel.API})

error_messages = {
    "phone_invalid": _(
        "電話番号は、市外局番から10けたか11けたの数字で入力してください（例：03-3981-1111）。"
    ),
    "email_invalid": _("メールアドレスの形式が正しくありません。"),
    "kana_invalid": _("ふりがなは ひらがな か カタカナ で入力してください。"),
    "sms_not_mobile": _(
        "SMSでのお知らせは、070・080・090 で始まる携帯電話の番号にだけお送りできます。"
        "チェックを外すか、携帯電話の番号を入力してください。"
    ),
    "consent_required": _("個人情報の取扱いに同意していただく必要があります。"),
    "required": _("この項目を入力してください。"),
    "too_long": _("%(limit)s 文字以内で入力してください。"),
    "choice_invalid": _("選択肢から選んでください。"),
    "duplicate": _("この方は、この教室にすでに申し込まれています。"),
    **CLOSED_REASONS,  # cancelled, started, not_bookable
    "wrong_target": _("この教室は全回まとめての申込です。"),
    "not_found": _("受付番号と電話番号に合う申込が見つかりません。"),
    "already_cancelled": _("この申込はすでに取り消されています。"),
    "not_on_session": _("この受付番号は、この回の申込ではありません。"),
    "not_confirmed": _("この申込は予約が確定していません（キャンセル待ちまたは取消）。"),
    "not_session_day": _(
        "受付と出欠の記録は、この回の当日（開始の%(minutes)s分前から）だけできます。"
    ),
    "busy": _("ただいま混み合っています。少し待ってからもう一度お試しください。"),
    "too_many_bookings": _(
        "この電話番号では、すでに%(limit)s件の申込があります。"
        "これ以上のお申込は、お電話か窓口でご相談ください。"
    ),
    "capacity_below_confirmed": _(
        "すでに %(booked)s 人の予約があるため、定員をそれより少なくはできません"
        "（%(booked)s 人以上にしてください）。"
    ),
}


class BookingError(Exception):
    """A booking rule was broken; ``code`` keys ``error_messages``, ``field`` names the input."""

    def __init__(self, code: str, field: str | None = None, **params) -> None:
        self.code = code
        self.field = field
        self.params = params
        super().__init__(code)

    @property
    def message(self) -> str:
        text = str(error_messages[self.code])
        return text % self.params if self.params else text


# --- Input normalisation ------------------------------------------------------------------


def normalise_phone(raw: str) -> str:
    """Return the digits of a Japanese phone number, or raise ``BookingError``.

    Accepts full-width digits, hyphens of every width, spaces, brackets and +81. The result
    holds ASCII digits only: digits of other scripts (٣, ३) are refused, not stored as typed.
    """
    text = unicodedata.normalize("NFKC", raw or "").strip()
    text = re.sub(r"[\s\-‐‑‒–—―ー−()（）.]", "", text)
    if text.startswith("+81"):
        text = "0" + text[3:].lstrip("0")
    if not re.fullmatch(r"0[0-9]{9,10}", text):
        raise BookingError("phone_invalid", field="phone")
    return text


def format_phone(digits: str) -> str:
    """Display form with hyphens for common number shapes (03-xxxx-xxxx, 090-xxxx-xxxx)."""
    if len(digits) == 11:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if len(digits) == 10 and digits[:2] in ("03", "06"):
        return f"{digits[:2]}-{digits[2:6]}-{digits[6:]}"
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return digits


# ふりがな: hiragana, katakana (half-width becomes full-width under NFKC), the iteration marks,
# ー and ・ (foreign names), and spaces (full-width ones become ASCII under NFKC).
FURIGANA = re.compile(r"[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fb-\u30fe ]+")


def is_furigana(raw: str) -> bool:
    """Whether ``raw`` is ふりがな: kana only, with spaces; kanji, romaji and digits are not.

    The one rule for every way of booking (resident and counter forms, the API), applied in
    ``BookingRequest.validate`` as ``error_messages["kana_invalid"]``.
    """
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", raw or "")).strip()
    return bool(FURIGANA.fullmatch(text))


def normalise_name(raw: str) -> str:
    """Name as compared for double bookings: NFKC, no spaces of any width, case-folded.

    NFKC is applied again last, so the result is its own normal form: "C¸" (a spacing
    cedilla, which NFKC turns into a space and a combining mark) and "Ç" give one name, and a
    letter that folds into several code points (ΐ into three) is composed back, so a name of
    at most 60 characters never makes a ``person_key`` longer than its column.
    """
    folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw or "")).casefold()
    return unicodedata.normalize("NFKC", folded)


def make_person_key(name: str, phone_digits: str) -> str:
    """The person's key: a keyed hash of number and normalised name (``classes.keys``)."""
    return person_key_hash(f"{phone_digits}|{normalise_name(name)}")


def generate_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def normalise_reference(raw: str) -> str:
    """Reference code as typed (spaces, hyphens, lower case, full width) to its stored form.

    Normalised again last, like ``normalise_name``, so applying it twice changes nothing.
    """
    compact = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", raw or "")).upper()
    return unicodedata.normalize("NFKC", compact)


@dataclass
class BookingRequest:
    """What the booking form, the staff form and the API all collect."""

    name: str
    name_kana: str
    phone: str
    age_band: str
    area: str
    device: str
    wants_loaner: bool = False
    email: str = ""
    consent: bool = False
    sms_consent: bool = False
    errors: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def clean(self) -> BookingRequest:
        """Normalise in place; raise ``BookingError`` for the first field that is wrong.

        ``validate()`` collects every field's error at once for forms and the API.
        """
        errors = self.validate()
        if errors:
            field_name, error = next(iter(errors.items()))
            raise error
        return self

    def validate(self) -> dict[str, BookingError]:
        errors: dict[str, BookingError] = {}
        self.name = _squash(self.name)
        self.name_kana = _squash(self.name_kana)
        self.area = _squash(self.area)
        self.email = (self.email or "").strip()
        for name, limit in (("name", 60), ("name_kana", 60), ("area", 40)):
            value = getattr(self, name)
            if not value:
                errors[name] = BookingError("required", field=name)
            elif len(value) > limit:
                errors[name] = BookingError("too_long", field=name, limit=limit)
        if "name_kana" not in errors and not is_furigana(self.name_kana):
            errors["name_kana"] = BookingError("kana_invalid", field="name_kana")
        try:
            self.phone = normalise_phone(self.phone)
        except BookingError as exc:
            errors["phone"] = exc
        if self.age_band not in Registration.AgeBand.values:
            errors["age_band"] = BookingError("choice_invalid", field="age_band")
        if self.device not in Registration.Device.values:
            errors["device"] = BookingError("choice_invalid", field="device")
        if self.email:
            try:
                validate_email(self.email)
            except ValidationError:
                errors["email"] = BookingError("email_invalid", field="email")
            if len(self.email) > 254:
                errors["email"] = BookingError("too_long", field="email", limit=254)
        if self.sms_consent and "phone" not in errors and not is_mobile_number(self.phone):
            errors["sms_consent"] = BookingError("sms_not_mobile", field="sms_consent")
        if not self.consent:
            errors["consent"] = BookingError("consent_required", field="consent")
        return errors


def _squash(value: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value or "")).strip()


# --- Capacity -----------------------------------------------------------------------------


def seats_left(session: ClassSession) -> int:
    """Free seats of a session (``ClassSession.objects.with_availability``)."""
    return availability(session).seats_left


def waitlist_position(registration: Registration) -> int | None:
    """Place on the waiting list now (1 is next), in ``waiting_order``; None when not waiting.

    (A booking just made by ``allocate_seat`` carries its place at that moment, counted under
    the seat lock, as ``waitlist_position_at_booking``.)
    """
    if registration.status != Registration.Status.WAITLISTED:
        return None
    target = registration.session or registration.series
    ahead = (
        Registration.objects.of_target(target)
        .waiting()
        .filter(
            Q(created_at__lt=registration.created_at)
            | Q(created_at=registration.created_at, pk__lt=registration.pk)
        )
        .count()
    )
    return ahead + 1


# --- Booking and cancelling ---------------------------------------------------------------


def allocate_seat(
    target: ClassSession | ClassSeries,
    request: BookingRequest,
    *,
    channel: str,
    created_by=None,
    client_hash: str = "",
) -> Registration:
    """Book a seat, or a waitlist place when the class is full; the only way to book.

    Through a resident's own channel (``RESIDENT_CHANNELS``) a phone number may hold at most
    ``CLASSES_MAX_ACTIVE_BOOKINGS_PER_PHONE`` live bookings (``too_many_bookings``).
    ``client_hash`` is the keyed hash of the client address (``classes.abuse.client_hash``)
    that lets counter staff see bursts; empty for staff channels.

    The input is checked and the row built before the transaction; inside it a booking of a
    session takes four statements: the phone number's lock (resident channels), the class's
    row lock, one read of every count under those locks, and the insert, compiled once per
    process (a fifth, the outbox row, with an e-mail address or SMS).
    A reference code already taken is found by its unique constraint, not looked up first:
    the transaction is then rolled back and run again with a new code.
    """
    request.clean()
    person_key = make_person_key(request.name, request.phone)
    for _attempt in range(REFERENCE_ATTEMPTS):
        reference = generate_reference()
        try:
            return _book(
                target,
                request,
                person_key,
                reference,
                channel=channel,
                created_by=created_by,
                client_hash=client_hash,
            )
        except IntegrityError as exc:
            if Registration.objects.filter(reference=reference).exists():
                continue  # as likely as the share of the 20⁶ codes in use: draw again
            # Only reachable if the lock was bypassed; the constraints keep the data right.
            logger.warning("Booking refused by a constraint: %s", exc)
            raise BookingError("duplicate") from exc
        except OperationalError as exc:
            logger.warning("Booking failed on a busy database: %s", exc)
            raise BookingError("busy") from exc
    raise BookingError("busy")


def published_booking_target(session_id: int) -> ClassSession | ClassSeries | None:
    """What a booking through session ``session_id`` holds a seat in (``booking_target``), or
    None when there is no such session of a published class; one statement compiled once.

    The answer is a reference for ``allocate_seat``, which reads and checks the row again under
    its lock: only its type and primary key are read (and the series' booking mode)."""
    row = _PUBLISHED_SESSION.run("published_session", session_id=session_id)
    if row is None:
        return None
    series = ClassSeries(pk=row["series"], booking_mode=row["series__booking_mode"])
    return booking_target(ClassSession(pk=session_id, series=series))


def _published_session_queryset(*, session_id: int):
    return (
        ClassSession.objects.filter(pk=session_id, series__is_published=True)
        .order_by()
        .values("series", "series__booking_mode")
    )


_PUBLISHED_SESSION = CompiledRead(_published_session_queryset, model=ClassSession)


def _book(
    target: ClassSession | ClassSeries,
    request: BookingRequest,
    person_key: str,
    reference: str,
    *,
    channel: str,
    created_by,
    client_hash: str,
) -> Registration:
    limit = settings.CLASSES_MAX_ACTIVE_BOOKINGS_PER_PHONE
    capped = channel in RESIDENT_CHANNELS and limit > 0
    # Everything but the seat is known before the lock: the row is built outside it, so the
    # lock is held only for the statements and the choice of seat (bookings of one class
    # queue for it).
    registration = Registration(
        reference=reference,
        name=request.name,
        name_kana=request.name_kana,
        phone=request.phone,
        person_key=person_key,
        age_band=request.age_band,
        area=request.area,
        device=request.device,
        wants_loaner=request.wants_loaner,
        email=request.email,
        sms_consent=request.sms_consent,
        channel=channel,
        created_by=created_by,
        client_hash=client_hash,
    )
    with transaction.atomic(durable=True):
        if capped:
            # The phone number's lock first, then the class's: no other transaction takes
            # both, so the order cannot deadlock, and the class's lock is not held while
            # this statement runs.
            _lock_phone(request.phone)
        locked = _lock(target)
        _check_bookable(locked)
        # Read after the locks, in a statement of its own: in PostgreSQL's READ COMMITTED a
        # statement sees what was committed when it started, so counts read in the locking
        # statement itself could miss the booking that held the lock while it waited.
        counts = _counts_under_lock(locked, person_key, request.phone if capped else None)
        if counts["duplicate"]:
            raise BookingError("duplicate")
        if capped and counts["phone_bookings"] >= limit:
            raise BookingError("too_many_bookings", limit=limit)
        seat = _lowest_free_seat(_seat_numbers(counts["seats"]), seat_capacity(locked))
        if isinstance(locked, ClassSession):
            registration.series, registration.session = locked.series, locked
        else:
            registration.series = locked
        registration.status = (
            Registration.Status.CONFIRMED if seat else Registration.Status.WAITLISTED
        )
        registration.seat = seat
        # Under the lock: the waiting list is in the order of ``created_at``.
        registration.created_at = registration.consented_at = timezone.now()
        _INSERT_REGISTRATION.insert(registration)
        # Everyone waiting booked before this one (all under this lock), so the place in
        # line is known without asking again; ``waitlist_position`` asks later.
        registration.waitlist_position_at_booking = counts["waiting"] + 1 if seat is None else None
        notify(registration, "booked", new_registration=True)
        invalidate_class_lists()
    return registration


# The booking's insert, compiled once per process (``save()`` compiles it on every call).
_INSERT_REGISTRATION = CompiledInsert(Registration)


def _counts_under_lock(
    target: ClassSession | ClassSeries, person_key: str, phone: str | None
) -> dict:
    """One statement: the taken seats, whether the person already holds a live booking, how
    many wait, and (``phone``) the number's live bookings; each from its queryset rule."""
    values = {"pk": target.pk, "person_key": person_key}
    if phone is not None:
        values.update(phone=phone, now=timezone.now())
    shape = (type(target), phone is not None)
    return _COUNTS.run(shape, *shape, **values)


def _counts_queryset(
    model: type[ClassSession] | type[ClassSeries],
    capped: bool,
    *,
    pk: int,
    person_key: str,
    phone: str = "",
    now: datetime | None = None,
):
    target = model(pk=pk)
    group = "session" if model is ClassSession else "series"
    bookings = Registration.objects.of_target(target)
    annotations = {
        "seats": _subquery(
            bookings.confirmed().order_by().values(group).annotate(s=SeatNumbers("seat")),
            "s",
            models.CharField(),
        ),
        "duplicate": Exists(bookings.live().filter(person_key=person_key)),
        "waiting": count_subquery(bookings.waiting(), group),
    }
    if capped:
        live_of_phone = active_registrations_of_phone(phone, now)
        annotations["phone_bookings"] = count_subquery(live_of_phone, "phone")
    return model.objects.filter(pk=pk).order_by().annotate(**annotations).values(*annotations)


# The booking's counts, compiled once per process (base.compiled_sql: about 5 ms of CPU a
# booking went to building the four subqueries); on the booking transaction's connection.
_COUNTS = CompiledRead(_counts_queryset, model=Registration, for_write=True)


def _subquery(queryset, name: str, output_field) -> Subquery:
    return Subquery(queryset.values(name), output_field=output_field)


def _seat_numbers(text: str | None) -> set[int]:
    return {int(seat) for seat in text.split(",")} if text else set()


def active_registrations_of_phone(digits: str, now: datetime | None = None):
    """Live bookings of a phone number whose session (or a whole series' last) has not ended."""
    now = now or timezone.now()
    series_running = ClassSession.objects.scheduled().filter(
        series=OuterRef("series"), ends_at__gt=now
    )
    return (
        Registration.objects.filter(phone=digits)
        .live()
        .annotate(series_running=Exists(series_running))
        .filter(
            Q(session__status=ClassSession.Status.SCHEDULED, session__ends_at__gt=now)
            | Q(session__isnull=True, series_running=True)
        )
    )


def _lock_phone(digits: str) -> None:
    """Lock the phone number's row (made on its first booking) in one statement.

    Two bookings of one number on different sessions hold different target locks. Locking
    the number's own row makes the second wait for the first to commit and then count it,
    also for a number's first bookings (no booking rows yet to lock). The upsert
    (``INSERT ... ON CONFLICT DO UPDATE``) creates the row or locks the existing one, as an
    update does, where a get-or-create and a ``SELECT ... FOR UPDATE`` took four statements.
    """
    _UPSERT_PHONE_LOCK.insert(PhoneBookingLock(phone_hash=phone_lock_hash(digits)))


_UPSERT_PHONE_LOCK = CompiledInsert(PhoneBookingLock, upsert_on=("phone_hash",))


def find_registration(reference: str, phone: str) -> Registration:
    """Look a booking up the way residents identify it: reference code plus phone number."""
    try:
        digits = normalise_phone(phone)
    except BookingError as exc:
        raise BookingError("not_found") from exc
    registration = (
        Registration.objects.select_related("series", "session", "session__venue")
        .filter(reference=normalise_reference(reference), phone=digits)
        .first()
    )
    if registration is None:
        raise BookingError("not_found")
    return registration


def cancel_registration(registration: Registration, *, by=None) -> Registration | None:
    """Cancel a booking and give its seat to the first on the waitlist, in one transaction.

    Returns the promoted registration, if any.
    """
    target = registration.session or registration.series
    promoted = None
    with transaction.atomic(durable=True):
        _lock(target)
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        if current.status == Registration.Status.CANCELLED:
            raise BookingError("already_cancelled")
        freed_seat = current.seat if current.status == Registration.Status.CONFIRMED else None
        current.status = Registration.Status.CANCELLED
        current.seat = None
        current.cancelled_at = timezone.now()
        current.save(update_fields=["status", "seat", "cancelled_at"])
        if freed_seat is not None:
            promoted = _promote_first_waiting(target, freed_seat)
        invalidate_class_lists()
    registration.refresh_from_db()
    return promoted


def _promote_first_waiting(target, seat: int) -> Registration | None:
    first = (
        Registration.objects.of_target(target).waiting().waiting_order().select_for_update().first()
    )
    if first is None:
        return None
    first.status = Registration.Status.CONFIRMED
    first.seat = seat
    first.promoted_at = timezone.now()
    first.save(update_fields=["status", "seat", "promoted_at"])
    notify(first, "promoted", session=first.session)
    return first


def _fill_free_seats(target: ClassSession | ClassSeries) -> list[Registration]:
    """Give every free seat of ``target`` to the people waiting, first come first served.

    Runs under the target's lock; each promotion goes through ``_promote_first_waiting``
    (so the promoted are told as after a cancellation).
    """
    invalidate_class_lists()
    capacity = seat_capacity(target)
    taken = set(Registration.objects.of_target(target).confirmed().values_list("seat", flat=True))
    promoted = []
    for seat in range(1, capacity + 1):
        if seat in taken:
            continue
        first = _promote_first_waiting(target, seat)
        if first is None:
            break
        promoted.append(first)
    return promoted


def _compact_seats(target: ClassSession | ClassSeries, capacity: int) -> None:
    """Move confirmed seats numbered above ``capacity`` to free numbers within it, so a
    smaller capacity never leaves a seat number that the next booking could be given twice."""
    confirmed = list(Registration.objects.of_target(target).confirmed().order_by("seat", "pk"))
    free = iter(sorted(set(range(1, capacity + 1)) - {r.seat for r in confirmed}))
    for registration in confirmed:
        if registration.seat > capacity:
            registration.seat = next(free)
            registration.save(update_fields=["seat"])


def _lock(target: ClassSession | ClassSeries) -> ClassSession | ClassSeries:
    """``SELECT ... FOR UPDATE`` of the target's row; a session comes with its series and
    venue (as ``select_related`` would), in one statement compiled once per process."""
    model = type(target)
    related = _LOCK_RELATED[model]
    row = _LOCKED_ROW.run(model, model, pk=target.pk)
    if row is None:
        raise model.DoesNotExist(f"{model.__name__} {target.pk} does not exist")
    alias = router.db_for_write(model)
    locked = _instance(model, row, "", alias)
    for name, related_model in related.items():
        setattr(locked, name, _instance(related_model, row, f"{name}__", alias))
    return locked


# Rows read with the lock: the target's own, and for a session its series and venue.
_LOCK_RELATED: dict[type, dict[str, type]] = {
    ClassSession: {"series": ClassSeries, "venue": Venue},
    ClassSeries: {},
}


def _lock_queryset(model: type[ClassSession] | type[ClassSeries], *, pk: int):
    names = [field.name for field in model._meta.concrete_fields]
    for name, related_model in _LOCK_RELATED[model].items():
        names += [f"{name}__{field.name}" for field in related_model._meta.concrete_fields]
    return model.objects.select_for_update(of=("self",)).filter(pk=pk).order_by().values(*names)


def _instance(model: type[models.Model], row: dict, prefix: str, alias: str) -> models.Model:
    """A model instance from the columns of ``row`` named ``prefix`` + field name (as the
    ORM builds one, ``from_db``)."""
    fields = model._meta.concrete_fields
    return model.from_db(
        alias, [field.attname for field in fields], [row[prefix + field.name] for field in fields]
    )


# Building and compiling the locking read (three tables' columns) took about a quarter of a
# booking's CPU (base.compiled_sql); on the booking transaction's connection.
_LOCKED_ROW = CompiledRead(_lock_queryset, model=Registration, for_write=True)


def _check_bookable(target: ClassSession | ClassSeries) -> None:
    """``bookability`` under the lock; a whole-series class is booked as the series."""
    answer = bookability(target, seats=False)
    if not answer.is_open:
        raise BookingError(answer.code)
    if isinstance(target, ClassSession) and target.series.is_whole_series:
        raise BookingError("wrong_target")


def _lowest_free_seat(taken: set[int | None], capacity: int) -> int | None:
    for seat in range(1, capacity + 1):
        if seat not in taken:
            return seat
    return None


# --- Phone worklist (要電話連絡) -------------------------------------------------------------


def mark_call_done(call: PhoneCall, by=None, note: str = "") -> PhoneCall:
    """Record that the person was phoned; marking it again keeps the first time and caller.

    (連絡済み; the other outcomes: ``classes.notifications.record_call_outcome``.)"""
    with transaction.atomic(durable=True):
        record_call_outcome(call, PhoneCall.Outcome.REACHED, by=by, note=_squash(note))
    return call


# --- Sessions ---------------------------------------------------------------------------


def change_capacity(
    session: ClassSession, new_capacity: int, *, actor=None, request=None
) -> list[Registration]:
    """Set a session's capacity under the seat lock; return the people given the new seats.

    Raising it promotes people waiting in order (told by mail or put on the 要電話連絡 list,
    as after a cancellation), so the next new booking cannot take a seat someone waits for.
    Going below the confirmed bookings is refused (``capacity_below_confirmed``) and nothing
    changes. For a whole-series class the series' seats are its smallest session's, so the
    count and the promotions are the series'. ``actor`` and ``request`` are for the audit.
    """
    if new_capacity < 1:
        raise ValueError("capacity must be at least 1")
    with transaction.atomic(durable=True):
        target = _lock(booking_target(session))
        locked = (
            target
            if isinstance(target, ClassSession)
            else ClassSession.objects.select_for_update().get(pk=session.pk)
        )
        old_capacity = locked.capacity
        locked.capacity = new_capacity
        locked.save(update_fields=["capacity"])
        capacity = seat_capacity(target)
        booked = Registration.objects.of_target(target).confirmed().count()
        if booked > capacity:
            # Leaving the block by the exception rolls the new capacity back.
            raise BookingError("capacity_below_confirmed", field="capacity", booked=booked)
        _compact_seats(target, capacity)
        promoted = _fill_free_seats(target)  # retires the cached class lists too
        log_action(
            "classes.session.capacity_changed",
            user=actor,
            obj=locked,
            data={
                "from": old_capacity,
                "to": new_capacity,
                "promoted": [r.reference for r in promoted],
            },
            request=request,
        )
    session.refresh_from_db()
    return promoted


def cancel_session(session: ClassSession, *, reason: str, by=None) -> int:
    """Cancel a session and tell everyone booked on it; returns how many were told.

    Takes the same lock as a booking of the session. In a whole-series class the seats are the
    smallest scheduled session's: when cancelling raises that, people waiting move up (and are
    told, through ``_promote_first_waiting``).
    """
    with transaction.atomic(durable=True):
        target = _lock(booking_target(session))
        locked = ClassSession.objects.select_for_update().get(pk=session.pk)
        if locked.is_cancelled:
            return 0
        locked.status = ClassSession.Status.CANCELLED
        locked.cancel_reason = reason
        locked.save(update_fields=["status", "cancel_reason"])
        affected = list(Registration.objects.for_session(locked).live())
        for registration in affected:
            notify(registration, "session_cancelled", session=locked)
        if isinstance(target, ClassSeries):
            _fill_free_seats(target)
        invalidate_class_lists()
    session.refresh_from_db()
    return len(affected)


@dataclass
class SeriesPlan:
    sessions: list[ClassSession]
    skipped: list[date]
    series: ClassSeries | None = None  # the class the sessions were added to
    new_series: bool = False  # a new class, because the one asked for was booked as a whole


def whole_series_bookings(series: ClassSeries) -> int:
    """Live bookings that hold a seat in every session of a whole-series class (0 otherwise).

    Adding sessions to such a class would change what those people booked, so
    ``create_series_sessions`` makes a new class instead.
    """
    if not series.is_whole_series:
        return 0
    return Registration.objects.of_target(series).live().count()


def _copy_series(series: ClassSeries) -> ClassSeries:
    """A new class with the same content and settings, and no sessions or bookings."""
    fields = {
        f.name: getattr(series, f.name)
        for f in ClassSeries._meta.concrete_fields
        if f.name not in ("id", "created_at")
    }
    return ClassSeries.objects.create(**fields)


def create_series_sessions(
    series: ClassSeries,
    *,
    venue: Venue,
    first_date: date,
    start: time,
    end: time,
    count: int,
    capacity: int,
    room: Room | None = None,
    holidays: set[date] | frozenset[date] = frozenset(),
    interval_days: int = 7,
    trainers=(),
) -> SeriesPlan:
    """Create ``count`` sessions every ``interval_days`` from ``first_date``.

    A date in ``holidays`` is skipped and the series runs on to the next slot, so the class
    still has ``count`` sessions ("every Tuesday 10:00–12:00, 4 times from 6 January").

    A whole-series class that already has live bookings is never changed: those people booked
    its dates and venue. The sessions then go to a new class with the same content
    (``SeriesPlan.new_series``), which is booked separately; its slips and pages list only
    its own dates. Per-session classes just get the new sessions (each booking is of one).
    """
    if count < 1 or count > 52:
        raise ValueError("count must be between 1 and 52")
    if end <= start:
        raise ValueError("end must be after start")
    tz = timezone.get_current_timezone()
    sessions: list[ClassSession] = []
    skipped: list[date] = []
    day = first_date
    with transaction.atomic():
        # The series row is what whole-series bookings lock: none can slip in meanwhile.
        series = ClassSeries.objects.select_for_update().get(pk=series.pk)
        new_series = whole_series_bookings(series) > 0
        if new_series:
            series = _copy_series(series)
        while len(sessions) < count:
            if day in holidays:
                skipped.append(day)
            else:
                session = ClassSession.objects.create(
                    series=series,
                    venue=venue,
                    room=room,
                    starts_at=datetime.combine(day, start, tzinfo=tz),
                    ends_at=datetime.combine(day, end, tzinfo=tz),
                    capacity=capacity,
                )
                if trainers:
                    session.trainers.set(trainers)
                sessions.append(session)
            day += timedelta(days=interval_days)
        invalidate_class_lists()
    return SeriesPlan(sessions=sessions, skipped=skipped, series=series, new_series=new_series)


# --- Attendance ---------------------------------------------------------------------------


def check_attendance_window(session: ClassSession, *, now: datetime | None = None) -> None:
    """Refuse check-in and attendance outside the session's day (``not_session_day``).

    The one rule for web (trainer pages, QR check-in) and API: it opens
    ``CLASSES_CHECKIN_OPENS_MINUTES`` before the start and closes at the end of the start's
    local day.
    """
    now = now or timezone.now()
    minutes = int(getattr(settings, "CLASSES_CHECKIN_OPENS_MINUTES", 60))
    opens = session.starts_at - timedelta(minutes=minutes)
    day = timezone.localdate(session.starts_at)
    closes = datetime.combine(
        day + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone()
    )
    if not opens <= now < closes:
        raise BookingError("not_session_day", minutes=minutes)


def check_in(
    session: ClassSession, reference: str, *, by=None, now=None, request=None
) -> Attendance:
    """Record arrival by reference code (QR scan or typed): 出席, or 遅刻 after 10 minutes.

    A first check-in (or one after 欠席) is audited as ``classes.attendance.checked_in`` with
    ``by`` and the ``request``'s address; a repeated scan changes and records nothing.
    """
    now = now or timezone.now()
    check_attendance_window(session, now=now)
    registration = (
        Registration.objects.filter(reference=normalise_reference(reference))
        .for_session(session)
        .first()
    )
    if registration is None:
        raise BookingError("not_on_session")
    if registration.status != Registration.Status.CONFIRMED:
        raise BookingError("not_confirmed")
    status = (
        Attendance.Status.LATE
        if now > session.starts_at + LATE_AFTER
        else Attendance.Status.PRESENT
    )
    with transaction.atomic():
        attendance, created = Attendance.objects.get_or_create(
            registration=registration,
            session=session,
            defaults={"status": status, "checked_in_at": now, "recorded_by": by},
        )
        changed = not created and attendance.status == Attendance.Status.ABSENT
        if changed:
            attendance.status = status
            attendance.checked_in_at = now
            attendance.recorded_by = by
            attendance.save(update_fields=["status", "checked_in_at", "recorded_by"])
        if created or changed:
            log_action(
                "classes.attendance.checked_in",
                user=by,
                obj=registration,
                data={"session": session.pk, "status": attendance.status},
                request=request,
            )
    return attendance


def record_attendance(
    session: ClassSession,
    registration: Registration,
    status: str,
    *,
    by=None,
    now=None,
    request=None,
) -> Attendance:
    """Set 出席・遅刻・欠席 from the roster; audited as ``classes.attendance.recorded``."""
    now = now or timezone.now()
    if status not in Attendance.Status.values:
        raise BookingError("choice_invalid")
    check_attendance_window(session, now=now)
    if registration.session_id not in (None, session.pk) or (
        registration.series_id != session.series_id
    ):
        raise BookingError("not_on_session")
    with transaction.atomic():
        attendance, _created = Attendance.objects.update_or_create(
            registration=registration,
            session=session,
            defaults={"status": status, "recorded_by": by, "checked_in_at": now},
        )
        log_action(
            "classes.attendance.recorded",
            user=by,
            obj=registration,
            data={"session": session.pk, "status": status},
            request=request,
        )
    return attendance


def attendance_share(registration: Registration) -> tuple[int, int]:
    """(sessions attended, sessions of the series) for the person behind a registration.

    Counts every scheduled session of the series, future ones included, and the person's
    attendance under any of their registrations (session-by-session booking gives several).
    """
    sessions = registration.series.sessions.scheduled()
    attended = (
        Attendance.objects.filter(
            registration__series=registration.series_id,
            registration__person_key=registration.person_key,
            registration__status=Registration.Status.CONFIRMED,
            session__in=sessions,
            status__in=[Attendance.Status.PRESENT, Attendance.Status.LATE],
        )
        .values("session")
        .distinct()
        .count()
    )
    return attended, sessions.count()


def has_completed_series(registration: Registration) -> bool:
    attended, total = attendance_share(registration)
    if total == 0 or registration.status != Registration.Status.CONFIRMED:
        return False
    return attended * 100 >= registration.series.completion_percent * total
