"""Series completion (修了証): who has earned one, and what the certificate shows.

The rule is ``classes.services.has_completed_series``: attending at least the series'
``completion_percent`` of all its scheduled sessions, future ones counted in the denominator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from base.audit import log_action
from base.site import ward_name
from classes.availability import series_sessions
from classes.models import Registration
from classes.services import attendance_share, has_completed_series


@dataclass(frozen=True)
class CompletionStatus:
    attended: int
    total: int
    required: int
    percent: int
    remaining: int
    completed: bool

    @property
    def still_possible(self) -> bool:
        """Whether attending every remaining session would still earn the certificate."""
        return self.completed or self.attended + self.remaining >= self.required > 0


def completion_status(registration: Registration) -> CompletionStatus:
    """Attendance against the completion threshold of the registration's series."""
    attended, total = attendance_share(registration)
    percent = registration.series.completion_percent
    remaining = registration.series.sessions.upcoming().count()
    return CompletionStatus(
        attended=attended,
        total=total,
        required=math.ceil(percent * total / 100),
        percent=percent,
        remaining=remaining,
        completed=has_completed_series(registration),
    )


@dataclass(frozen=True)
class Certificate:
    name: str
    series_title: str
    level: str
    venue_names: list[str]
    dates: list[date]
    status: CompletionStatus
    ward_name: str
    issued_on: date
    reference: str


def certificate_for(registration: Registration) -> Certificate | None:
    """What the printed 修了証 says, or None when the series is not (yet) completed."""
    status = completion_status(registration)
    if not status.completed:
        return None
    sessions = list(series_sessions(registration.series))
    venues = list(dict.fromkeys(s.venue.name for s in sessions))
    return Certificate(
        name=registration.name,
        series_title=registration.series.title,
        level=registration.series.get_level_display(),
        venue_names=venues,
        dates=[timezone.localtime(s.starts_at).date() for s in sessions],
        status=status,
        ward_name=ward_name(),
        issued_on=timezone.localdate(),
        reference=registration.reference,
    )


def issue_certificate(registration: Registration, *, actor, request=None) -> Certificate | None:
    """The 修了証 for staff to print; issuing it is audited (``classes.certificate.viewed``)."""
    certificate = certificate_for(registration)
    if certificate is not None:
        log_action("classes.certificate.viewed", user=actor, obj=registration, request=request)
    return certificate
