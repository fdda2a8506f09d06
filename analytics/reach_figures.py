"""デジタルデバイド指標: how far the classes reach residents aged 65 and over, area by area.

A **participant** is a distinct ``Registration.person_key`` with a confirmed booking and an
attendance marked 出席 or 遅刻 at a scheduled session that started in the period; age band,
町名 and device are those given on that booking (a person who gave two 町名 or age bands is
counted in each, so a 合計 is the sum of its rows). "65+" is the age bands 65〜69 to 80歳以上.
**Reach** is such participants per 1,000 residents aged 65+ of the same 町名
(``analytics.population``, the newest figures loaded).

Every count about residents passes through ``analytics.suppression`` before it reaches a
chart, a table or a file; a figure under a narrowing filter (date range, venue) is also
guarded against the same figure without it (differencing). The open-data files
(``analytics.open_data``) are built from the same tables as the page, so both hide the same
cells.

Each query function below is one database query (grouped in SQL, constant in the number of
people); pandas shapes the handful of rows it returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    When,
)
from django.db.models.functions import ExtractMonth, ExtractYear
from django.db.models.lookups import LessThan
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import suppression
from analytics.baseline import ATTRIBUTION, LICENCE, national_smartphone_use
from analytics.charts import Chart, bar_chart, line_chart
from analytics.filters import FIRST_YEAR, Filters
from analytics.population import PopulationDataset, latest_dataset, population_by_town
from classes.choices import TOSHIMA_AREAS
from classes.models import Attendance, ClassSession, Registration, SkillCheck, Venue
from learning.fiscal import FIRST_MONTH, fiscal_year, fiscal_year_span

AgeBand = Registration.AgeBand
SENIOR_BANDS = (AgeBand.AGE_65_69, AgeBand.AGE_70S, AgeBand.AGE_75_79, AgeBand.AGE_80_PLUS)
ATTENDED = (Attendance.Status.PRESENT, Attendance.Status.LATE)
PER = 1000
# Fiscal years the trend shows, ending with the selected one.
TREND_YEARS = 5
# The national baseline's age groups and the booking age bands that fall into each.
BASELINE_GROUPS = {
    "60-69": (AgeBand.AGE_60S, AgeBand.AGE_65_69),
    "70-79": (AgeBand.AGE_70S, AgeBand.AGE_75_79),
    "80+": (AgeBand.AGE_80_PLUS,),
}


@dataclass(frozen=True)
class Scope:
    """The period of a figure, [start, end), optionally narrowed to one venue."""

    start: dt.datetime
    end: dt.datetime
    venue: int | None = None

    @classmethod
    def of(cls, filters: Filters) -> Scope:
        start, end = filters.span()
        return cls(start=start, end=end, venue=filters.venue)

    @classmethod
    def fiscal_year(cls, year: int) -> Scope:
        start, end = fiscal_year_span(year)
        return cls(start=start, end=end)

    @property
    def year(self) -> int:
        return fiscal_year(self.start)

    def whole(self) -> Scope:
        """The whole fiscal year at every venue: what the ward total shows."""
        return Scope.fiscal_year(self.year)

    @property
    def is_narrowed(self) -> bool:
        return self != self.whole()


# --- Queries (one each) ------------------------------------------------------------------------


def participants(scope: Scope) -> QuerySet[Registration]:
    """Confirmed bookings that attended a scheduled session in the scope.

    The attendance conditions sit in one ``filter()`` so they apply to the same attendance.
    """
    conditions = {
        "attendances__status__in": ATTENDED,
        "attendances__session__status": ClassSession.Status.SCHEDULED,
        "attendances__session__starts_at__gte": scope.start,
        "attendances__session__starts_at__lt": scope.end,
    }
    if scope.venue is not None:
        conditions["attendances__session__venue"] = scope.venue
    return Registration.objects.confirmed().filter(**conditions)


def _people(**extra) -> Count:
    return Count("person_key", distinct=True, **extra)


def town_counts(scope: Scope) -> pd.Series:
    """Distinct participants aged 65+ per 町名 of the ward, every town (0 where none)."""
    rows = (
        participants(scope)
        .filter(age_band__in=SENIOR_BANDS, area__in=TOSHIMA_AREAS)
        .order_by()
        .values("area")
        .annotate(n=_people())
    )
    counts = {row["area"]: row["n"] for row in rows}
    return pd.Series([counts.get(t, 0) for t in TOSHIMA_AREAS], index=TOSHIMA_AREAS, dtype="int64")


def venues_by_town(scope: Scope) -> pd.DataFrame:
    """Distinct 65+ participants per 町名 and venue they attended: columns town, venue, n."""
    rows = (
        participants(scope)
        .filter(age_band__in=SENIOR_BANDS, area__in=TOSHIMA_AREAS)
        .order_by()
        .values(town=F("area"), venue=F("attendances__session__venue__name"))
        .annotate(n=_people())
    )
    return pd.DataFrame.from_records(list(rows), columns=["town", "venue", "n"])


def venues_in_towns() -> dict[str, list[str]]:
    """Active venues located in each 町名 (``Venue.area``), by name."""
    located: dict[str, list[str]] = {}
    rows = (
        Venue.objects.filter(is_active=True, area__in=TOSHIMA_AREAS)
        .order_by("area", "name")
        .values_list("area", "name")
    )
    for area, name in rows:
        located.setdefault(area, []).append(name)
    return located


def fiscal_year_of(field: str) -> Case:
    """The fiscal year of a datetime column, in SQL (Tokyo time; April starts the year)."""
    tz = timezone.get_default_timezone()
    year, month = ExtractYear(field, tzinfo=tz), ExtractMonth(field, tzinfo=tz)
    return Case(
        When(LessThan(month, FIRST_MONTH), then=year - 1),
        default=year,
        output_field=IntegerField(),
    )


def first_class_year() -> int | None:
    """The fiscal year of the first scheduled session (None: no class yet): the trend starts
    there, not with years before the classes began."""
    first = ClassSession.objects.scheduled().aggregate(first=Min("starts_at"))["first"]
    return None if first is None else fiscal_year(first)


def yearly_counts(first_year: int, last_year: int) -> pd.Series:
    """Participants aged 65+ per fiscal year (Tokyo time): the sum over 町名 of distinct
    people, so a year's figure is the 合計 of that year's 町名 table."""
    start, _end = fiscal_year_span(first_year)
    _start, end = fiscal_year_span(last_year)
    rows = (
        participants(Scope(start=start, end=end))
        .filter(age_band__in=SENIOR_BANDS, area__in=TOSHIMA_AREAS)
        .annotate(fy=fiscal_year_of("attendances__session__starts_at"))
        .order_by()
        .values("fy", "area")
        .annotate(n=_people())
    )
    totals = dict.fromkeys(range(first_year, last_year + 1), 0)
    for row in rows:
        totals[row["fy"]] += row["n"]
    return pd.Series(totals, dtype="int64")


def device_counts(scope: Scope) -> pd.DataFrame:
    """Distinct participants living in the ward per age band: who came without a smartphone
    (on any booking of the scope) and who always came with one. Index: every age band.

    区外 bookings are left out here as in the 町名 table, so the 65+ bands add up to about
    that table's 合計 rather than differ from it by the few 65+ people from outside.
    """
    without = Q(device=Registration.Device.NONE)
    rows = (
        participants(scope)
        .filter(area__in=TOSHIMA_AREAS)
        .order_by()
        .values("age_band")
        .annotate(people=_people(), without=_people(filter=without))
    )
    found = {row["age_band"]: (row["people"] - row["without"], row["without"]) for row in rows}
    return pd.DataFrame(
        [found.get(band, (0, 0)) for band in AgeBand.values],
        index=list(AgeBand.values),
        columns=["with_phone", "without"],
        dtype="int64",
    )


def _skill_pairs() -> tuple[Exists, Exists]:
    """Whether a booking's person has a pre/post pair of one item in the booking's series,
    and whether some item went from "cannot" (pre) to "can" (post).

    Pairs are read per person and series, as ``classes.skills`` does: a session-by-session
    booking answers the first check under one registration and the last under another.
    """
    pre_of_unit = SkillCheck.objects.filter(
        registration__series=OuterRef("registration__series"),
        registration__person_key=OuterRef("registration__person_key"),
        unit=OuterRef("unit"),
        phase=SkillCheck.Phase.PRE,
    )
    post = SkillCheck.objects.filter(
        registration__series=OuterRef("series"),
        registration__person_key=OuterRef("person_key"),
        phase=SkillCheck.Phase.POST,
    )
    paired = Exists(post.filter(Exists(pre_of_unit)))
    gained = Exists(post.filter(can_do=True).filter(Exists(pre_of_unit.filter(can_do=False))))
    return paired, gained


def skill_counts(scope: Scope) -> pd.DataFrame:
    """Distinct 65+ participants living in the ward with a pre/post pair per age band: who
    gained at least one can-do item, and who did not. Index: the 65+ age bands."""
    paired, gained = _skill_pairs()
    rows = (
        participants(scope)
        .filter(age_band__in=SENIOR_BANDS, area__in=TOSHIMA_AREAS)
        .annotate(paired=paired, gained=gained)
        .order_by()
        .values("age_band")
        .annotate(pairs=_people(filter=Q(paired=True)), gained=_people(filter=Q(gained=True)))
    )
    found = {row["age_band"]: (row["gained"], row["pairs"] - row["gained"]) for row in rows}
    return pd.DataFrame(
        [found.get(band, (0, 0)) for band in SENIOR_BANDS],
        index=[str(band) for band in SENIOR_BANDS],
        columns=["gained", "not_gained"],
        dtype="int64",
    )


# --- Population --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Population:
    """Residents aged 65+ per 町名 (towns without figures are absent) and where they come from."""

    by_town: dict[str, int]
    dataset: PopulationDataset | None

    @classmethod
    def load(cls) -> Population:
        dataset = latest_dataset()
        if dataset is None:
            return cls(by_town={}, dataset=None)
        frame = population_by_town(dataset.as_of, min_age=65)
        return cls(
            by_town=dict(zip(frame["town"], frame["population"], strict=True)), dataset=dataset
        )

    @property
    def ward_total(self) -> int | None:
        """All 20 towns' residents aged 65+, or None when a town has no figure."""
        if any(town not in self.by_town for town in TOSHIMA_AREAS):
            return None
        return sum(self.by_town[town] for town in TOSHIMA_AREAS)

    def note(self) -> str:
        """The as-of note every screen with these figures shows."""
        if self.dataset is None:
            return _("人口データが取り込まれていません（python manage.py import_population）。")
        when = self.dataset.note or self.dataset.as_of.isoformat()
        return _("65歳以上人口：%(when)s。出典：%(source)s") % {
            "when": when,
            "source": self.dataset.source or _("記載なし"),
        }

    def as_of_label(self) -> str:
        if self.dataset is None:
            return ""
        return self.dataset.note or self.dataset.as_of.isoformat()


def no_population() -> str:
    return _("人口データなし")


# --- The 町名 table (page and open data) -------------------------------------------------------


@dataclass(frozen=True)
class TownTable:
    """Reach by 町名 for one scope, suppressed: the rows of the page's table and of the file."""

    counts: suppression.Suppressed
    rates: suppression.Rates
    population: Population
    venues: dict[str, str]
    located: dict[str, str]

    def rows(self) -> pd.DataFrame:
        """Town rows then 合計: town, participants (shown), population, rate (shown), rate
        (float for a chart, NaN where hidden or missing), venues, located."""
        shown = self.counts.display()
        rate_text = self.rates.display(digits=1, suffix="")
        rate_value = self.rates.for_chart()
        hidden = self.counts.totals_mask
        total = suppression.total_label()
        records = []
        for town in [*TOSHIMA_AREAS, total]:
            population = (
                self.population.by_town.get(town) if town != total else self.population.ward_total
            )
            missing = population is None
            records.append(
                {
                    "town": town,
                    "participants": shown[town],
                    "population": population,
                    "rate": no_population() if missing else rate_text[town],
                    "rate_value": float("nan") if missing else float(rate_value[town]),
                    # A hidden count keeps its venues to itself: a venue listed only from
                    # k people on would tell that the hidden count is k or more.
                    "venues": "" if hidden[town] else self.venues.get(town, ""),
                    "located": self.located.get(town, ""),
                    "missing": missing,
                }
            )
        return pd.DataFrame.from_records(records)


def town_table(scope: Scope, population: Population | None = None) -> TownTable:
    """The suppressed 町名 table of reach for a scope (3 to 5 queries, constant)."""
    population = population or Population.load()
    counts = town_counts(scope)
    wider = town_counts(scope.whole()) if scope.is_narrowed else None
    suppressed = suppression.suppress_counts(counts, wider=wider)
    total = suppression.total_label()
    denominators = pd.Series(
        [population.by_town.get(t, 0) for t in TOSHIMA_AREAS] + [population.ward_total or 0],
        index=[*TOSHIMA_AREAS, total],
        dtype="int64",
    )
    rates = suppression.suppress_rate(
        suppressed,
        denominators,
        denominator_mask=pd.Series(False, index=denominators.index),
        scale=PER,
    )
    return TownTable(
        counts=suppressed,
        rates=rates,
        population=population,
        venues=_serving(scope, suppressed.k),
        located={town: "、".join(names) for town, names in venues_in_towns().items()},
    )


def _serving(scope: Scope, k: int) -> dict[str, str]:
    """Venues each 町名's participants attended, where k or more of them did (a venue named
    for one or two people would point at them)."""
    frame = venues_by_town(scope)
    frame = frame[frame["n"] >= k].sort_values(
        ["town", "n", "venue"], ascending=[True, False, True]
    )
    return {town: "、".join(part["venue"]) for town, part in frame.groupby("town", sort=False)}


# --- Charts ------------------------------------------------------------------------------------


def reach_chart(filters: Filters, population: Population) -> Chart:
    table = town_table(Scope.of(filters), population)
    rows = table.rows()
    towns = rows.iloc[:-1].copy()
    # Ranked: highest reach first; hidden or missing rates after, in the ward's order.
    towns["has_rate"] = towns["rate_value"].notna()
    towns = towns.sort_values(["has_rate", "rate_value"], ascending=[False, False], kind="stable")
    ordered = pd.concat([towns.drop(columns="has_rate"), rows.iloc[-1:]])
    title = _("65歳以上の参加者（1,000人あたり）")
    figure_frame = pd.DataFrame({_("町名"): towns["town"], _("1,000人あたり"): towns["rate_value"]})
    figure = bar_chart(
        figure_frame, x=_("町名"), y=_("1,000人あたり"), title=title, horizontal=True
    )
    figure.update_xaxes(rangemode="tozero")
    shown = pd.DataFrame(
        {
            _("町名"): ordered["town"],
            _("65歳以上の参加者"): ordered["participants"],
            _("65歳以上の人口"): [
                no_population() if pd.isna(p) else int(p) for p in ordered["population"]
            ],
            _("1,000人あたり"): ordered["rate"],
            _("参加者が通った会場"): ordered["venues"],
            _("町内の会場"): ordered["located"],
        }
    )
    note = " ".join(
        [
            population.note(),
            _(
                "参加者は、その年度に出席・遅刻の記録がある予約確定の方の実人数（氏名と電話番号で"
                "同じ方を数えます）。通った会場は、その町名の参加者が%(k)s人以上出席した会場です。"
            )
            % {"k": table.counts.k},
        ]
    )
    return Chart(
        slug="reach-by-town",
        title=title,
        table=shown.reset_index(drop=True),
        figure=figure,
        note=note,
    )


def trend_chart(filters: Filters, population: Population) -> Chart:
    first = max(FIRST_YEAR, filters.year - TREND_YEARS + 1, first_class_year() or filters.year)
    counts = yearly_counts(min(first, filters.year), filters.year)
    suppressed = suppression.suppress_counts(counts, margins=False)
    ward = population.ward_total
    rates = suppression.suppress_rate(
        suppressed,
        pd.Series(ward or 0, index=counts.index, dtype="int64"),
        denominator_mask=pd.Series(False, index=counts.index),
        scale=PER,
    )
    years = [_("%(year)s年度") % {"year": year} for year in counts.index]
    rate_text = rates.display(digits=1, suffix="")
    title = _("65歳以上の参加者の推移（区全体、1,000人あたり）")
    figure = line_chart(
        pd.DataFrame({_("年度"): years, _("1,000人あたり"): rates.for_chart().tolist()}),
        x=_("年度"),
        y=_("1,000人あたり"),
        title=title,
    )
    figure.update_yaxes(rangemode="tozero")
    shown = pd.DataFrame(
        {
            _("年度"): years,
            _("65歳以上の参加者"): suppressed.display().tolist(),
            _("1,000人あたり"): [no_population() if ward is None else t for t in rate_text],
        }
    )
    note = " ".join(
        [
            population.note(),
            _(
                "年度ごとの区全体の数字です（期間と会場の絞り込みは使いません）。人口は各年度とも同じ数字で割っています。"
            ),
        ]
    )
    return Chart(slug="reach-trend", title=title, table=shown, figure=figure, note=note)


def _percent_axis(figure: go.Figure) -> None:
    """Shares are drawn on a fixed 0–100% axis, so an empty chart does not show −1 to 1."""
    figure.update_yaxes(range=[0, 100], ticksuffix="%")


def _band_labels(bands: Iterable[str]) -> list[str]:
    return [str(AgeBand(band).label) for band in bands]


def _suppressed_table(
    frame: pd.DataFrame, scope: Scope, query: Callable[[Scope], pd.DataFrame]
) -> suppression.Suppressed:
    wider = query(scope.whole()) if scope.is_narrowed else None
    return suppression.suppress_counts(frame, wider=wider)


def _share_by_age(
    filters: Filters,
    query: Callable[[Scope], pd.DataFrame],
    *,
    part: str,
    columns: dict[str, str],
    share_name: str,
    slug: str,
    title: str,
    note: str,
) -> tuple[Chart, suppression.Suppressed]:
    """A share of participants by age band (``part`` of the 合計), as a bar chart and a table
    of the suppressed counts (``columns``: frame column → heading) with the share beside."""
    scope = Scope.of(filters)
    counts = query(scope)
    suppressed = _suppressed_table(counts, scope, query)
    total = suppression.total_label()
    totals, mask = suppressed.totals, suppressed.totals_mask
    share = suppression.suppress_rate(
        totals[part],
        totals[total],
        numerator_mask=mask[part],
        denominator_mask=mask[total],
    )
    labels = [*_band_labels(counts.index), total]
    shown = suppressed.display()
    figure = bar_chart(
        pd.DataFrame({_("年代"): labels, _("割合（%）"): share.for_chart().tolist()}),
        x=_("年代"),
        y=_("割合（%）"),
        title=title,
    )
    _percent_axis(figure)
    table = pd.DataFrame(
        {
            _("年代"): labels,
            **{name: shown[column].tolist() for column, name in columns.items()},
            share_name: share.display().tolist(),
        }
    )
    chart = Chart(slug=slug, title=title, table=table, figure=figure, note=note)
    return chart, suppressed


def device_chart(filters: Filters) -> tuple[Chart, suppression.Suppressed]:
    return _share_by_age(
        filters,
        device_counts,
        part="without",
        columns={
            "with_phone": _("スマホを持って参加"),
            "without": _("スマホなしで参加"),
            suppression.total_label(): _("参加者"),
        },
        share_name=_("スマホなしの割合"),
        slug="no-smartphone",
        title=_("スマホを持たずに参加した方の割合"),
        note=_(
            "区内にお住まいの全年代の参加者（実人数）。期間中の予約で一度でも「持っていない」を選んだ方を"
            "「スマホなし」に数えます。"
        ),
    )


def skill_chart(filters: Filters) -> Chart:
    return _share_by_age(
        filters,
        skill_counts,
        part="gained",
        columns={
            "gained": _("1つ以上増えた"),
            "not_gained": _("増えなかった"),
            suppression.total_label(): _("初回と最終回の記録がある方"),
        },
        share_name=_("増えた方の割合"),
        slug="skill-gain",
        title=_("できることが1つ以上増えた65歳以上の参加者の割合"),
        note=_(
            "できることチェックの初回と最終回の両方に答えた65歳以上の参加者のうち、初回「できない」"
            "だった項目が最終回に「できる」になった方の割合です（同じ方・同じ教室の記録を組にします）。"
        ),
    )[0]


def baseline_chart(devices: suppression.Suppressed) -> Chart:
    """National smartphone use by age beside the share of the ward's participants who came
    with a smartphone, in the baseline's age groups.

    A group is the sum of booking age bands; it is hidden when any band it sums is hidden in
    the device table (else the sum would give that band back), or is itself small.
    """
    national = national_smartphone_use()
    national = national[national["age_group"].isin(BASELINE_GROUPS)]
    values, mask = devices.values, devices.mask
    groups, with_phone, people, hidden = [], [], [], []
    for group in national["age_group"]:
        bands = [str(b) for b in BASELINE_GROUPS[group]]
        groups.append(group)
        with_phone.append(int(values.loc[bands, "with_phone"].sum()))
        people.append(int(values.loc[bands].to_numpy().sum()))
        hidden.append(bool(mask.loc[bands].to_numpy().any()))
    index = pd.Index(groups)
    people_series = pd.Series(people, index=index, dtype="int64")
    hidden_series = pd.Series(hidden, index=index) | people_series.map(suppression.is_small)
    ward = suppression.suppress_rate(
        pd.Series(with_phone, index=index, dtype="int64"),
        people_series,
        numerator_mask=hidden_series,
        denominator_mask=hidden_series,
    )
    labels = national["age_label"].tolist()
    survey_years = sorted(set(national["survey_year"].tolist()))
    national_name = _("全国（%(years)s年）") % {"years": "・".join(str(y) for y in survey_years)}
    ward_name = _("区の教室の参加者")
    title = _("スマホを使う人の割合：全国と区の教室の参加者")
    figure_frame = pd.DataFrame(
        {
            _("年齢"): labels,
            national_name: national["value_pct"].tolist(),
            ward_name: ward.for_chart().tolist(),
        }
    )
    figure = bar_chart(figure_frame, x=_("年齢"), y=[national_name, ward_name], title=title)
    _percent_axis(figure)
    # The attribution sits under the axis, the legend above the plot, so they never overlap.
    figure.update_layout(
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"t": 80, "b": 96},
    )
    figure.add_annotation(
        text=ATTRIBUTION,
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-56,
        yanchor="top",
        showarrow=False,
        xanchor="left",
        font={"size": 11},
    )
    table = pd.DataFrame(
        {
            _("年齢"): labels,
            national_name: [f"{v:.1f}%" for v in national["value_pct"]],
            _("区の参加者（スマホを持って参加）"): ward.display().tolist(),
        }
    )
    note = _(
        "全国はインターネットの利用にスマートフォンを使った人の割合（総務省 通信利用動向調査）、"
        "区はスマホを持って教室に参加した方の割合です。数字の意味が少し違うため、目安として比べてください。"
    )
    return Chart(
        slug="baseline",
        title=title,
        table=table,
        figure=figure,
        note=note,
        source=f"{ATTRIBUTION.removeprefix('出典：')}（{LICENCE}）",
    )


def reach_charts(filters: Filters, population: Population | None = None) -> list[Chart]:
    """Every chart of the デジタルデバイド指標 dashboard, in page order."""
    population = population or Population.load()
    devices, device_table = device_chart(filters)
    return [
        reach_chart(filters, population),
        trend_chart(filters, population),
        devices,
        skill_chart(filters),
        baseline_chart(device_table),
    ]
