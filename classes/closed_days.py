"""Days the ward's classes are usually closed: Japanese public holidays and 年末年始.

Series scheduling (classes.admin_views) pre-fills these as skipped dates; the admin can hold a
class on any of them anyway. The public holidays (with 振替休日 and 国民の休日) come from the
``holidays`` package, so there is no holiday table to maintain here.
"""

from __future__ import annotations

from datetime import date

import holidays
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# 年末年始: 29 December to 3 January, the usual closing days of the ward's facilities.
YEAR_END = ((12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3))


def closed_days(first: date, last: date) -> dict[date, str]:
    """Each closed day from ``first`` to ``last`` (inclusive) with its name in the UI language."""
    if last < first:
        return {}
    years = range(first.year, last.year + 1)
    language = "en_US" if (get_language() or "ja").startswith("en") else "ja"
    public = holidays.country_holidays("JP", years=years, language=language)
    days: dict[date, str] = {}
    for year in years:
        for month, day in YEAR_END:
            days[date(year, month, day)] = _("年末年始")
    days.update((day, str(name)) for day, name in public.items())
    return {day: name for day, name in sorted(days.items()) if first <= day <= last}
