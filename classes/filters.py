"""The public class list: which classes can still be booked, and the search form over them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from django import forms
from django.db.models import Min, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes import geo
from classes.models import ClassSeries, ClassSession, Level, Registration, Venue

DEVICE_CHOICES = [
    (Registration.Device.IPHONE, Registration.Device.IPHONE.label),
    (Registration.Device.ANDROID, Registration.Device.ANDROID.label),
]


@dataclass
class ClassItem:
    """One card of the list: a session, or a whole series booked at once."""

    series: ClassSeries
    session: ClassSession  # the page a card links to (the first session of a whole series)
    sessions: list[ClassSession] = field(default_factory=list)
    seats_left: int = 0
    waiting: int = 0
    distance_km: float | None = None  # set by 近い順: from the chosen point to the venue

    @property
    def is_full(self) -> bool:
        return self.seats_left == 0


# 並び順: the soonest first, or the nearest venue first (from a 町名 or the phone's location).
SORT_DATE = ""
SORT_NEAR = "near"
SORT_CHOICES = [(SORT_DATE, _("日付の早い順")), (SORT_NEAR, _("近い順"))]
# The phone's location, as the list's JavaScript sends it: degrees rounded to
# ``geo.COORDINATE_PLACES`` decimals. Only such values are cached (a key per ~100 m square);
# anything else is rounded for the sort but bypasses the cache (classes.views.cache_parts).
COORDINATE_PARAMETERS = ("lat", "lon")
ROUNDED_COORDINATE = re.compile(rf"^-?[0-9]{{1,3}}\.[0-9]{{1,{geo.COORDINATE_PLACES}}}$")


def is_rounded_coordinate(value: str) -> bool:
    """True for a coordinate as the list's JavaScript sends it (at most 3 decimals)."""
    return bool(ROUNDED_COORDINATE.match(value))


def phone_point(data) -> geo.Point | None:
    """The rounded (lat, lon) of the GET parameters ``lat`` and ``lon``, if both are numbers
    inside the ward's box; None otherwise (the list then sorts from the 町名, or by date)."""
    try:
        point = (float(data.get("lat", "")), float(data.get("lon", "")))
    except (TypeError, ValueError):
        return None
    if not all(math.isfinite(value) for value in point):
        return None
    point = (geo.rounded(point[0]), geo.rounded(point[1]))
    return point if geo.in_ward_box(point) else None


def venue_point(venue: Venue) -> geo.Point | None:
    if venue.latitude is None or venue.longitude is None:
        return None
    return (float(venue.latitude), float(venue.longitude))


def upcoming_sessions() -> QuerySet[ClassSession]:
    """Scheduled sessions of published series that have not started yet."""
    return ClassSession.objects.upcoming().public().select_related("series", "venue", "room")


class ClassFilterForm(forms.Form):
    """Search by area, venue, first date, level and device, in date or distance order; every
    field is optional.

    地域 lists the ward's 20 町名 (``geo.town_names``) and keeps the classes at venues of that
    町名. 近い順 orders by the distance from the phone's location when the page's JavaScript
    sent one (``lat``/``lon``, rounded), else from the chosen 町名's point (``geo.town_points``);
    then 地域 is the starting point, not a filter, so the nearest classes of the neighbouring
    町 are listed too."""

    area = forms.ChoiceField(label=_("地域"), required=False)
    venue = forms.ChoiceField(label=_("会場"), required=False)
    date_from = forms.DateField(
        label=_("この日から"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    level = forms.ChoiceField(
        label=_("レベル"), required=False, choices=[("", _("すべて"))] + Level.choices
    )
    device = forms.ChoiceField(
        label=_("スマホの種類"), required=False, choices=[("", _("すべて"))] + DEVICE_CHOICES
    )
    sort = forms.ChoiceField(
        label=_("並び順"),
        required=False,
        choices=SORT_CHOICES,
        help_text=_("近い順は、地域で選んだ町から近い会場の順に、ほかの町の教室も並べます。"),
    )

    def __init__(self, *args, choices_of: ClassFilterForm | None = None, **kwargs) -> None:
        """``choices_of``: another form of the same request, whose area and venue choices
        are taken instead of being read again."""
        super().__init__(*args, **kwargs)
        if choices_of is not None:
            for name in ("area", "venue"):
                self.fields[name].choices = choices_of.fields[name].choices
            return
        # One query: the venues with an upcoming session give both lists.
        venues = list(
            Venue.objects.filter(sessions__in=upcoming_sessions())
            .distinct()
            .order_by("name")
            .values_list("pk", "name", "area")
        )
        self.fields["area"].choices = [("", _("すべて"))] + [
            (area, area) for area in geo.town_names()
        ]
        self.fields["venue"].choices = [("", _("すべて"))] + [
            (str(pk), name) for pk, name, _area in venues
        ]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("sort") == SORT_NEAR and self.origin() is None:
            self.add_error(
                "area", _("近い順で並べるには、地域（お住まいの町名）を選んでください。")
            )
        return data

    def origin(self) -> geo.Point | None:
        """Where 近い順 measures from: the phone's rounded location, else the 町名's point."""
        point = phone_point(self.data)
        if point is not None:
            return point
        area = self.cleaned_data.get("area") if hasattr(self, "cleaned_data") else None
        return geo.town_points().get(area or "")

    def items(self) -> list[ClassItem]:
        """The cards that match, soonest or nearest first (empty if the form is not valid)."""
        if not self.is_valid():
            return []
        data = dict(self.cleaned_data)
        origin = self.origin() if data.get("sort") == SORT_NEAR else None
        if origin is not None:
            data["area"] = ""  # the starting point, not a filter
        items = self._single_sessions(data) + self._whole_series(data)
        if origin is None:
            return sorted(items, key=lambda item: (item.session.starts_at, item.series.title))
        for item in items:
            distances = [
                geo.distance_km(origin, point)
                for point in (venue_point(s.venue) for s in item.sessions)
                if point is not None
            ]
            item.distance_km = min(distances) if distances else None
        return sorted(
            items,
            key=lambda item: (
                math.inf if item.distance_km is None else item.distance_km,
                item.session.starts_at,
                item.series.title,
            ),
        )

    @staticmethod
    def _series_filter(data: dict, prefix: str = "") -> Q:
        query = Q()
        if data.get("level"):
            query &= Q(**{f"{prefix}level": data["level"]})
        if data.get("device") == Registration.Device.IPHONE:
            query &= Q(**{f"{prefix}covers_iphone": True})
        elif data.get("device") == Registration.Device.ANDROID:
            query &= Q(**{f"{prefix}covers_android": True})
        return query

    def _single_sessions(self, data: dict) -> list[ClassItem]:
        sessions = upcoming_sessions().filter(
            self._series_filter(data, "series__"),
            series__booking_mode=ClassSeries.BookingMode.PER_SESSION,
        )
        if data.get("area"):
            sessions = sessions.filter(venue__area=data["area"])
        if data.get("venue"):
            sessions = sessions.filter(venue_id=data["venue"])
        if data.get("date_from"):
            sessions = sessions.filter(starts_at__date__gte=data["date_from"])
        return [ClassItem(series=s.series, session=s, sessions=[s]) for s in sessions]

    def _whole_series(self, data: dict) -> list[ClassItem]:
        # Listed while bookable: the first scheduled session has not started (bookability).
        scheduled = Q(sessions__status=ClassSession.Status.SCHEDULED)
        series_list = (
            ClassSeries.objects.filter(
                self._series_filter(data),
                is_published=True,
                booking_mode=ClassSeries.BookingMode.WHOLE_SERIES,
            )
            .annotate(first_start=Min("sessions__starts_at", filter=scheduled))
            .filter(first_start__gt=timezone.now())
        )
        # Every listed series' dates in one query (what ``series_sessions`` gives one series).
        dates = Prefetch(
            "sessions",
            queryset=ClassSession.objects.scheduled()
            .select_related("venue", "room")
            .order_by("starts_at", "pk"),
            to_attr="dates",
        )
        items = []
        for series in series_list.prefetch_related(dates):
            sessions = series.dates
            for session in sessions:
                session.series = series  # the card reads it; no query per date
            first = sessions[0]
            if data.get("area") and not any(s.venue.area == data["area"] for s in sessions):
                continue
            if data.get("venue") and not any(str(s.venue_id) == data["venue"] for s in sessions):
                continue
            if data.get("date_from") and timezone.localdate(first.starts_at) < data["date_from"]:
                continue
            items.append(ClassItem(series=series, session=first, sessions=sessions))
        return items


def add_availability(items: list[ClassItem]) -> list[ClassItem]:
    """Fill in seats left and waitlist length (only for the cards on the current page), in
    one query through ``ClassSession.objects.with_availability``."""
    counts = ClassSession.objects.filter(pk__in=[item.session.pk for item in items])
    by_pk = {session.pk: session for session in counts.with_availability()}
    for item in items:
        item.seats_left = by_pk[item.session.pk].seats_left
        item.waiting = by_pk[item.session.pk].waiting
    return items
