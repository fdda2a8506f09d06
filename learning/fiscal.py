"""The fiscal year (年度): 1 April to 31 March, named by the calendar year it starts in.

FY2026 runs from 2026-04-01 to 2027-03-31. Dates and datetimes are read in Asia/Tokyo
(TIME_ZONE), so a completion at 23:30 on 31 March JST belongs to the year that is ending.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

FIRST_MONTH = 4


def local_date(value: dt.date | dt.datetime) -> dt.date:
    """Return the local (Tokyo) calendar date of a date or an aware datetime."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def fiscal_year(value: dt.date | dt.datetime | None = None) -> int:
    """Return the fiscal year of a date or datetime (today when None)."""
    day = local_date(value if value is not None else timezone.now())
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def fiscal_year_dates(year: int) -> tuple[dt.date, dt.date]:
    """Return the first and last day of a fiscal year (1 April, 31 March)."""
    return dt.date(year, FIRST_MONTH, 1), dt.date(year + 1, FIRST_MONTH, 1) - dt.timedelta(days=1)


def fiscal_year_span(year: int) -> tuple[dt.datetime, dt.datetime]:
    """Return the aware datetimes [start, end) of a fiscal year, for range filters in SQL."""
    tz = timezone.get_default_timezone()
    start = dt.datetime(year, FIRST_MONTH, 1, tzinfo=tz)
    end = dt.datetime(year + 1, FIRST_MONTH, 1, tzinfo=tz)
    return start, end


def date_in_fiscal_year(year: int, month: int, day: int) -> dt.date:
    """Return the date with this month and day inside a fiscal year (1–3 fall in year + 1)."""
    return dt.date(year if month >= FIRST_MONTH else year + 1, month, day)
