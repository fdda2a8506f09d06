"""Mandatory training: who must take which course by when, and where each person stands.

Everything here is set-based: a person's status is a SQL expression (``IN`` subqueries,
``Subquery``, ``Case``), so a report over thousands of people is a handful of queries, never a
loop.

Audience (``audience``)
    Active people only: leavers, whom the roster import deactivates, drop out of every figure.
    The parts of a requirement's audience add up: *all staff* (anyone with an employee number,
    and members of the role groups who are not from an outside organisation, i.e. not
    partner-company trainers), the chosen *departments* (with the departments below them
    when ``include_subdepartments``), members of the chosen *role* groups, and named *people*.
    The audience is today's: there is no department history, so a report for a past fiscal
    year lists the people in the audience now.

Joining date
    For someone in the audience through one of its departments, the day they joined their
    current department (``User.department_since``; ``date_joined`` when it is unknown); for
    everyone else the day their account was made (``date_joined``, Tokyo time). Someone who
    moves department therefore gets a fresh due date for the new department's requirements
    (also when moving between two departments of the same requirement). People who joined
    after the end of a fiscal year are not in that year's cycle.

Cycle and completion
    ``annual``: the cycle is fiscal year Y (1 April – 31 March, ``learning.fiscal``) and a
    completion counts when ``completion.fiscal_year == Y``, whenever it happened relative to
    the joining date (a completion before joining the audience still counts in the same
    cycle). ``once``: any completion up to the end of Y counts (a report for a past year does
    not show later completions). The completion shown is the first one in the cycle.

Due date (for cycle Y)
    ``fixed_date``: the month/day inside the cycle's fiscal year (``date_in_fiscal_year``; for
    ``once`` the fiscal year the requirement was created in), but never earlier than the
    joining date plus ``due_days`` (30 when empty), so people who join late get time too.
    ``days_after_joining``: ``once`` → joining + N days; ``annual`` → the later of the fiscal
    year's start and the joining date, plus N days. (Not "the later of the start and
    joining + N": that would make everyone who was already in the audience due on 1 April.)

Status, first match wins
    対象外 exempt (an exemption for Y or for every year) > 修了 completed > 期限超過 overdue
    (today is after due date + ``grace_days``) > 受講中 in progress (an attempt started or a
    lesson read on one of the course's lessons within the cycle) > 未着手 not started.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    F,
    FloatField,
    Func,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import PATH_SEPARATOR, Department, User
from accounts.roles import GROUP_NAMES, Role, has_role
from base.compiled_sql import CompiledRead
from learning.fiscal import (
    date_in_fiscal_year,
    fiscal_year,
    fiscal_year_dates,
    fiscal_year_span,
)
from learning.models import (
    Attempt,
    CourseCompletion,
    LessonProgress,
)
from training.models import Cohort, CohortCourse, RequirementExemption, TrainingRequirement

if TYPE_CHECKING:
    from courses.models import CoursePage

# With a fixed due date, people who join the audience late get at least this many days.
LATE_JOINER_DAYS = 30
# How many fiscal years back the per-person history computes requirement statuses.
HISTORY_YEARS = 6


class Status(TextChoices):
    NOT_STARTED = "not_started", _("未着手")
    IN_PROGRESS = "in_progress", _("受講中")
    COMPLETED = "completed", _("修了")
    OVERDUE = "overdue", _("期限超過")
    EXEMPT = "exempt", _("対象外")


# Display order: what needs attention first.
STATUS_ORDER = (
    Status.OVERDUE,
    Status.NOT_STARTED,
    Status.IN_PROGRESS,
    Status.COMPLETED,
    Status.EXEMPT,
)


class AddDays(Func):
    """``date + n days`` as a date; ``n`` is a whole number (value or expression)."""

    output_field = DateField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        # PostgreSQL (and the SQL standard's date arithmetic): date + integer is a date.
        return super().as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" + ", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="date(%(expressions)s || ' days')",
            arg_joiner=", ",
            **extra_context,
        )


def _date(value: dt.date) -> Value:
    return Value(value, output_field=DateField())


# --- Audience --------------------------------------------------------------------------------


def staff_filter() -> Q:
    """Everyone counted as ward staff.

    People with an employee number (the roster), and members of any role group (職員, 講師,
    窓口, 管理者) who do not belong to an outside organisation (partner-company trainers).
    """
    in_role_group = User.groups.through.objects.filter(
        group__name__in=list(GROUP_NAMES.values())
    ).values("user_id")
    return Q(employee_number__isnull=False) | (Q(pk__in=in_role_group) & Q(organisation=""))


def with_audience_departments(
    requirements: Sequence[TrainingRequirement],
) -> list[TrainingRequirement]:
    """Work out every requirement's audience departments at once, for one request.

    ``people_statuses`` needs each requirement's departments (with their subtrees); a page
    that computes several requirements, often twice (the report and the people), would ask
    for them once per call. This reads them in two queries for all requirements (their
    chosen departments, then every department below any of them) and keeps the ids on the
    instances, which live as long as the request that loaded them.
    """
    requirements = list(requirements)
    chosen: dict[int, list[Department]] = {r.pk: [] for r in requirements}
    through = TrainingRequirement.departments.through.objects.filter(
        trainingrequirement_id__in=list(chosen)
    ).select_related("department")
    for link in through:
        chosen[link.trainingrequirement_id].append(link.department)
    prefixes = {
        d.path + PATH_SEPARATOR
        for r in requirements
        if r.include_subdepartments
        for d in chosen[r.pk]
    }
    below: list[tuple[int, str]] = []
    if prefixes:
        subtree = Q(pk__in=[])
        for prefix in prefixes:
            subtree |= Q(path__startswith=prefix)
        below = list(Department.objects.filter(subtree).values_list("pk", "path"))
    for requirement in requirements:
        ids = [d.pk for d in chosen[requirement.pk]]
        if ids and requirement.include_subdepartments:
            mine = tuple(d.path + PATH_SEPARATOR for d in chosen[requirement.pk])
            ids = sorted(set(ids) | {pk for pk, path in below if path.startswith(mine)})
        requirement.audience_department_ids = ids
    return requirements


def _department_ids(requirement: TrainingRequirement) -> list[int]:
    """The requirement's departments, with their subtrees when asked (one query at most).

    No query when ``with_audience_departments`` has already worked them out.
    """
    known = getattr(requirement, "audience_department_ids", None)
    if known is not None:
        return known
    chosen = list(requirement.departments.all())
    if not chosen:
        return []
    if not requirement.include_subdepartments:
        return [d.pk for d in chosen]
    subtree = Q(pk__in=[d.pk for d in chosen])
    for department in chosen:
        subtree |= Q(path__startswith=department.path + PATH_SEPARATOR)
    return list(Department.objects.filter(subtree).values_list("pk", flat=True))


def _audience_filter(requirement: TrainingRequirement, department_ids: list[int]) -> Q:
    parts = Q(pk__in=[])
    if requirement.all_staff:
        parts |= staff_filter()
    if department_ids:
        parts |= Q(department_id__in=department_ids)
    parts |= Q(
        pk__in=User.groups.through.objects.filter(
            group_id__in=requirement.roles.through.objects.filter(
                trainingrequirement_id=requirement.pk
            ).values("group_id")
        ).values("user_id")
    )
    parts |= Q(
        pk__in=requirement.people.through.objects.filter(
            trainingrequirement_id=requirement.pk
        ).values("user_id")
    )
    return Q(is_active=True) & parts


def any_audience(requirements: Sequence[TrainingRequirement]) -> Q:
    """Q for the active people in the audience of any of the requirements."""
    parts = Q(pk__in=[])
    for requirement in requirements:
        parts |= _audience_filter(requirement, _department_ids(requirement))
    return parts


def audience(requirement: TrainingRequirement) -> QuerySet[User]:
    """The active people the requirement applies to now."""
    return User.objects.filter(_audience_filter(requirement, _department_ids(requirement)))


# --- Status ----------------------------------------------------------------------------------


def _joined_expression(department_ids: list[int]):
    account_made = TruncDate("date_joined", output_field=DateField())
    if not department_ids:
        return account_made
    return Case(
        When(
            department_id__in=department_ids,
            then=Coalesce("department_since", account_made, output_field=DateField()),
        ),
        default=account_made,
        output_field=DateField(),
    )


def due_date_expression(requirement: TrainingRequirement, year: int, joined):
    """SQL for the due date in cycle ``year`` given the joining-date expression."""
    rule = TrainingRequirement.DueRule
    if requirement.due_rule == rule.FIXED_DATE:
        anchor_year = year
        if requirement.recurrence == TrainingRequirement.Recurrence.ONCE:
            anchor_year = fiscal_year(requirement.created_at or timezone.now())
        fixed = date_in_fiscal_year(anchor_year, requirement.due_month, requirement.due_day)
        late = LATE_JOINER_DAYS if requirement.due_days is None else requirement.due_days
        return Greatest(_date(fixed), AddDays(joined, Value(late)), output_field=DateField())
    days = Value(requirement.due_days or 0)
    if requirement.recurrence == TrainingRequirement.Recurrence.ANNUAL:
        start, _end = fiscal_year_dates(year)
        return AddDays(Greatest(_date(start), joined, output_field=DateField()), days)
    return AddDays(joined, days)


def _cycle_filter(requirement: TrainingRequirement, year: int, lookup: str) -> Q:
    """Q for a datetime field ``lookup`` falling inside the requirement's cycle ``year``."""
    start, end = fiscal_year_span(year)
    if requirement.recurrence == TrainingRequirement.Recurrence.ANNUAL:
        return Q(**{f"{lookup}__gte": start, f"{lookup}__lt": end})
    return Q(**{f"{lookup}__lt": end})


def _completions(requirement: TrainingRequirement, year: int) -> QuerySet[CourseCompletion]:
    completions = CourseCompletion.objects.filter(course_id=requirement.course_id)
    if requirement.recurrence == TrainingRequirement.Recurrence.ANNUAL:
        return completions.filter(fiscal_year=year)
    return completions.filter(fiscal_year__lte=year)


@dataclass
class _StatusParts:
    """The SQL pieces of one requirement's statuses in one cycle (see people_statuses)."""

    audience: Q
    joined_on: object
    last_day: dt.date
    completions: QuerySet[CourseCompletion]
    exemptions: QuerySet[RequirementExemption]
    attempts: QuerySet[Attempt]
    reading: QuerySet[LessonProgress]
    overdue_before: dt.date

    def due_date(self, requirement: TrainingRequirement, year: int, joined_on: str):
        return due_date_expression(requirement, year, F(joined_on))

    def status(self, due_date: str) -> Case:
        """The status, first match wins; ``due_date`` names the due-date annotation."""
        return Case(
            When(pk__in=self.exemptions.values("user_id"), then=Value(Status.EXEMPT.value)),
            When(pk__in=self.completions.values("user_id"), then=Value(Status.COMPLETED.value)),
            When(**{f"{due_date}__lt": self.overdue_before}, then=Value(Status.OVERDUE.value)),
            When(
                Q(pk__in=self.attempts.values("user_id"))
                | Q(pk__in=self.reading.values("user_id")),
                then=Value(Status.IN_PROGRESS.value),
            ),
            default=Value(Status.NOT_STARTED.value),
            output_field=CharField(),
        )


def _status_parts(
    requirement: TrainingRequirement,
    year: int,
    today: dt.date,
    person_id: int | None = None,
) -> _StatusParts:
    department_ids = _department_ids(requirement)
    _start, last_day = fiscal_year_dates(year)
    # Membership tests are uncorrelated ``pk IN (subquery)``: PostgreSQL hashes each subquery
    # once, and estimates it so (correlated EXISTS inside CASE or OR is costed per row, which
    # pushes the plan over the JIT threshold and triples the time). Only the shown values
    # (first completion, exemption reason) are correlated subqueries.
    completions = _completions(requirement, year)
    exemptions = RequirementExemption.objects.filter(requirement_id=requirement.pk).filter(
        Q(fiscal_year=year) | Q(fiscal_year__isnull=True)
    )
    lessons = _lesson_ids(requirement.course)
    attempts = Attempt.objects.filter(lesson_id__in=lessons).filter(
        _cycle_filter(requirement, year, "started_at")
    )
    reading = LessonProgress.objects.filter(lesson_id__in=lessons).filter(
        _cycle_filter(requirement, year, "read_at")
    )
    if person_id is not None:
        completions = completions.filter(user_id=person_id)
        exemptions = exemptions.filter(user_id=person_id)
        attempts = attempts.filter(user_id=person_id)
        reading = reading.filter(user_id=person_id)
    return _StatusParts(
        audience=_audience_filter(requirement, department_ids),
        joined_on=_joined_expression(department_ids),
        last_day=last_day,
        completions=completions,
        exemptions=exemptions,
        attempts=attempts,
        reading=reading,
        overdue_before=today - dt.timedelta(days=requirement.grace_days),
    )


def people_statuses(
    requirement: TrainingRequirement,
    fiscal_year: int,
    *,
    users: QuerySet[User] | None = None,
    today: dt.date | None = None,
    person_id: int | None = None,
) -> QuerySet[User]:
    """The requirement's audience (within ``users``) in one cycle, each person annotated.

    Annotations: ``due_date``, ``status`` (a ``Status`` value), ``completed_at`` and
    ``completion_score`` (the first completion in the cycle), ``exemption_reason``,
    ``joined_on`` (the joining date the due date counts from). One SQL query.

    ``person_id``: ``users`` is that one person; the membership subqueries then read only
    their rows (an index look-up) instead of hashing everyone's completions.
    """
    today = today or timezone.localdate()
    year = fiscal_year
    base = users if users is not None else User.objects.all()
    parts = _status_parts(requirement, year, today, person_id)
    first_completion = parts.completions.filter(user_id=OuterRef("pk")).order_by(
        "completed_at", "pk"
    )
    # Few filter()/annotate() calls: every call clones the whole query, which on the report
    # pages cost more than the SQL itself. Later annotations may use earlier ones.
    return (
        base.filter(parts.audience)
        .annotate(
            joined_on=parts.joined_on,
            due_date=parts.due_date(requirement, year, "joined_on"),
            completed_at=Subquery(first_completion.values("completed_at")[:1]),
            completion_score=Subquery(
                first_completion.values("score")[:1], output_field=FloatField()
            ),
            exemption_reason=Subquery(
                parts.exemptions.filter(user_id=OuterRef("pk"))
                .order_by(F("fiscal_year").asc(nulls_last=True))
                .values("reason")[:1],
                output_field=TextField(),
            ),
            status=parts.status("due_date"),
        )
        .filter(joined_on__lte=parts.last_day)
    )


def _nth_status(
    parts: _StatusParts, requirement: TrainingRequirement, year: int, n: int
) -> dict[str, object]:
    """``joined_on_<n>``, ``due_date_<n>`` and ``status_<n>`` of the n-th requirement: the
    person's status, NULL outside its audience or before they joined in this cycle."""
    return {
        f"joined_on_{n}": parts.joined_on,
        f"due_date_{n}": parts.due_date(requirement, year, f"joined_on_{n}"),
        f"status_{n}": Case(
            When(
                parts.audience & Q(**{f"joined_on_{n}__lte": parts.last_day}),
                then=parts.status(f"due_date_{n}"),
            ),
            default=None,
            output_field=CharField(),
        ),
    }


def _status_counts_queryset(
    requirements: Sequence[TrainingRequirement],
    fiscal_year: int,
    today: dt.date,
    department_ids: tuple[int, ...] | None,
) -> QuerySet:
    """The grouped read of status_counts: people by department and every ``status_<n>``."""
    base = User.objects.all()
    if department_ids is not None:
        base = base.filter(department_id__in=department_ids)
    anyone = Q(pk__in=[])
    annotations: dict[str, object] = {}
    for n, requirement in enumerate(requirements):
        parts = _status_parts(requirement, fiscal_year, today)
        anyone |= parts.audience
        annotations.update(_nth_status(parts, requirement, fiscal_year, n))
    names = [f"status_{n}" for n in range(len(requirements))]
    return (
        base.filter(anyone)
        .annotate(**annotations)
        .order_by()
        .values("department_id", *names)
        .annotate(people=Count("pk"))
    )


# Building the grouped query (about eleven subqueries per requirement) cost the report as
# much CPU as PostgreSQL took to run it; it differs between requests only in the shape
# (requirements, cycle, day, the departments in scope): compiled once per process per shape.
_STATUS_COUNTS = CompiledRead(_status_counts_queryset, model=User, max_shapes=32)


def status_counts(
    requirements: Sequence[TrainingRequirement],
    fiscal_year: int,
    *,
    department_ids: Sequence[int] | None = None,
    today: dt.date | None = None,
) -> dict[int | None, dict[int, Counts]]:
    """How many people have each status, per department and requirement, in ONE query.

    ``department_ids``: only the people of these departments (None: everyone). The statuses
    are people_statuses' (``status_<n>`` is the n-th requirement's, NULL for someone outside
    its audience or cycle); the people are grouped by department and their statuses, so one
    pass over the people serves every requirement. The SQL is compiled once per shape.
    """
    if not requirements:
        return {}
    today = today or timezone.localdate()
    # Each requirement's departments are read once for the shape and the SQL; kept on the
    # instances only for this call unless with_audience_departments put them there.
    unknown = [r for r in requirements if getattr(r, "audience_department_ids", None) is None]
    for requirement in unknown:
        requirement.audience_department_ids = _department_ids(requirement)
    try:
        scope = tuple(department_ids) if department_ids is not None else None
        shape = (fiscal_year, today, scope, tuple(_requirement_shape(r) for r in requirements))
        grouped = _STATUS_COUNTS.rows(shape, requirements, fiscal_year, today, scope)
    finally:
        for requirement in unknown:
            del requirement.audience_department_ids
    names = [f"status_{n}" for n in range(len(requirements))]
    own: dict[int | None, dict[int, Counts]] = {}
    for row in grouped:
        counts = own.setdefault(row["department_id"], {})
        for requirement, name in zip(requirements, names, strict=True):
            if row[name] is not None:
                counts.setdefault(requirement.pk, Counts()).add(row[name], row["people"])
    return own


def _lesson_ids(course: CoursePage) -> QuerySet:
    """A subquery of the course's lesson ids (its child pages), live or not."""
    from courses.models import LessonPage

    return LessonPage.objects.child_of(course).values("pk")


# --- Department report -----------------------------------------------------------------------


@dataclass
class Counts:
    total: int = 0
    not_started: int = 0
    in_progress: int = 0
    completed: int = 0
    overdue: int = 0
    exempt: int = 0

    @property
    def required(self) -> int:
        """People who must complete (everyone not exempt)."""
        return self.total - self.exempt

    @property
    def percent(self) -> float | None:
        """Completed as a percentage of those not exempt; None when nobody must complete."""
        if self.required <= 0:
            return None
        return round(100 * self.completed / self.required, 1)

    def add(self, status: str, count: int) -> None:
        setattr(self, status, getattr(self, status) + count)
        self.total += count

    def merge(self, other: Counts) -> None:
        for name in ("total", *(s.value for s in Status)):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class DepartmentRow:
    """One department (``None``: people without one) with its subtree's counts.

    ``counts`` follows the order of the requirements given; ``by_requirement`` is keyed by
    requirement pk. ``depth`` is relative to the report's top departments (0).
    """

    department: Department | None
    depth: int
    counts: list[Counts] = field(default_factory=list)
    by_requirement: dict[int, Counts] = field(default_factory=dict)


def report_departments(
    *, root: Department | None = None, within: QuerySet[Department] | None = None
) -> list[Department]:
    """The departments of a report in path order: all, ``root``'s subtree, those ``within``."""
    departments_qs = Department.objects.all()
    if root is not None:
        departments_qs = departments_qs.filter(pk__in=root.subtree().values("pk"))
    if within is not None:
        departments_qs = departments_qs.filter(pk__in=within.values("pk"))
    return list(departments_qs.order_by("path"))


def department_report(
    requirements: Sequence[TrainingRequirement],
    fiscal_year: int,
    *,
    root: Department | None = None,
    within: QuerySet[Department] | None = None,
    today: dt.date | None = None,
) -> list[DepartmentRow]:
    """Completion counts per department and requirement, each department's subtree rolled up.

    ``root`` limits the report to one department and its subtree; ``within`` to a set of
    departments (``visible_departments(viewer)`` for a manager). Queries: one for the
    departments, per requirement one for its departments (none after
    ``with_audience_departments``), and one aggregate for all requirements grouped by
    department and statuses; the roll-up runs in Python over departments, never over people.
    """
    departments = report_departments(root=root, within=within)
    scoped = root is not None or within is not None
    department_ids = [d.pk for d in departments] if scoped else None
    own = status_counts(requirements, fiscal_year, department_ids=department_ids, today=today)
    return rolled_up_report(requirements, departments, own, scoped=scoped)


def rolled_up_report(
    requirements: Sequence[TrainingRequirement],
    departments: Sequence[Department],
    own: dict[int | None, dict[int, Counts]],
    *,
    scoped: bool,
) -> list[DepartmentRow]:
    """The report's rows from each department's own counts (by department pk, then requirement
    pk; ``None``: people without a department), every subtree rolled up into its top.

    Counts of departments outside ``departments`` are left out; the row of people without a
    department only when the report is not ``scoped`` (to a subtree or a manager's view).
    """
    by_pk = {d.pk: d for d in departments}
    # Roll up: deepest first, each department adds its subtree total to its parent.
    totals: dict[int, dict[int, Counts]] = {pk: {} for pk in by_pk}
    for pk, per_requirement in own.items():
        if pk in totals:
            for requirement_pk, counts in per_requirement.items():
                totals[pk].setdefault(requirement_pk, Counts()).merge(counts)
    for department in sorted(departments, key=lambda d: d.depth, reverse=True):
        parent = department.parent_id
        if parent in totals:
            for requirement_pk, counts in totals[department.pk].items():
                totals[parent].setdefault(requirement_pk, Counts()).merge(counts)

    top_depth = min((d.depth for d in departments), default=0)
    rows = []
    for department in departments:
        by_requirement = {r.pk: totals[department.pk].get(r.pk, Counts()) for r in requirements}
        rows.append(
            DepartmentRow(
                department=department,
                depth=department.depth - top_depth,
                counts=[by_requirement[r.pk] for r in requirements],
                by_requirement=by_requirement,
            )
        )
    if not scoped and None in own:
        by_requirement = {r.pk: own[None].get(r.pk, Counts()) for r in requirements}
        rows.append(
            DepartmentRow(
                department=None,
                depth=0,
                counts=[by_requirement[r.pk] for r in requirements],
                by_requirement=by_requirement,
            )
        )
    return rows


# --- Who sees what ---------------------------------------------------------------------------


def visible_departments(user: User) -> QuerySet[Department]:
    """Admins: every department; managers: theirs and those below; everyone else: none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Department.objects.none()
    if has_role(user, Role.ADMIN):
        return Department.objects.all()
    paths = list(user.managed_departments.values_list("path", flat=True))
    if not paths:
        return Department.objects.none()
    subtree = Q()
    for path in paths:
        subtree |= Q(path=path) | Q(path__startswith=path + PATH_SEPARATOR)
    return Department.objects.filter(subtree)


def visible_people(user: User) -> QuerySet[User]:
    """The people whose training the user may see: all (admins) or their departments' staff."""
    if getattr(user, "is_authenticated", False) and user.is_active and has_role(user, Role.ADMIN):
        return User.objects.all()
    return User.objects.filter(department__in=visible_departments(user))


# --- The learner's own requirements ----------------------------------------------------------


@dataclass
class LearnerRequirement:
    requirement: TrainingRequirement
    course: CoursePage
    fiscal_year: int
    due_date: dt.date
    status: str
    completed_at: dt.datetime | None
    score: float | None
    exemption_reason: str | None = None

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def is_open(self) -> bool:
        """Still to do (not completed, not exempt)."""
        return self.status in (Status.NOT_STARTED, Status.IN_PROGRESS, Status.OVERDUE)


def _active_requirements() -> list[TrainingRequirement]:
    return with_audience_departments(
        TrainingRequirement.objects.filter(active=True).select_related("course")
    )


def _per_requirement_statuses(
    requirements: Sequence[TrainingRequirement],
    year: int,
    today: dt.date,
    *,
    person_id: int | None = None,
) -> dict[str, object]:
    """Annotations of people_statuses' values for several requirements at once, suffixed with
    each one's position: ``due_date_<n>``, ``status_<n>`` (NULL when the n-th requirement does
    not apply to the person in this cycle), ``completed_at_<n>``, ``score_<n>``,
    ``reason_<n>`` (and ``joined_on_<n>``)."""
    annotations: dict[str, object] = {}
    for n, requirement in enumerate(requirements):
        parts = _status_parts(requirement, year, today, person_id=person_id)
        first_completion = parts.completions.filter(user_id=OuterRef("pk")).order_by(
            "completed_at", "pk"
        )
        annotations.update(_nth_status(parts, requirement, year, n))
        annotations[f"completed_at_{n}"] = Subquery(first_completion.values("completed_at")[:1])
        annotations[f"score_{n}"] = Subquery(
            first_completion.values("score")[:1], output_field=FloatField()
        )
        annotations[f"reason_{n}"] = Subquery(
            parts.exemptions.filter(user_id=OuterRef("pk"))
            .order_by(F("fiscal_year").asc(nulls_last=True))
            .values("reason")[:1],
            output_field=TextField(),
        )
    return annotations


def people_statuses_all(
    requirements: Sequence[TrainingRequirement],
    fiscal_year: int,
    *,
    users: QuerySet[User] | None = None,
    today: dt.date | None = None,
) -> QuerySet[User]:
    """Everyone in any requirement's audience (within ``users``) with every requirement's
    values (``_per_requirement_statuses``): one query however many requirements."""
    today = today or timezone.localdate()
    base = users if users is not None else User.objects.all()
    annotations = _per_requirement_statuses(requirements, fiscal_year, today)
    return base.filter(any_audience(requirements)).annotate(**annotations)


# What the drill-down, the overdue list and the people exports show of a person.
PERSON_FIELDS = (
    "pk",
    "email",
    "last_name",
    "first_name",
    "last_name_kana",
    "first_name_kana",
    "employee_number",
    "department_id",
    "department__code",
    "department__name",
    "department__path",
)


def _people_queryset(
    requirements: Sequence[TrainingRequirement],
    year: int,
    today: dt.date,
    users: QuerySet[User] | None,
    status: str | None,
) -> QuerySet:
    people = people_statuses_all(requirements, year, users=users, today=today)
    if status:
        # Only people with that status somewhere (the overdue list reads few of everyone).
        anywhere = Q(pk__in=[])
        for n in range(len(requirements)):
            anywhere |= Q(**{f"status_{n}": status})
        people = people.filter(anywhere)
    names = [
        f"{name}_{n}"
        for n in range(len(requirements))
        for name in ("status", "due_date", "completed_at", "score", "reason")
    ]
    return people.order_by("department__path", "last_name_kana", "first_name_kana", "pk").values(
        *PERSON_FIELDS, *names
    )


# The drill-down's read (every requirement's status columns for each person) is the report's
# largest query to build; compiled once per shape (requirements, cycle, day, the people's
# scope as SQL, the status asked for).
_PEOPLE = CompiledRead(_people_queryset, model=User, max_shapes=32)


def people_status_rows(
    requirements: Sequence[TrainingRequirement],
    year: int,
    *,
    users: QuerySet[User] | None = None,
    status: str | None = None,
    today: dt.date | None = None,
) -> list[dict]:
    """people_statuses_all's people (with ``status``: those with it for some requirement) as
    rows of ``PERSON_FIELDS`` and the suffixed status columns, in department and kana order.

    One query; the requirements' audience departments must be known
    (``with_audience_departments``), as they are part of the compiled SQL's shape.
    """
    today = today or timezone.localdate()
    scope = users.query.sql_with_params() if users is not None else None
    shape = (year, today, scope, status, tuple(_requirement_shape(r) for r in requirements))
    return _PEOPLE.rows(shape, requirements, year, today, users, status)


def _learner_statuses_queryset(
    requirements: Sequence[TrainingRequirement], year: int, today: dt.date, person_id: int
) -> QuerySet:
    annotations = _per_requirement_statuses(requirements, year, today, person_id=person_id)
    return User.objects.filter(pk=person_id).annotate(**annotations).values(*annotations)


def _requirement_shape(requirement: TrainingRequirement) -> tuple:
    """Everything of a requirement its status SQL is made of (fields, departments, course)."""
    course = requirement.course
    return (
        tuple(getattr(requirement, f.attname) for f in requirement._meta.concrete_fields),
        tuple(_department_ids(requirement)),
        (course.pk, course.path, course.depth) if course is not None else None,
    )


# Building and compiling the annotations (about eleven subqueries per requirement) was most of
# マイ学習's CPU, though the SQL differs between learners only in the person id: compiled once
# per process for the requirements' shape, the cycle and the day (base.compiled_sql). Bounded:
# a shape changes daily and on requirement edits.
_LEARNER_STATUSES = CompiledRead(_learner_statuses_queryset, model=User, max_shapes=32)


def _learner_statuses_row(
    requirements: Sequence[TrainingRequirement], year: int, today: dt.date, person_id: int
) -> dict | None:
    """The learner's row of _per_requirement_statuses (SQL compiled once per shape)."""
    shape = (year, today, tuple(_requirement_shape(r) for r in requirements))
    return _LEARNER_STATUSES.run(shape, requirements, year, today, person_id=person_id)


def requirement_statuses_for(
    user: User,
    year: int,
    *,
    requirements: Sequence[TrainingRequirement] | None = None,
    today: dt.date | None = None,
) -> list[LearnerRequirement]:
    """The person's status for each requirement that applies to them in cycle ``year``."""
    if requirements is None:
        requirements = _active_requirements()
    requirements = list(requirements)
    if not requirements:
        return []
    today = today or timezone.localdate()
    # One query, one row: the person with a set of columns per requirement (status NULL when
    # the requirement does not apply to them in this cycle). The membership subqueries read
    # only this person's rows.
    row = _learner_statuses_row(requirements, year, today, user.pk)
    items = []
    for n, requirement in enumerate(requirements):
        if row is None or row[f"status_{n}"] is None:
            continue
        items.append(
            LearnerRequirement(
                requirement=requirement,
                course=requirement.course,
                fiscal_year=year,
                due_date=row[f"due_date_{n}"],
                status=row[f"status_{n}"],
                completed_at=row[f"completed_at_{n}"],
                score=row[f"score_{n}"],
                exemption_reason=row[f"reason_{n}"],
            )
        )
    items.sort(key=lambda i: (STATUS_ORDER.index(Status(i.status)), i.due_date, i.requirement.pk))
    return items


def learner_requirements(user: User, *, today: dt.date | None = None) -> list[LearnerRequirement]:
    """The requirements that apply to the person this fiscal year, what needs doing first."""
    today = today or timezone.localdate()
    return requirement_statuses_for(user, fiscal_year(today), today=today)


# --- History ---------------------------------------------------------------------------------


@dataclass
class YearStatuses:
    fiscal_year: int
    requirements: list[LearnerRequirement]


@dataclass
class TrainingHistory:
    completions: list[CourseCompletion]
    years: list[YearStatuses]


def training_history(user: User, *, today: dt.date | None = None) -> TrainingHistory:
    """Every course completion (newest first) and the requirement statuses of recent years.

    Statuses cover the fiscal years since the person's account was made, at most
    ``HISTORY_YEARS`` back, newest first (one query per requirement and year).
    """
    today = today or timezone.localdate()
    completions = list(
        CourseCompletion.objects.filter(user=user)
        .select_related("course")
        .order_by("-completed_at", "-pk")
    )
    current = fiscal_year(today)
    first = max(fiscal_year(user.date_joined), current - HISTORY_YEARS + 1)
    requirements = _active_requirements()
    years = [
        YearStatuses(
            year, requirement_statuses_for(user, year, requirements=requirements, today=today)
        )
        for year in range(current, first - 1, -1)
    ]
    return TrainingHistory(completions=completions, years=years)


# --- 寺子屋ICT cohorts -----------------------------------------------------------------------


@dataclass
class CohortRow:
    member: User
    joined_on: dt.date | None
    completed: list[dt.datetime | None]  # per step of the path, the first completion
    position: int  # index of the first step not completed (== len(path) when all done)

    @property
    def done(self) -> int:
        return sum(1 for c in self.completed if c is not None)

    @property
    def finished(self) -> bool:
        return self.position >= len(self.completed)


@dataclass
class CohortBoard:
    cohort: Cohort
    steps: list[CohortCourse]
    rows: list[CohortRow]


def cohort_board(cohort: Cohort) -> CohortBoard:
    """Each member's place on the cohort's path; any completion of a course counts. 3 queries."""
    steps = list(cohort.path.select_related("course").order_by("sort_order", "pk"))
    memberships = list(
        cohort.memberships.select_related("user", "user__department").order_by(
            "user__last_name_kana", "user__first_name_kana", "user__pk"
        )
    )
    course_ids = [s.course_id for s in steps]
    first_done = {
        (row["user_id"], row["course_id"]): row["first"]
        for row in CourseCompletion.objects.filter(
            user_id__in=[m.user_id for m in memberships], course_id__in=course_ids
        )
        .values("user_id", "course_id")
        .annotate(first=Min("completed_at"))
    }
    rows = []
    for membership in memberships:
        completed = [first_done.get((membership.user_id, c)) for c in course_ids]
        position = next((i for i, c in enumerate(completed) if c is None), len(completed))
        rows.append(CohortRow(membership.user, membership.joined_on, completed, position))
    return CohortBoard(cohort=cohort, steps=steps, rows=rows)
