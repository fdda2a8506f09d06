"""Whether a class can be booked, how many seats it has, and which dates a booking covers.

One answer for every reader: the public list and class page, the counter and trainer pages,
the API, the Wagtail admin and the booking services (which ask again under the seat lock).
The seat counts themselves are ``ClassSession.objects.with_availability()`` and the bookings
behind them ``Registration.objects`` (``live``, ``confirmed``, ``holding_seat_in``), both in
``classes.models``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.models import ClassSeries, ClassSession, Registration

# Why a class cannot be booked, keyed by the code the booking services raise.
CLOSED_REASONS = {
    "cancelled": _("この回は中止になりました。"),
    "started": _("この回はすでに始まっているため、申し込めません。"),
    "not_bookable": _("この教室は申込を受け付けていません。"),
}
SERIES_STARTED = _("この教室は申込の受付を終了しました。")


class State(StrEnum):
    BOOKABLE = "bookable"  # seats left
    FULL = "full"  # no seat left: a booking joins the waiting list
    CLOSED = "closed"  # not published, or a whole-series class without sessions
    CANCELLED = "cancelled"  # the session was cancelled
    PAST = "past"  # the session (or a whole series' first session) has started


@dataclass(frozen=True)
class Bookability:
    """The answer of ``bookability``: a state, and for a closed class the reason."""

    state: State
    code: str | None = None  # the BookingError code (classes.services) when not open
    seats_left: int | None = None
    waiting: int | None = None
    whole_series: bool = False

    @property
    def is_open(self) -> bool:
        """A booking would be taken: a seat, or a place on the waiting list."""
        return self.state in (State.BOOKABLE, State.FULL)

    @property
    def reason(self) -> str | None:
        """What the page says instead of a booking button (None when open)."""
        if self.is_open:
            return None
        if self.state == State.PAST and self.whole_series:
            return str(SERIES_STARTED)
        return str(CLOSED_REASONS[self.code])


def booking_target(session: ClassSession) -> ClassSession | ClassSeries:
    """What a booking made from this session's page holds a seat in."""
    return session.series if session.series.is_whole_series else session


def series_sessions(series: ClassSeries, *, with_cancelled: bool = False) -> QuerySet[ClassSession]:
    """The dates of a class: its scheduled sessions, in order (what a whole-series booking
    covers, what the class page, slips, mails and certificates list). ``with_cancelled``
    adds the cancelled ones, for staff pages that mark them 中止."""
    sessions = series.sessions.all() if with_cancelled else series.sessions.scheduled()
    return sessions.select_related("venue", "room").order_by("starts_at", "pk")


def sessions_of(registration: Registration, *, with_cancelled: bool = False) -> list[ClassSession]:
    """The sessions a booking holds a seat in: its own session, or every scheduled one of
    its whole series (``with_cancelled``: the cancelled ones too)."""
    if registration.session_id:
        return [registration.session]
    return list(series_sessions(registration.series, with_cancelled=with_cancelled))


def seat_capacity(target: ClassSession | ClassSeries) -> int:
    """Seats of a booking target: a session's capacity, or for a whole series its smallest
    scheduled session's (a whole-series booking needs a seat in every session); 0 when the
    series has no scheduled session."""
    if isinstance(target, ClassSession):
        return target.capacity
    value = target.sessions.scheduled().aggregate(m=Min("capacity"))["m"]
    return value or 0


def availability(session: ClassSession) -> ClassSession:
    """The session again, with the ``with_availability`` annotations."""
    return ClassSession.objects.with_availability().get(pk=session.pk)


def bookability(target: ClassSession | ClassSeries, *, now=None, seats: bool = True) -> Bookability:
    """Whether a booking of ``target`` would be taken, and if not why.

    ``target`` is a session's page (for a whole-series class this asks about the series, but
    a cancelled session's page still says it is cancelled) or a whole series. ``seats=False``
    skips counting the seats (the services decide seat or waiting list themselves).
    """
    now = now or timezone.now()
    series = target.series if isinstance(target, ClassSession) else target
    whole = series.is_whole_series
    if not series.is_published:
        return Bookability(State.CLOSED, "not_bookable", whole_series=whole)
    if isinstance(target, ClassSession) and target.is_cancelled:
        return Bookability(State.CANCELLED, "cancelled", whole_series=whole)
    if whole:
        first = series_sessions(series).first()
        if first is None:
            return Bookability(State.CLOSED, "not_bookable", whole_series=True)
    elif isinstance(target, ClassSeries):
        return Bookability(State.CLOSED, "not_bookable")
    else:
        first = target
    if first.starts_at <= now:
        return Bookability(State.PAST, "started", whole_series=whole)
    if not seats:
        return Bookability(State.BOOKABLE, whole_series=whole)
    counted = target if isinstance(target, ClassSession) else first
    counts = counted if hasattr(counted, "seats_left") else availability(counted)
    state = State.BOOKABLE if counts.seats_left > 0 else State.FULL
    return Bookability(state, None, counts.seats_left, counts.waiting, whole_series=whole)
