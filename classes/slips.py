"""What a resident takes away from a booking: the slip's QR code and the calendar file.

The iCalendar writer is deliberately tiny: one calendar, one VEVENT per session, text
properties escaped and folded as RFC 5545 requires (sections 3.1 and 3.3.11).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.html import escape

from base.qr import dark_runs, qr_matrix
from classes.availability import sessions_of
from classes.models import Registration

CRLF = "\r\n"
MAX_LINE_OCTETS = 75
PRODID = "-//Toshima City//ICT smartphone classes//JA"


# --- QR code ------------------------------------------------------------------------------


def qr_svg(text: str, *, label: str) -> str:
    """Return an inline SVG QR code for ``text``; ``label`` is its accessible name.

    One path of horizontal runs, scaled by CSS through the view box, so it prints sharp.
    """
    matrix = qr_matrix(text, border=4)
    size = len(matrix)
    runs = [f"M{x},{y}h{n}v1h-{n}z" for y, x, n in dark_runs(matrix)]
    return (
        f'<svg class="qr-code" viewBox="0 0 {size} {size}" xmlns="http://www.w3.org/2000/svg" '
        f'role="img" aria-label="{escape(label)}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


# --- iCalendar ----------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and line breaks (RFC 5545 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets, never inside a UTF-8 character."""
    pieces: list[str] = []
    current = ""
    current_octets = 0
    limit = MAX_LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if current_octets + octets > limit:
            pieces.append(current)
            # Continuation lines start with one space, which counts towards their 75 octets.
            current, current_octets, limit = char, octets, MAX_LINE_OCTETS - 1
        else:
            current += char
            current_octets += octets
    pieces.append(current)
    return (CRLF + " ").join(pieces)


def format_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def build_calendar(events: Iterable[Sequence[tuple[str, str]]]) -> str:
    """Join already-escaped ``(name, value)`` properties into a VCALENDAR with CRLF lines."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for properties in events:
        lines.append("BEGIN:VEVENT")
        lines.extend(f"{name}:{value}" for name, value in properties)
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + CRLF for line in lines)


def registration_calendar(
    registration: Registration,
    *,
    domain: str,
    description: str,
    summary_suffix: str = "",
) -> str:
    """One VEVENT per session the booking holds a seat in.

    ``description`` is the translated text for the event's notes (reference, help phone);
    ``domain`` makes the UIDs globally unique.
    """
    stamp = format_utc(timezone.now())
    waiting = registration.status == Registration.Status.WAITLISTED
    events = []
    for session in sessions_of(registration):
        venue = session.venue
        location = ", ".join(
            part for part in (venue.name, venue.address, venue.address_detail) if part
        )
        events.append(
            [
                ("UID", f"{registration.reference}-{session.pk}@{domain}"),
                ("DTSTAMP", stamp),
                ("DTSTART", format_utc(session.starts_at)),
                ("DTEND", format_utc(session.ends_at)),
                ("SUMMARY", escape_text(registration.series.title + summary_suffix)),
                ("LOCATION", escape_text(location)),
                ("DESCRIPTION", escape_text(description)),
                ("STATUS", "TENTATIVE" if waiting else "CONFIRMED"),
                ("TRANSP", "OPAQUE"),
            ]
        )
    return build_calendar(events)
