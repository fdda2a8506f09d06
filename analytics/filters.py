"""The dashboards' filters: all in the URL, so a view can be bookmarked and shared.

``FilterForm`` reads ``request.GET``; ``Filters`` is what the figures receive. A value the visitor
may not see (another trainer's series, another department) is not a form error but a 404, decided
by the view from the choices it offers (``DashboardView.filter_choices``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.choices import TOSHIMA_AREAS
from learning.fiscal import fiscal_year, fiscal_year_span

# Fiscal years offered: the platform's first (FY2020) up to the current one.
FIRST_YEAR = 2020
FIELD_ORDER = ("year", "date_from", "date_to", "venue", "town", "series", "department", "track")
CHOICE_FIELDS = ("venue", "series", "department", "track")


@dataclass(frozen=True)
class Filters:
    """What a dashboard shows: a fiscal year, optionally narrowed (all in the URL)."""

    year: int
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    venue: int | None = None
    town: str | None = None
    series: int | None = None
    department: int | None = None
    track: str | None = None

    def span(self) -> tuple[dt.datetime, dt.datetime]:
        """The aware datetimes [start, end) of the fiscal year, narrowed by the date range."""
        start, end = fiscal_year_span(self.year)
        tz = timezone.get_default_timezone()
        if self.date_from:
            start = max(start, dt.datetime.combine(self.date_from, dt.time.min, tzinfo=tz))
        if self.date_to:
            after = self.date_to + dt.timedelta(days=1)
            end = min(end, dt.datetime.combine(after, dt.time.min, tzinfo=tz))
        return start, end

    @property
    def is_narrowed(self) -> bool:
        """Anything beyond the fiscal year is set (a filtered figure: differencing applies)."""
        return any(v not in (None, "") for k, v in asdict(self).items() if k != "year")

    def query(self, **changes) -> str:
        """The URL query of these filters with ``changes`` (None drops a field)."""
        values = asdict(replace(self, **changes)) if changes else asdict(self)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})


class FilterForm(forms.Form):
    """The filters of one dashboard; the view keeps only the fields it uses."""

    year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False, empty_value=None)
    date_from = forms.DateField(
        label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    venue = forms.TypedChoiceField(label=_("会場"), coerce=int, required=False, empty_value=None)
    town = forms.ChoiceField(label=_("町名"), required=False)
    series = forms.TypedChoiceField(label=_("教室"), coerce=int, required=False, empty_value=None)
    department = forms.TypedChoiceField(
        label=_("所属"), coerce=int, required=False, empty_value=None
    )
    track = forms.ChoiceField(label=_("研修・コース"), required=False)

    def __init__(
        self,
        data=None,
        *,
        fields: tuple[str, ...],
        choices: dict[str, list[tuple]] | None = None,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(data)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
        self.current_year = fiscal_year(today or timezone.localdate())
        if "year" in self.fields:
            years = range(self.current_year, FIRST_YEAR - 1, -1)
            self.fields["year"].choices = [(str(y), _("%(year)s年度") % {"year": y}) for y in years]
            self.fields["year"].error_messages["invalid_choice"] = _(
                "年度は一覧から選んでください（%(first)s年度から%(last)s年度まで）。 / "
                "Choose a fiscal year from the list."
            ) % {"first": FIRST_YEAR, "last": self.current_year}
        if "town" in self.fields:
            self.fields["town"].choices = [("", _("すべて"))] + [(t, t) for t in TOSHIMA_AREAS]
        for name, options in (choices or {}).items():
            if name in self.fields:
                self.fields[name].choices = [("", _("すべて"))] + [
                    (str(value), label) for value, label in options
                ]

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error(
                "date_to",
                _(
                    "終了日は開始日より後の日にしてください。 / "
                    "The end date must not be before the start date."
                ),
            )
        return cleaned

    def filters(self) -> Filters:
        """The valid values, with defaults where a value is missing or wrong (errors shown)."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        values = {
            name: cleaned.get(name) or None for name in self.fields if name not in self.errors
        }
        values["year"] = values.get("year") or self.current_year
        if "date_to" in self.errors or "date_from" in self.errors:
            values.pop("date_from", None)
            values.pop("date_to", None)
        return Filters(**values)
