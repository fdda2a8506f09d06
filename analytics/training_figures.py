"""Figures of the 必修研修 dashboard (/analytics/training/): how staff meet their requirements.

Every number comes from the rules of ``training.status``: the audience, joining date, due date,
cycle and status of each person are its SQL expressions (``people_statuses``), and the
department roll-up is ``department_report``, exactly as the training reports compute them. This
module only groups those rows in the database (one grouped query per figure and requirement,
whatever the number of staff) and shapes the small results with pandas.

These are figures about employees, not residents: percentages per department are shown as
computed, without small-cell suppression (the training reports show them too), and no name
appears anywhere. People exempt from a requirement (対象外) are left out of every figure, as
they are out of the reports' completion rate.

What the figures mean, for one requirement and fiscal year:

- completion % = completed ÷ (audience − exempt), per department with its subtree rolled up;
- the weekly curve counts, at the end of each ISO week (Monday–Sunday; the first and last weeks
  cut at 1 April and 31 March, the current year cut at today), the people whose first completion
  in the cycle happened by then (a ``once`` requirement's earlier completions count from the
  first week);
- overdue by week counts the people whose due date plus the grace days had passed by the end of
  the week and who had not completed by then (the current week: today's 期限超過);
- scores are the first completion's score in the cycle, in bands of 10 points (90–100 one band);
- days to completion run from the assignment (the later of the fiscal year's start and the
  joining date for an annual requirement, the joining date for a ``once`` one) to the day of
  the first completion, Tokyo time; a completion before the assignment counts as 0 days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
from django.db.models import (
    Case,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Floor, Greatest, TruncDate, TruncWeek
from django.utils.translation import gettext as _

from accounts.models import Department, User
from analytics.charts import PALETTE, Chart, bar_chart, heatmap, styled
from learning.fiscal import fiscal_year_dates
from training.models import CohortCourse, CohortMember, TrainingRequirement
from training.status import AddDays, department_report, due_date_expression, people_statuses

# Days-to-completion bands: (first day, last day or None for "and more").
DAY_BANDS: tuple[tuple[int, int | None], ...] = (
    (0, 7),
    (8, 14),
    (15, 30),
    (31, 60),
    (61, 90),
    (91, 180),
    (181, None),
)
SCORE_BANDS = 10  # 0–9, 10–19, …, 90–100
# A joining date long before any cycle: the due date of people in the audience all along.
_LONG_AGO_YEARS = 20


@dataclass(frozen=True)
class TrainingScope:
    """Whose training a figure counts, for which fiscal year, on which day.

    ``users`` None means everyone (an admin who chose no department); otherwise the figures
    count only these people. ``root`` and ``within`` narrow the department rows as
    ``department_report`` does (the chosen department's subtree; a manager's departments).
    """

    year: int
    today: dt.date
    users: QuerySet[User] | None = None
    root: Department | None = None
    within: QuerySet[Department] | None = None
    # Each requirement's base queryset, built once for all figures (building one is costly).
    base_querysets: dict[int, QuerySet[User]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    @property
    def last_day(self) -> dt.date:
        """The last day the figures reach: 31 March, or today in the current year."""
        return min(fiscal_year_dates(self.year)[1], self.today)


# --- Weeks -----------------------------------------------------------------------------------


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def fiscal_weeks(scope: TrainingScope) -> list[dt.date]:
    """The Mondays of the ISO weeks from 1 April to the scope's last day (none before April)."""
    first, _last = fiscal_year_dates(scope.year)
    if scope.last_day < first:
        return []
    weeks = []
    week = _monday(first)
    while week <= scope.last_day:
        weeks.append(week)
        week += dt.timedelta(days=7)
    return weeks


def week_label(monday: dt.date, year: int) -> dt.date:
    """The first day of the week inside the fiscal year (the first week starts on 1 April)."""
    return max(monday, fiscal_year_dates(year)[0])


# --- Rows of one requirement -----------------------------------------------------------------


def _required(requirement: TrainingRequirement, scope: TrainingScope) -> QuerySet[User]:
    """The requirement's audience in the scope and cycle, without the exempt, with
    ``completed_on`` (Tokyo date of the first completion in the cycle).

    The exempt are those with an ``exemption_reason`` (the status 対象外 tests the same
    exemptions): filtering on it spares the database the whole status ``CASE``, whose
    in-progress test hashes every attempt of the cycle, in each figure's query.
    """
    if requirement.pk not in scope.base_querysets:
        scope.base_querysets[requirement.pk] = (
            people_statuses(requirement, scope.year, users=scope.users, today=scope.today)
            .filter(exemption_reason__isnull=True)
            .annotate(completed_on=TruncDate("completed_at", output_field=DateField()))
            .order_by()
        )
    return scope.base_querysets[requirement.pk]


def due_line(requirement: TrainingRequirement, year: int) -> dt.date | None:
    """The due date of the people in the audience since before the year (None: it varies).

    Computed by ``training.status.due_date_expression`` itself (one query), so the line drawn
    is the rule's date: a fixed date, or the year's start plus the days for an annual
    days-after-joining requirement. A ``once`` days-after-joining requirement has no common
    date, nor has one whose date falls outside the year.
    """
    long_ago = dt.date(year - _LONG_AGO_YEARS, 4, 1)
    day = (
        TrainingRequirement.objects.filter(pk=requirement.pk)
        .annotate(
            line=due_date_expression(requirement, year, Value(long_ago, output_field=DateField()))
        )
        .values_list("line", flat=True)
        .first()
    )
    first, last = fiscal_year_dates(year)
    if isinstance(day, str):  # SQLite's date arithmetic answers text
        day = dt.date.fromisoformat(day)
    if day is None or not first <= day <= last:
        return None
    return day


def weekly_status(requirement: TrainingRequirement, scope: TrainingScope) -> pd.DataFrame:
    """Per week: completed so far, the audience, completion %, overdue at the week's end.

    One query, grouped by the week a person became overdue and the week they completed (at
    most 53 × 53 groups whatever the number of staff). Columns: ``week`` (first day),
    ``completed``, ``required``, ``percent``, ``overdue``.
    """
    overdue_from = AddDays(F("due_date"), Value(requirement.grace_days + 1))
    grouped = (
        _required(requirement, scope)
        .annotate(overdue_from=overdue_from)
        .annotate(
            # Only an overdue date the figures reach: after today (or 31 March) it has not come.
            overdue_week=Case(
                When(
                    overdue_from__lte=Value(scope.last_day, output_field=DateField()),
                    then=TruncWeek("overdue_from", output_field=DateField()),
                ),
                default=None,
                output_field=DateField(),
            ),
            completed_week=TruncWeek("completed_on", output_field=DateField()),
        )
        .values("overdue_week", "completed_week")
        .annotate(n=Count("pk"))
    )
    groups = [
        (_as_date(row["overdue_week"]), _as_date(row["completed_week"]), row["n"])
        for row in grouped
    ]
    weeks = fiscal_weeks(scope)
    columns = ["week", "completed", "required", "percent", "overdue"]
    if not weeks:
        return pd.DataFrame(columns=columns)
    required = sum(n for _overdue, _completed, n in groups)
    rows = []
    for week in weeks:
        # A week before the year's first (a ``once`` requirement) counts as the first.
        completed = sum(n for _o, done, n in groups if done is not None and done <= week)
        overdue = sum(
            n
            for late, done, n in groups
            if late is not None and late <= week and (done is None or done > week)
        )
        percent = round(100 * completed / required, 1) if required else None
        rows.append([week_label(week, scope.year), completed, required, percent, overdue])
    return pd.DataFrame(rows, columns=columns)


def _as_date(value) -> dt.date | None:
    """A week from the database as a date (SQLite answers text, some drivers datetimes)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def score_distribution(requirement: TrainingRequirement, scope: TrainingScope) -> pd.DataFrame:
    """People completed in the cycle per score band (``band`` 0–9, None: no score). One query."""
    # The score is a correlated subquery: name it once (Floor), not once per band (Case);
    # 100 (band 10) joins 90–99 below. Floor keeps NULL (no score) on every database.
    band = Floor(F("completion_score") / Value(float(SCORE_BANDS)), output_field=FloatField())
    grouped = (
        _required(requirement, scope)
        .filter(completed_at__isnull=False)
        .annotate(band=band)
        .values("band")
        .annotate(n=Count("pk"))
    )
    counts: dict[int | None, int] = {}
    for row in grouped:
        key = None if row["band"] is None else min(max(0, int(row["band"])), SCORE_BANDS - 1)
        counts[key] = counts.get(key, 0) + row["n"]
    rows = [(band, counts.get(band, 0)) for band in range(SCORE_BANDS)]
    if counts.get(None):
        rows.append((None, counts[None]))
    return pd.DataFrame(rows, columns=["band", "people"])


def days_to_completion(requirement: TrainingRequirement, scope: TrainingScope) -> pd.DataFrame:
    """People completed in the cycle per band of days from assignment to completion.

    One query grouped by the number of days (at most a few hundred groups); the bands are
    ``DAY_BANDS``. Columns: ``first``, ``last``, ``people``.
    """
    if requirement.recurrence == TrainingRequirement.Recurrence.ANNUAL:
        start, _end = fiscal_year_dates(scope.year)
        assigned = Greatest(
            Value(start, output_field=DateField()), F("joined_on"), output_field=DateField()
        )
    else:
        assigned = F("joined_on")
    grouped = (
        _required(requirement, scope)
        .filter(completed_at__isnull=False)
        .annotate(assigned_on=assigned)
        .annotate(
            took=ExpressionWrapper(
                F("completed_on") - F("assigned_on"), output_field=DurationField()
            )
        )
        .values("took")
        .annotate(n=Count("pk"))
    )
    per_day: dict[int, int] = {}
    for row in grouped:
        days = max(0, _days(row["took"]))
        per_day[days] = per_day.get(days, 0) + row["n"]
    rows = []
    for first, last in DAY_BANDS:
        people = sum(
            n for days, n in per_day.items() if days >= first and (last is None or days <= last)
        )
        rows.append((first, last, people))
    return pd.DataFrame(rows, columns=["first", "last", "people"])


def _days(value) -> int:
    if isinstance(value, dt.timedelta):
        return value.days
    if isinstance(value, int | float):  # microseconds, where a driver answers a number
        return int(value // 86_400_000_000)
    return int(value)


# --- Departments and cohorts -----------------------------------------------------------------


def completion_by_department(
    requirements: Sequence[TrainingRequirement], scope: TrainingScope
) -> pd.DataFrame:
    """Completion % per department (subtree rolled up) and requirement, in tree order.

    ``training.status.department_report`` as the training report computes it. Columns:
    ``code``, ``name``, ``depth``, and per requirement its title holding the percentage
    (None where nobody must complete).
    """
    report = department_report(
        requirements, scope.year, root=scope.root, within=scope.within, today=scope.today
    )
    titles = requirement_titles(requirements)
    rows = []
    for line in report:
        department = line.department
        rows.append(
            [
                department.code if department else "",
                department.name if department else _("所属なし"),
                line.depth,
                *(counts.percent for counts in line.counts),
            ]
        )
    return pd.DataFrame(rows, columns=["code", "name", "depth", *titles])


def requirement_titles(requirements: Sequence[TrainingRequirement]) -> list[str]:
    """Column titles of the requirements, made unique (two may share a course title)."""
    titles: list[str] = []
    for requirement in requirements:
        title = requirement.display_title
        if title in titles:
            title = f"{title}（{requirement.pk}）"
        titles.append(title)
    return titles


def cohort_progress(scope: TrainingScope) -> pd.DataFrame:
    """Per 寺子屋ICT cohort of the year and step of its path: members and members completed.

    Any completion of the step's course counts, as on the cohort board
    (``training.status.cohort_board``); members are those in the scope. One query (two
    correlated counts per step). Cohorts with no member in the scope are left out.
    """
    members = CohortMember.objects.all()
    if scope.users is not None:
        members = members.filter(user__in=scope.users)
    in_cohort = members.filter(cohort=OuterRef("cohort")).order_by()
    total = in_cohort.values("cohort").annotate(c=Count("pk")).values("c")
    done = (
        in_cohort.filter(user__course_completions__course=OuterRef("course"))
        .values("cohort")
        .annotate(c=Count("pk", distinct=True))
        .values("c")
    )
    steps = (
        CohortCourse.objects.filter(cohort__fiscal_year=scope.year)
        .annotate(
            members=Coalesce(Subquery(total, output_field=IntegerField()), 0),
            completed=Coalesce(Subquery(done, output_field=IntegerField()), 0),
        )
        .filter(members__gt=0)
        .order_by("cohort__name", "cohort_id", "sort_order", "pk")
        .values("cohort__name", "cohort_id", "sort_order", "course__title", "members", "completed")
    )
    frame = pd.DataFrame.from_records(
        list(steps),
        columns=[
            "cohort__name",
            "cohort_id",
            "sort_order",
            "course__title",
            "members",
            "completed",
        ],
    )
    if frame.empty:
        return pd.DataFrame(columns=["cohort", "step", "course", "members", "completed", "percent"])
    frame["step"] = frame.groupby("cohort_id").cumcount() + 1
    frame["percent"] = (100 * frame["completed"] / frame["members"]).round(1)
    return frame.rename(columns={"cohort__name": "cohort", "course__title": "course"})[
        ["cohort", "step", "course", "members", "completed", "percent"]
    ]


# --- Charts ----------------------------------------------------------------------------------


def completion_heatmap_chart(
    requirements: Sequence[TrainingRequirement], scope: TrainingScope
) -> Chart:
    frame = completion_by_department(requirements, scope) if requirements else None
    title = _("所属別・研修別の修了率（%）")
    if frame is None or frame.empty:
        return Chart(slug="completion", title=title, table=pd.DataFrame())
    titles = requirement_titles(requirements)
    labels = _unique_labels(frame)
    grid = frame[titles].astype(float)
    grid.index = labels
    text = grid.map(lambda v: "" if pd.isna(v) else f"{v:.1f}")
    figure = heatmap(grid, title=title, text=text, colorbar_title=_("修了率（%）"))
    table = pd.DataFrame({_("所属"): labels, _("所属コード"): frame["code"].tolist()})
    for name in titles:
        table[_("%(title)s 修了率（%%）") % {"title": name}] = frame[name].tolist()
    return Chart(
        slug="completion",
        title=title,
        table=table,
        figure=figure,
        note=_(
            "修了した人 ÷ 対象者（対象外の人を除く）。上位の所属は下位の所属を含みます。"
            "所属の並びは組織の順です。"
        ),
    )


def _unique_labels(frame: pd.DataFrame) -> list[str]:
    """Department names indented by depth; a repeated name gets its code."""
    names = frame["name"].tolist()
    labels = []
    for name, code, depth in zip(names, frame["code"], frame["depth"], strict=True):
        label = name if names.count(name) == 1 or not code else f"{name}（{code}）"
        labels.append("　" * int(depth) + label)
    return labels


def weekly_charts(
    requirements: Sequence[TrainingRequirement], scope: TrainingScope
) -> tuple[Chart, Chart]:
    """The completion curve and the overdue count by week (one query per requirement)."""
    titles = requirement_titles(requirements)
    frames = []
    for requirement, name in zip(requirements, titles, strict=True):
        frame = weekly_status(requirement, scope)
        frame.insert(0, "requirement", name)
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    curve_title = _("週ごとの修了率（累計、%）")
    overdue_title = _("週ごとの期限超過の人数")
    if frame.empty:
        empty = pd.DataFrame()
        return Chart("curve", curve_title, empty), Chart("overdue", overdue_title, empty)

    curve = go.Figure()
    overdue = go.Figure()
    for index, (name, part) in enumerate(frame.groupby("requirement", sort=False)):
        colour = PALETTE[index % len(PALETTE)]
        weeks = [d.isoformat() for d in part["week"]]
        curve.add_trace(
            go.Scatter(
                name=name,
                x=weeks,
                y=[None if pd.isna(v) else v for v in part["percent"]],
                mode="lines+markers",
                line={"color": colour},
            )
        )
        overdue.add_trace(
            go.Bar(name=name, x=weeks, y=part["overdue"].tolist(), marker={"color": colour})
        )
    due_days = [due_line(requirement, scope.year) for requirement in requirements]
    # The due dates as vertical lines, set in one layout update (add_vline per line is slow).
    shapes, notes = [], []
    for index, day in enumerate(due_days):
        if day is not None:
            shapes.append(
                {
                    "type": "line",
                    "xref": "x",
                    "yref": "paper",
                    "x0": day.isoformat(),
                    "x1": day.isoformat(),
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": PALETTE[index % len(PALETTE)], "dash": "dash", "width": 2},
                }
            )
            notes.append(
                {
                    "x": day.isoformat(),
                    "y": 100,
                    "text": _("期限 %(date)s") % {"date": f"{day.month}/{day.day}"},
                    "showarrow": False,
                    "yanchor": "bottom",
                }
            )
    curve.update_layout(
        shapes=shapes,
        annotations=notes,
        showlegend=len(requirements) > 1,
        xaxis={"type": "date"},
        yaxis={"range": [0, 105], "title": {"text": "%"}},
    )
    overdue.update_xaxes(type="date")
    overdue.update_yaxes(title={"text": _("人")}, rangemode="tozero")
    overdue.update_layout(barmode="group", showlegend=len(requirements) > 1)

    week_column = _("週の始まり")
    requirement_column = _("研修")
    curve_table = pd.DataFrame(
        {
            week_column: frame["week"].tolist(),
            requirement_column: frame["requirement"].tolist(),
            _("修了（累計、人）"): frame["completed"].tolist(),
            _("対象者（人）"): frame["required"].tolist(),
            _("修了率（%）"): frame["percent"].tolist(),
        }
    )
    overdue_table = pd.DataFrame(
        {
            week_column: frame["week"].tolist(),
            requirement_column: frame["requirement"].tolist(),
            _("期限超過（人）"): frame["overdue"].tolist(),
        }
    )
    lines = [
        _("%(title)s の期限：%(date)s")
        % {"title": name, "date": day.isoformat() if day else _("人ごとに異なる")}
        for name, day in zip(titles, due_days, strict=True)
    ]
    return (
        Chart(
            slug="curve",
            title=curve_title,
            table=curve_table,
            figure=styled(curve, title=curve_title),
            note=_(
                "各週の終わり（日曜日。今年度は今日）までに修了した人の割合。"
                "点線は年度の初めから対象の人の期限です。"
            ),
            details=lines,
        ),
        Chart(
            slug="overdue",
            title=overdue_title,
            table=overdue_table,
            figure=styled(overdue, title=overdue_title),
            note=_("各週の終わりに、期限（と猶予日数）を過ぎても修了していなかった人の数。"),
        ),
    )


def score_chart(requirements: Sequence[TrainingRequirement], scope: TrainingScope) -> Chart:
    title = _("修了時の得点の分布")
    frames = []
    for requirement, name in zip(requirements, requirement_titles(requirements), strict=True):
        frame = score_distribution(requirement, scope)
        frame["label"] = frame["band"].map(_score_label)
        frame["requirement"] = name
        frames.append(frame)
    if not frames or sum(int(f["people"].sum()) for f in frames) == 0:
        return Chart(slug="scores", title=title, table=pd.DataFrame())
    frame = pd.concat(frames, ignore_index=True)
    table = pd.DataFrame(
        {
            _("得点（%）"): frame["label"].tolist(),
            _("研修"): frame["requirement"].tolist(),
            _("人数"): frame["people"].tolist(),
        }
    )
    figure = bar_chart(table, x=_("得点（%）"), y=_("人数"), color=_("研修"), title=title)
    figure.update_xaxes(title={"text": _("得点（%）")})
    return Chart(
        slug="scores",
        title=title,
        table=table,
        figure=figure,
        note=_("年度の最初の修了の得点率。90〜100は一つの区分です。得点のない講座は「得点なし」。"),
    )


def _score_label(band) -> str:
    if band is None or (isinstance(band, float) and pd.isna(band)):
        return _("得点なし")
    band = int(band)
    last = 100 if band == SCORE_BANDS - 1 else (band + 1) * SCORE_BANDS - 1
    return f"{band * SCORE_BANDS}–{last}"


def days_chart(requirements: Sequence[TrainingRequirement], scope: TrainingScope) -> Chart:
    title = _("修了までの日数")
    frames = []
    for requirement, name in zip(requirements, requirement_titles(requirements), strict=True):
        frame = days_to_completion(requirement, scope)
        frame["label"] = [
            _("%(first)s〜%(last)s日") % {"first": f, "last": int(last)}
            if last is not None and not pd.isna(last)
            else _("%(first)s日以上") % {"first": f}
            for f, last in zip(frame["first"], frame["last"], strict=True)
        ]
        frame["requirement"] = name
        frames.append(frame)
    if not frames or sum(int(f["people"].sum()) for f in frames) == 0:
        return Chart(slug="days", title=title, table=pd.DataFrame())
    frame = pd.concat(frames, ignore_index=True)
    table = pd.DataFrame(
        {
            _("日数"): frame["label"].tolist(),
            _("研修"): frame["requirement"].tolist(),
            _("人数"): frame["people"].tolist(),
        }
    )
    figure = bar_chart(table, x=_("日数"), y=_("人数"), color=_("研修"), title=title)
    return Chart(
        slug="days",
        title=title,
        table=table,
        figure=figure,
        note=_(
            "対象になった日（毎年度の研修は年度の初めか配属日の遅いほう、一度だけの研修は"
            "配属日）から修了した日まで。対象になる前の修了は0日に数えます。"
        ),
    )


def cohort_chart(scope: TrainingScope) -> Chart:
    title = _("寺子屋ICTの期ごとの進み具合")
    frame = cohort_progress(scope)
    if frame.empty:
        return Chart(slug="cohorts", title=title, table=pd.DataFrame())
    frame["label"] = [
        f"{step}. {course}" for step, course in zip(frame["step"], frame["course"], strict=True)
    ]
    table = pd.DataFrame(
        {
            _("講座（受講順）"): frame["label"].tolist(),
            _("期"): frame["cohort"].tolist(),
            _("参加者"): frame["members"].tolist(),
            _("修了"): frame["completed"].tolist(),
            _("修了率（%）"): frame["percent"].tolist(),
        }
    )
    figure = bar_chart(table, x=_("講座（受講順）"), y=_("修了率（%）"), color=_("期"), title=title)
    figure.update_yaxes(range=[0, 100])
    return Chart(
        slug="cohorts",
        title=title,
        table=table,
        figure=figure,
        note=_("受講順の各講座を修了した参加者の割合（いつの修了でも数えます）。"),
    )
