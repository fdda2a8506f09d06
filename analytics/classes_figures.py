"""教室の出席: the figures of the classes dashboard, from aggregates only.

Each figure is one aggregated query (``values()`` / ``annotate()``, counts in the database),
constant in the number of people; pandas shapes the small result and every resident count
passes ``analytics.suppression`` before it reaches a chart, a table or a file.

What counts where:

- A session belongs to the month and fiscal year of its start in Tokyo time. Seats, bookings
  and the waiting list are those of scheduled sessions in the period; a whole-series booking
  holds a seat in each of its sessions, so it counts at each (as on every staff page,
  ``ClassSession.objects.with_availability``). 開催済み = scheduled and started.
- Attended = 出席・遅刻 of a booking that is still confirmed; no-show = confirmed bookings of
  held sessions without an arrival, divided by those bookings.
- A participant is a distinct ``person_key`` who arrived at a session in the period; age band,
  device and loaner phone are those of the booking.
- 町名 narrows the residents (``Registration.area``), not the venues: seats and sessions stay.
- Skill change pairs the pre and post answers to the same can-do item by the same person in
  the same class (``classes.skills`` reads them the same way: a class booked session by session
  has one booking per session, so its first and last answers sit on two bookings).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Concat, RowNumber, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import suppression
from analytics.charts import Chart, bar_chart, heatmap
from analytics.filters import Filters
from classes.models import Attendance, ClassSeries, ClassSession, Registration, SkillCheck
from classes.views_staff import visible_sessions
from courses.models import CurriculumUnit

if TYPE_CHECKING:
    from accounts.models import User

ARRIVED = [Attendance.Status.PRESENT, Attendance.Status.LATE]
RECENT_SESSIONS = 3


@dataclass(frozen=True)
class Scope:
    """Whose classes a figure counts: ``user=None`` every session (admins), else the
    sessions this person may open on the trainer pages (``visible_sessions``)."""

    user: User | None = None

    def sessions(self) -> QuerySet[ClassSession]:
        if self.user is None:
            return ClassSession.objects.all()
        return ClassSession.objects.filter(pk__in=visible_sessions(self.user).values("pk"))


# --- The querysets every figure starts from ---------------------------------------------------


def period_sessions(filters: Filters, scope: Scope) -> QuerySet[ClassSession]:
    """Sessions of the scope starting in the filters' period, at its venue, of its class."""
    start, end = filters.span()
    sessions = scope.sessions().filter(starts_at__gte=start, starts_at__lt=end)
    if filters.venue:
        sessions = sessions.filter(venue=filters.venue)
    if filters.series:
        sessions = sessions.filter(series=filters.series)
    return sessions


def _residents(filters: Filters) -> Q:
    """The bookings counted, as a condition on ``Registration`` (the 町名 filter)."""
    return Q(area=filters.town) if filters.town else Q()


def arrivals(filters: Filters, scope: Scope) -> QuerySet[Attendance]:
    """Arrivals (出席・遅刻) of still-confirmed bookings at the period's sessions."""
    queryset = Attendance.objects.filter(
        session__in=period_sessions(filters, scope).scheduled().values("pk"),
        status__in=ARRIVED,
        registration__status=Registration.Status.CONFIRMED,
    )
    if filters.town:
        queryset = queryset.filter(registration__area=filters.town)
    return queryset


def _per_session(bookings: QuerySet[Registration]) -> Coalesce:
    """Count ``bookings`` giving a place in the outer session: its own and whole-series ones
    (the rule of ``ClassSession.objects.with_availability``)."""
    own = bookings.filter(session=OuterRef("pk"))
    whole = bookings.filter(series=OuterRef("series"), session__isnull=True)
    return Coalesce(_count(own, "session"), 0) + Case(
        When(
            series__booking_mode=ClassSeries.BookingMode.WHOLE_SERIES,
            then=Coalesce(_count(whole, "series"), 0),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )


def _count(queryset: QuerySet, group_by: str) -> Subquery:
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Subquery(counted, output_field=IntegerField())


# --- Raw counts (one query each) ----------------------------------------------------------------

# Bookings of scheduled sessions, in cells that add up to them (the 合計 column).
BOOKING_BLOCK = ["attended", "no_show", "upcoming"]


def venue_month_frame(
    filters: Filters, scope: Scope, *, now: datetime | None = None
) -> pd.DataFrame:
    """Per venue and month (index): sessions held and cancelled, seats, booked, waiting,
    cancelled bookings, and of the held sessions booked, attended and no-shows (raw counts)."""
    now = now or timezone.now()
    residents = _residents(filters)
    attended = Attendance.objects.filter(
        session=OuterRef("pk"),
        status__in=ARRIVED,
        registration__status=Registration.Status.CONFIRMED,
    )
    if filters.town:
        attended = attended.filter(registration__area=filters.town)
    scheduled = Q(status=ClassSession.Status.SCHEDULED)
    held = scheduled & Q(starts_at__lte=now)

    def when(condition: Q, value: Any) -> Sum:
        return Sum(Case(When(condition, then=value), default=Value(0), output_field=IntegerField()))

    rows = (
        period_sessions(filters, scope)
        .with_availability()
        .annotate(
            month=TruncMonth("starts_at"),
            n_confirmed=_per_session(Registration.objects.confirmed().filter(residents)),
            n_waiting=_per_session(Registration.objects.waiting().filter(residents)),
            n_cancelled=_per_session(
                Registration.objects.filter(residents, status=Registration.Status.CANCELLED)
            ),
            n_attended=Coalesce(_count(attended, "session"), 0),
        )
        .order_by()
        .values("venue__name", "month")
        .annotate(
            held=Count("pk", filter=held),
            cancelled_sessions=Count("pk", filter=~scheduled),
            seats=when(scheduled, F("seat_capacity")),
            booked=when(scheduled, F("n_confirmed")),
            waiting=when(scheduled, F("n_waiting")),
            booked_held=when(held, F("n_confirmed")),
            attended=when(held, F("n_attended")),
            cancelled=Sum("n_cancelled"),
        )
    )
    columns = ["held", "cancelled_sessions", "seats", "booked", "waiting"]
    columns += ["booked_held", "attended", "cancelled"]
    records = [
        {**row, "venue": row["venue__name"], "month": _month_key(row["month"])} for row in rows
    ]
    frame = pd.DataFrame.from_records(records, columns=["venue", "month", *columns])
    frame[columns] = frame[columns].fillna(0).astype("int64")
    frame["no_show"] = frame["booked_held"] - frame["attended"]
    frame["upcoming"] = frame["booked"] - frame["booked_held"]
    return frame.sort_values(["venue", "month"]).set_index(["venue", "month"])


def age_frame(filters: Filters, scope: Scope) -> pd.Series:
    """Distinct participants by the age band of their booking, every band (label index)."""
    rows = (
        arrivals(filters, scope)
        .order_by()
        .values("registration__age_band")
        .annotate(people=Count("registration__person_key", distinct=True))
    )
    found = {row["registration__age_band"]: row["people"] for row in rows}
    bands = Registration.AgeBand
    return pd.Series(
        [found.get(value, 0) for value in bands.values],
        index=pd.Index([str(label) for label in bands.labels], name="band"),
        dtype="int64",
    )


def device_frame(filters: Filters, scope: Scope) -> pd.DataFrame:
    """Distinct participants by device (rows) and loaner phone requested or not (columns)."""
    rows = (
        arrivals(filters, scope)
        .order_by()
        .values("registration__device", "registration__wants_loaner")
        .annotate(people=Count("registration__person_key", distinct=True))
    )
    found = {
        (row["registration__device"], row["registration__wants_loaner"]): row["people"]
        for row in rows
    }
    devices = Registration.Device
    return pd.DataFrame(
        {
            "own": [found.get((v, False), 0) for v in devices.values],
            "loaner": [found.get((v, True), 0) for v in devices.values],
        },
        index=pd.Index([str(label) for label in devices.labels], name="device"),
        dtype="int64",
    )


def first_repeat_frame(filters: Filters, scope: Scope) -> pd.DataFrame:
    """Distinct participants per venue at their first class ever (``first``) and at a later
    one (``repeat``); the first class is that of a person's earliest arrival anywhere."""
    # One uncorrelated subquery (the database hashes it): "person:series" of each person's
    # earliest arrival in the ward, picked by a window function. A subquery per arrival
    # would look people up by person_key, which has no index of its own.
    earliest = (
        Attendance.objects.filter(
            status__in=ARRIVED, registration__status=Registration.Status.CONFIRMED
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("registration__person_key")],
                order_by=[F("session__starts_at").asc(), F("session_id").asc()],
            ),
            key=_person_series_key(),
        )
        .filter(rank=1)
        .values("key")
    )
    rows = (
        arrivals(filters, scope)
        .annotate(key=_person_series_key())
        .annotate(
            first=Case(
                When(key__in=earliest, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by()
        .values("session__venue__name", "first")
        .annotate(people=Count("registration__person_key", distinct=True))
    )
    found: dict[str, dict[int, int]] = {}
    for row in rows:
        found.setdefault(row["session__venue__name"], {})[row["first"]] = row["people"]
    venues = sorted(found)
    return pd.DataFrame(
        {
            "first": [found[v].get(1, 0) for v in venues],
            "repeat": [found[v].get(0, 0) for v in venues],
        },
        index=pd.Index(venues, name="venue", dtype=object),
        dtype="int64",
    )


def _person_series_key() -> Concat:
    """ "<person_key>:<series pk>" of an attendance row: one person in one class."""
    return Concat(
        "registration__person_key",
        Value(":"),
        Cast("session__series_id", CharField()),
        output_field=CharField(),
    )


def skill_change_frame(filters: Filters, scope: Scope) -> pd.DataFrame:
    """Per curriculum topic (index: "B01 title"): pairs (person and class), items answered
    in both phases, and of them the can-do items before and after (raw counts)."""
    same_item = SkillCheck.objects.filter(
        registration__series=OuterRef("registration__series"),
        registration__person_key=OuterRef("registration__person_key"),
        registration__status=Registration.Status.CONFIRMED,
        unit=OuterRef("unit"),
    )
    checks = SkillCheck.objects.filter(
        registration__series__in=period_sessions(filters, scope).values("series"),
        registration__status=Registration.Status.CONFIRMED,
    )
    if filters.town:
        checks = checks.filter(registration__area=filters.town)
    title = CurriculumUnit.objects.filter(
        course_code=OuterRef("registration__series__curriculum_code")
    ).values("course_title")[:1]
    pre, post = Q(phase=SkillCheck.Phase.PRE), Q(phase=SkillCheck.Phase.POST)
    rows = (
        checks.annotate(
            # The same item answered in the other phase: the answer is one half of a pair.
            paired=Exists(same_item.exclude(phase=OuterRef("phase"))),
        )
        .filter(paired=True)
        .annotate(
            pair=Concat(
                Cast("registration__series_id", CharField()),
                Value(":"),
                "registration__person_key",
                output_field=CharField(),
            ),
            topic_title=Subquery(title, output_field=CharField()),
        )
        .order_by()
        .values("registration__series__curriculum_code", "topic_title")
        .annotate(
            pairs=Count("pair", distinct=True),
            items_before=Count("pk", filter=pre),
            items_after=Count("pk", filter=post),
            before=Count("pk", filter=pre & Q(can_do=True)),
            after=Count("pk", filter=post & Q(can_do=True)),
        )
    )
    columns = ["pairs", "items_before", "items_after", "before", "after"]
    records = [
        {
            **row,
            "topic": " ".join(
                part
                for part in (row["registration__series__curriculum_code"], row["topic_title"])
                if part
            )
            or _("（講座番号なし）"),
        }
        for row in rows
    ]
    frame = pd.DataFrame.from_records(records, columns=["topic", *columns])
    frame[columns] = frame[columns].astype("int64")
    return frame.groupby("topic", sort=True)[columns].sum()


# --- Charts -------------------------------------------------------------------------------------


def _wider(filters: Filters) -> Filters | None:
    """The same figure without the narrowing filters, shown on the unfiltered page: the
    base of the differencing guard (None when nothing narrows)."""
    return Filters(year=filters.year) if filters.is_narrowed else None


def _suppressed(
    frame: Callable[[Filters, Scope], pd.DataFrame], filters: Filters, scope: Scope
) -> tuple[pd.DataFrame, suppression.Suppressed]:
    """A figure's raw counts and their suppression, against the unfiltered figure when a
    filter narrows (one more query then, still constant in people)."""
    raw = frame(filters, scope)
    wider_filters = _wider(filters)
    wide = frame(wider_filters, scope) if wider_filters else None
    return raw, suppression.suppress_counts(raw, wider=wide)


def venue_month_chart(filters: Filters, scope: Scope, *, now: datetime | None = None) -> Chart:
    """会場・月別の出席: sessions, seats, bookings, attendance and the rates, with totals.

    The bookings are one block whose cells add up: arrived + no-show (held sessions) +
    booked for sessions still to come = booked. Suppressed as one table with its totals, a
    hidden no-show hides its arrivals too (booked − arrived would give it back).
    """
    raw = venue_month_frame(filters, scope, now=now)
    wider_filters = _wider(filters)
    wide = venue_month_frame(wider_filters, scope, now=now) if wider_filters else None
    bookings = suppression.suppress_counts(
        raw[BOOKING_BLOCK], wider=wide[BOOKING_BLOCK] if wide is not None else None
    )
    hidden = {
        column: suppression.suppress_counts(
            raw[column], wider=wide[column] if wide is not None else None
        )
        for column in ("waiting", "cancelled")
    }
    values, mask = bookings.totals, bookings.totals_mask
    total = suppression.total_label()
    seats, shown = _unhidden(raw["seats"])
    held_mask = mask["attended"] | mask["no_show"]
    rates = {
        "no_show": suppression.suppress_rate(
            values["no_show"],
            values["attended"] + values["no_show"],
            numerator_mask=held_mask,
            denominator_mask=held_mask,
        ),
        "fill": suppression.suppress_rate(
            values[total], seats, numerator_mask=mask[total], denominator_mask=shown
        ),
        "pressure": suppression.suppress_rate(hidden["waiting"], seats, denominator_mask=shown),
    }
    block = bookings.display()
    index = block.index
    venue, month = _("会場"), _("月")
    table = pd.DataFrame(
        {
            venue: [key[0] for key in index],
            month: [_month_label(key[1]) for key in index],
            _("開催済みの回"): _unhidden(raw["held"])[0],
            _("中止した回"): _unhidden(raw["cancelled_sessions"])[0],
            _("定員（延べ）"): seats,
            _("予約（延べ）"): block[total],
            _("出席"): block["attended"],
            _("無断欠席"): block["no_show"],
            _("これからの回の予約"): block["upcoming"],
            _("無断欠席率"): rates["no_show"].display(),
            _("充足率"): rates["fill"].display(),
            _("キャンセル待ち"): hidden["waiting"].display(),
            _("待機率"): rates["pressure"].display(),
            _("予約の取消"): hidden["cancelled"].display(),
        },
        index=index,
    ).reset_index(drop=True)
    title = _("会場・月別の出席")
    return Chart(
        slug="venue-month",
        title=title,
        table=table if not raw.empty else table.iloc[0:0],
        figure=_fill_heatmap(rates["fill"].for_chart().reindex(raw.index))
        if not raw.empty
        else None,
        note=_(
            "定員・予約・キャンセル待ちは開催予定の回の延べ数です（全回まとめて申し込む教室の"
            "予約は各回に数えます）。予約＝出席＋無断欠席（開催済みの回）＋これからの回の予約。"
            "無断欠席＝開催済みの回の予約のうち出席・遅刻の記録がないもの。"
            "無断欠席率＝無断欠席÷開催済みの回の予約。充足率＝予約÷定員。"
            "待機率＝キャンセル待ち÷定員（教室を増やす目安）。"
        ),
    )


def _fill_heatmap(fill: pd.Series) -> Any:
    """Fill rate as a heat map of venue (rows) × month (columns); hidden cells are gaps."""
    grid = fill.round(1).unstack("month")
    months = sorted(grid.columns)
    grid = grid[months]
    grid.columns = [_month_label(m) for m in months]
    text = grid.map(lambda v: "" if pd.isna(v) else f"{v:.0f}%")
    return heatmap(grid, title=_("充足率（%）"), zmin=0, zmax=100, text=text)


def participants_by_age(filters: Filters, scope: Scope) -> Chart:
    """参加者の年代: distinct people who came, by the age band of their booking."""
    raw, hidden = _suppressed(age_frame, filters, scope)
    label, people = _("年代"), _("参加者（人）")
    shown = hidden.display()
    table = pd.DataFrame({label: list(shown.index), people: list(shown)})
    plot = pd.DataFrame({label: list(raw.index), people: list(hidden.for_chart())})
    title = _("参加者の年代")
    return Chart(
        slug="age",
        title=title,
        table=table if raw.sum() else table.iloc[0:0],
        figure=bar_chart(plot, x=label, y=people, title=title),
        note=_(
            "参加者＝この期間に出席（遅刻を含む）した人。同じ人は1人と数えます"
            "（申込ごとに違う年代を答えた人は、それぞれの年代に数えます）。"
        ),
    )


def participants_by_device(filters: Filters, scope: Scope) -> Chart:
    """参加者のスマホと貸出機: distinct people who came, by device and loaner request."""
    raw, hidden = _suppressed(device_frame, filters, scope)
    device, own, loaner = _("お使いのスマホ"), _("貸出機なし（人）"), _("貸出機を希望（人）")
    table = _with_label_column(hidden.display(), device, {"own": own, "loaner": loaner})
    chart_values = hidden.for_chart()
    plot = pd.DataFrame(
        {device: list(raw.index), own: chart_values["own"], loaner: chart_values["loaner"]}
    )
    title = _("参加者のスマホと貸出機")
    return Chart(
        slug="device",
        title=title,
        table=table if raw.to_numpy().sum() else table.iloc[0:0],
        figure=bar_chart(plot, x=device, y=[own, loaner], title=title),
        note=_("申込のときに答えたスマホの種類と、貸出用スマホの希望。"),
    )


def first_and_repeat(filters: Filters, scope: Scope) -> Chart:
    """初めての参加とくり返しの参加: per venue, people at their first class ever vs later."""
    raw, hidden = _suppressed(first_repeat_frame, filters, scope)
    venue, first, repeat = _("会場"), _("初めての教室（人）"), _("2つ目以降の教室（人）")
    table = _with_label_column(hidden.display(), venue, {"first": first, "repeat": repeat})
    chart_values = hidden.for_chart()
    plot = pd.DataFrame(
        {venue: list(raw.index), first: chart_values["first"], repeat: chart_values["repeat"]}
    )
    title = _("初めての参加とくり返しの参加")
    return Chart(
        slug="first-repeat",
        title=title,
        table=table if not raw.empty else table.iloc[0:0],
        figure=bar_chart(plot, x=venue, y=[first, repeat], title=title) if not raw.empty else None,
        note=_(
            "初めての教室＝その人が初めて出席した教室（区内のどの会場でも）。それより後の教室は"
            "「2つ目以降」。この期間に両方に来た人は両方に数えます。"
        ),
    )


def skill_change_chart(filters: Filters, scope: Scope) -> Chart:
    """できることの変化: per curriculum topic, the share of can-do items at the first and at
    the last session over the paired answers, with the number of pairs."""
    raw = skill_change_frame(filters, scope)
    wider_filters = _wider(filters)
    wide = skill_change_frame(wider_filters, scope) if wider_filters else None
    pairs = suppression.suppress_counts(
        raw["pairs"], wider=wide["pairs"] if wide is not None else None
    )
    mask = pairs.totals_mask
    shares = {
        phase: suppression.suppress_rate(
            _unhidden(raw[phase])[0],
            _unhidden(raw[f"items_{phase}"])[0],
            numerator_mask=mask,
            denominator_mask=mask,
        )
        for phase in ("before", "after")
    }
    change = shares["after"].values - shares["before"].values
    topic, first, last = _("講座"), _("初回にできた項目"), _("最終回にできた項目")
    table = pd.DataFrame(
        {
            topic: list(pairs.totals.index),
            _("組（人と教室）"): list(pairs.display()),
            first: list(shares["before"].display()),
            last: list(shares["after"].display()),
            _("変化（ポイント）"): [
                suppression.protected_label() if hidden else ("—" if pd.isna(v) else f"{v:+.1f}")
                for v, hidden in zip(change, mask, strict=True)
            ],
        }
    )
    plot = pd.DataFrame(
        {
            topic: list(raw.index),
            first: shares["before"].for_chart().reindex(raw.index).round(1),
            last: shares["after"].for_chart().reindex(raw.index).round(1),
        }
    )
    title = _("できることの変化（講座別）")
    return Chart(
        slug="skills",
        title=title,
        table=table if not raw.empty else table.iloc[0:0],
        figure=bar_chart(plot, x=topic, y=[first, last], title=title) if not raw.empty else None,
        note=_(
            "できることチェックの同じ項目に、同じ人が同じ教室の初回と最終回の両方で答えたものだけを"
            "数えます（組＝人と教室の組み合わせ）。割合＝「できる」と答えた項目÷答えた項目。"
        ),
    )


def trainer_sessions(scope: Scope, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """A trainer's own next and last sessions (at most three each) as the page lists them:
    booked, seats and arrivals (``with_availability``), the counts suppressed. Empty for
    admins, whose scope is no one's own."""
    if scope.user is None:
        return []
    now = now or timezone.now()
    own = scope.sessions().scheduled().with_availability()
    fields = ("pk", "starts_at", "series__title", "venue__name")
    fields += ("confirmed", "seat_capacity", "checked_in")
    upcoming = own.filter(starts_at__gt=now).order_by("starts_at", "pk")
    last = own.filter(starts_at__lte=now).order_by("-starts_at", "-pk")
    rows = [{"kind": "next", **row} for row in upcoming.values(*fields)[:RECENT_SESSIONS]]
    rows += [{"kind": "last", **row} for row in last.values(*fields)[:RECENT_SESSIONS]]
    if not rows:
        return []
    booked = suppression.suppress_counts(
        pd.Series([row["confirmed"] for row in rows]), margins=False
    ).display()
    for row in rows:
        # Arrivals are shown only when neither they nor the no-shows (booked − arrived) are
        # small; for sessions to come there is nothing to show yet.
        no_show = row["confirmed"] - row["checked_in"]
        if suppression.is_small(row["checked_in"]):
            row["arrived"] = suppression.label()
        elif suppression.is_small(no_show):
            row["arrived"] = suppression.protected_label()
        else:
            row["arrived"] = row["checked_in"]
    return [
        {
            "pk": row["pk"],
            "kind": row["kind"],
            "starts_at": row["starts_at"],
            "series": row["series__title"],
            "venue": row["venue__name"],
            "booked": booked[index],
            "seats": row["seat_capacity"],
            "attended": row["arrived"] if row["kind"] == "last" else "",
        }
        for index, row in enumerate(rows)
    ]


def charts(filters: Filters, scope: Scope, *, now: datetime | None = None) -> list[Chart]:
    """Every chart of the classes dashboard, in page order."""
    return [
        venue_month_chart(filters, scope, now=now),
        participants_by_age(filters, scope),
        participants_by_device(filters, scope),
        first_and_repeat(filters, scope),
        skill_change_chart(filters, scope),
    ]


# --- Shaping ------------------------------------------------------------------------------------


def _unhidden(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Counts that are not about residents (sessions, seats) with their 合計, and a mask
    that hides nothing: the shape ``suppress_rate`` and the table need."""
    totals = suppression.suppress_counts(values).totals
    return totals, pd.Series(False, index=totals.index)


def _with_label_column(shown: pd.DataFrame, label: str, names: dict[str, str]) -> pd.DataFrame:
    """A displayed table with its row labels as the first column and Japanese headers."""
    table = shown.rename(columns={**names, suppression.total_label(): suppression.total_label()})
    table.insert(0, label, list(table.index))
    return table.reset_index(drop=True)


def _month_key(value: datetime | date) -> str:
    """A month as "2025-06" (sortable), in Tokyo time."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value.year:04d}-{value.month:02d}"


def _month_label(key: str) -> str:
    """ "2025-06" as 2025年6月; the 合計 row's empty month stays empty."""
    if not key:
        return ""
    year, month = key.split("-")
    return _("%(year)s年%(month)s月") % {"year": int(year), "month": int(month)}
