"""The public class list: which classes can still be booked, and the search form over them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.db.models import Min, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.choices import TOSHIMA_AREAS
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

    @property
    def is_full(self) -> bool:
        return self.seats_left == 0


def upcoming_sessions() -> QuerySet[ClassSession]:
    """Scheduled sessions of published series that have not started yet."""
    return ClassSession.objects.upcoming().public().select_related("series", "venue", "room")


class ClassFilterForm(forms.Form):
    """Search by area, venue, first date, level and device; every field is optional."""

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
        areas = {area for _pk, _name, area in venues if area}
        order = {name: i for i, name in enumerate(TOSHIMA_AREAS)}
        self.fields["area"].choices = [("", _("すべて"))] + [
            (area, area) for area in sorted(areas, key=lambda a: (order.get(a, 99), a))
        ]
        self.fields["venue"].choices = [("", _("すべて"))] + [
            (str(pk), name) for pk, name, _area in venues
        ]

    def items(self) -> list[ClassItem]:
        """The cards that match, soonest first (empty if the form is not valid)."""
        if not self.is_valid():
            return []
        data = self.cleaned_data
        return sorted(
            self._single_sessions(data) + self._whole_series(data),
            key=lambda item: (item.session.starts_at, item.series.title),
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
