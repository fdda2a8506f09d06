"""Mandatory-training reports for managers and admins (/learning/training/).

Admins see every department; a manager (``Department.managers``) sees their departments and
the departments below them, nothing else: every query here starts from
``visible_departments`` or ``visible_people``, the exports included. A department, person
or cohort outside that scope answers 404, as if it did not exist. The pages show other
people's results, so they need a second factor whatever the person's role, and looking at
or exporting people's results leaves an audit entry.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from accounts.models import PATH_SEPARATOR, Department, User
from accounts.roles import Role, has_role
from base.audit import log_action
from base.exports import export_response
from training.forms import SCOPE_ALL, DepartmentFilterForm, ExportForm, FiscalYearForm
from training.models import Cohort, TrainingRequirement
from training.status import (
    Counts,
    DepartmentRow,
    Status,
    cohort_board,
    department_report,
    people_status_rows,
    report_departments,
    rolled_up_report,
    training_history,
    visible_departments,
    visible_people,
    with_audience_departments,
)

MFA_TYPES = ["totp", "webauthn"]
DAY_FORMAT = "DATE_FORMAT"  # config/formats: 2026年4月1日, or 1 April 2026 in English


def local_today() -> dt.date:
    """Today in Tokyo: the day statuses and the default fiscal year are computed for."""
    return timezone.localdate()


def active_requirements() -> list[TrainingRequirement]:
    """The requirements the reports show, in a fixed order (the columns of the tables).

    Their audience departments are worked out once here for the whole request.
    """
    return with_audience_departments(
        TrainingRequirement.objects.filter(active=True).select_related("course")
    )


# --- Rows shared by the pages and the exports ------------------------------------------------


# A page shows hundreds of cells with the same few days and scores: each text is made once
# per value and language (date_format, gettext and floatformat were most of a cell).
@functools.lru_cache(maxsize=4096)
def _completed_text(day: dt.date, language: str | None) -> str:
    return _("%(day)s 修了") % {"day": date_format(day, DAY_FORMAT)}


@functools.lru_cache(maxsize=4096)
def _due_text(day: dt.date, language: str | None) -> str:
    return _("期限 %(day)s") % {"day": date_format(day, DAY_FORMAT)}


@functools.lru_cache(maxsize=4096)
def _score_text(score: float, language: str | None) -> str:
    return f"（{floatformat(score, '-1')}%）"


@dataclass
class PersonRow:
    requirement: TrainingRequirement
    person: Person
    status: str
    due_date: dt.date | None
    completed_at: dt.datetime | None
    score: float | None
    exemption_reason: str | None

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def department(self) -> Department | None:
        return self.person.department

    @property
    def detail(self) -> str:
        """The drill-down cell's second line: completion (and score), reason or due date.

        Built here rather than with blocktranslate in the template (same messages): the
        drill-down shows a hundred people times every requirement.
        """
        language = get_language()
        if self.completed_at:
            text = _completed_text(timezone.localtime(self.completed_at).date(), language)
            if self.score is not None:
                text += _score_text(self.score, language)
            return text
        if self.exemption_reason:
            return self.exemption_reason
        return _due_text(self.due_date, language)

    def days_overdue(self, today: dt.date) -> int | None:
        if self.status != Status.OVERDUE or self.due_date is None:
            return None
        return (today - self.due_date).days


@dataclass
class RequirementPeople:
    requirement: TrainingRequirement
    rows: list[PersonRow]
    counts: Counts


@dataclass
class Person:
    """A person on a report, read as plain values (building a ``User`` for each of thousands of
    rows was a fifth of the drill-down); names are User's own rules."""

    pk: int
    email: str
    last_name: str
    first_name: str
    last_name_kana: str
    first_name_kana: str
    employee_number: str | None
    department_id: int | None
    department: Department | None

    get_full_name = User.get_full_name
    full_name_kana = User.full_name_kana


def _people(rows: Iterable[dict]) -> list[Person]:
    departments: dict[int, Department] = {}
    people = []
    for row in rows:
        department = None
        if row["department_id"] is not None:
            department = departments.get(row["department_id"])
            if department is None:
                department = departments[row["department_id"]] = Department(
                    pk=row["department_id"],
                    code=row["department__code"],
                    name=row["department__name"],
                    path=row["department__path"],
                )
        people.append(
            Person(
                pk=row["pk"],
                email=row["email"],
                last_name=row["last_name"],
                first_name=row["first_name"],
                last_name_kana=row["last_name_kana"],
                first_name_kana=row["first_name_kana"],
                employee_number=row["employee_number"],
                department_id=row["department_id"],
                department=department,
            )
        )
    return people


def people_rows(
    requirements: Sequence[TrainingRequirement],
    year: int,
    users: QuerySet[User] | None,
    *,
    status: str | None = None,
    today: dt.date | None = None,
) -> list[RequirementPeople]:
    """Each requirement's people (within ``users``) with their status.

    One query for every requirement (a set of columns each, people_status_rows, its SQL
    compiled once per shape) with the people and their departments: a person in every
    requirement's audience is one ``Person`` and one row, not one per requirement.
    """
    if not requirements:
        return []
    rows = people_status_rows(requirements, year, users=users, status=status, today=today)
    people = _people(rows)
    result = []
    for n, requirement in enumerate(requirements):
        keys = (f"status_{n}", f"due_date_{n}", f"completed_at_{n}", f"score_{n}", f"reason_{n}")
        group = []
        for person, row in zip(people, rows, strict=True):
            value = row[keys[0]]
            if value is None or (status and value != status):
                continue
            group.append(
                PersonRow(
                    requirement=requirement,
                    person=person,
                    status=value,
                    due_date=row[keys[1]],
                    completed_at=row[keys[2]],
                    score=row[keys[3]],
                    exemption_reason=row[keys[4]],
                )
            )
        result.append(RequirementPeople(requirement, group, _counts(group)))
    return result


def _counts(rows: Iterable[PersonRow]) -> Counts:
    counts = Counts()
    for row in rows:
        counts.add(row.status, 1)
    return counts


def people_table(
    groups: Iterable[RequirementPeople], year: int
) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of a people export: one row per person and requirement."""
    header = [
        _("年度"),
        _("研修"),
        _("所属コード"),
        _("所属名"),
        _("職員番号"),
        _("氏名"),
        _("氏名（カナ）"),
        _("状況"),
        _("期限"),
        _("修了日時"),
        _("得点（%）"),
        _("対象外の理由"),
    ]
    rows = []
    for group in groups:
        for row in group.rows:
            person = row.person
            department = person.department
            rows.append(
                [
                    year,
                    group.requirement.display_title,
                    department.code if department else "",
                    department.name if department else "",
                    person.employee_number or "",
                    person.get_full_name(),
                    person.full_name_kana,
                    row.status_label,
                    row.due_date,
                    row.completed_at,
                    row.score,
                    row.exemption_reason or "",
                ]
            )
    return header, rows


def summary_table(
    report: Sequence[DepartmentRow], requirements: Sequence[TrainingRequirement], year: int
) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of a department-summary export (subtrees rolled up)."""
    header = [
        _("年度"),
        _("所属コード"),
        _("所属名"),
        _("階層"),
        _("研修"),
        _("対象者"),
        _("修了"),
        _("受講中"),
        _("未着手"),
        _("期限超過"),
        _("対象外"),
        _("修了率（%）"),
    ]
    rows = []
    for line in report:
        for requirement, counts in zip(requirements, line.counts, strict=True):
            rows.append(
                [
                    year,
                    line.department.code if line.department else "",
                    line.department.name if line.department else _("所属なし"),
                    line.depth,
                    requirement.display_title,
                    counts.total,
                    counts.completed,
                    counts.in_progress,
                    counts.not_started,
                    counts.overdue,
                    counts.exempt,
                    counts.percent,
                ]
            )
    return header, rows


# --- Access ----------------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class TrainingReportMixin:
    """Admins and department managers, signed in with a second factor."""

    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.today = local_today()
        self.is_admin = has_role(user, Role.ADMIN)
        self.departments = visible_departments(user)
        if not self.is_admin and not self.departments.exists():
            raise PermissionDenied
        if not is_mfa_enabled(user, MFA_TYPES):
            messages.warning(
                request,
                _("研修の状況には職員の個人情報があります。先に二段階認証を設定してください。"),
            )
            return redirect("mfa_index")
        return super().dispatch(request, *args, **kwargs)

    @property
    def people(self) -> QuerySet[User] | None:
        """The people in scope: None (everyone) for admins, else the managers' staff."""
        return None if self.is_admin else visible_people(self.request.user)

    @property
    def within(self) -> QuerySet[Department] | None:
        return None if self.is_admin else self.departments

    def year_form(self, form_class: type[FiscalYearForm] = FiscalYearForm) -> FiscalYearForm:
        return form_class(self.request.GET or None, today=self.today)

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["is_admin"] = self.is_admin
        context["today"] = self.today
        return context


def export_query(
    year: int, what: str, department: Department | None = None, *, scope: str | None = None
) -> str:
    """The query string of an export link."""
    params: dict[str, Any] = {"year": year, "what": what}
    if department is not None:
        params["department"] = department.pk
    if scope:
        params["scope"] = scope
    return urlencode(params)


# --- Pages -----------------------------------------------------------------------------------


class ReportView(TrainingReportMixin, TemplateView):
    """The department tree with completion per requirement (subtrees rolled up)."""

    template_name = "training/report.html"

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = self.year_form()
        year = form.fiscal_year
        requirements = active_requirements()
        report = (
            department_report(requirements, year, within=self.within, today=self.today)
            if requirements
            else []
        )
        context.update(
            form=form,
            year=year,
            requirements=requirements,
            report=report,
            export_query=export_query(year, "summary"),
        )
        return context


PEOPLE_PER_PAGE = 100


class DepartmentView(TrainingReportMixin, TemplateView):
    """One department: its sub-departments' figures and each person's status.

    People are those of the department itself, or with ``scope=all`` those of the departments
    below it too; one row per person, one column per requirement.
    """

    template_name = "training/department.html"

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        department = get_object_or_404(self.departments, pk=self.kwargs["pk"])
        form = self.year_form(DepartmentFilterForm)
        year = form.fiscal_year
        status = form.valid_value("status") or None
        has_children = department.children.exists()
        whole = has_children and form.valid_value("scope") == SCOPE_ALL
        if not has_children:
            del form.fields["scope"]
        requirements = active_requirements()
        # Everyone's status in the subtree once: the people table (the department's own
        # people, or all) and the sub-department figures are both made from it, rather than
        # the figures being counted again in SQL.
        everyone = people_rows(
            requirements,
            year,
            department_members(department, whole=has_children),
            today=self.today,
        )
        groups = [_only(group, None if whole else department.pk, status) for group in everyone]
        report = []
        if requirements and has_children:
            departments = report_departments(root=department, within=self.within)
            own: dict[int | None, dict[int, Counts]] = {}
            for group in everyone:
                for row in group.rows:
                    counts = own.setdefault(row.person.department_id, {})
                    counts.setdefault(group.requirement.pk, Counts()).add(row.status, 1)
            report = rolled_up_report(requirements, departments, own, scoped=True)
        ancestors = [
            d
            for d in self.departments.filter(pk__in=_ancestor_ids(department)).order_by("path")
            if d.pk != department.pk
        ]
        lines = person_lines(groups)
        # The counts cover everyone; the table shows one page, so a whole 部 stays quick.
        page = Paginator(lines, PEOPLE_PER_PAGE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        log_action(
            "learning.training.department_viewed",
            user=self.request.user,
            obj=department,
            data={"fiscal_year": year, "people": len(lines), "whole": whole},
            request=self.request,
        )
        context.update(
            form=form,
            year=year,
            department=department,
            ancestors=ancestors,
            requirements=requirements,
            report=report,
            groups=groups,
            lines=lines,
            page_obj=page,
            query=query.urlencode(),
            status=status,
            whole=whole,
            export_people=export_query(
                year, "people", department, scope=SCOPE_ALL if whole else None
            ),
        )
        return context


def _only(group: RequirementPeople, department_id: int | None, status: str | None):
    """The group's rows of one department (None: all) and status (None: any), recounted."""
    if department_id is None and not status:
        return group
    rows = [
        row
        for row in group.rows
        if (department_id is None or row.person.department_id == department_id)
        and (not status or row.status == status)
    ]
    return RequirementPeople(group.requirement, rows, _counts(rows))


def department_members(department: Department, *, whole: bool) -> QuerySet[User]:
    """The department's own people, or with ``whole`` those of its subtree too."""
    if whole:
        return User.objects.filter(department__in=department.subtree())
    return User.objects.filter(department=department)


@dataclass
class PersonLine:
    """One person on the drill-down: a cell per requirement (None: not in its audience)."""

    person: Person
    cells: list[PersonRow | None]


def person_lines(groups: Sequence[RequirementPeople]) -> list[PersonLine]:
    """Turn per-requirement rows into one line per person, in department and kana order."""
    lines: dict[int, PersonLine] = {}
    for index, group in enumerate(groups):
        for row in group.rows:
            line = lines.get(row.person.pk)
            if line is None:
                line = lines[row.person.pk] = PersonLine(row.person, [None] * len(groups))
            line.cells[index] = row
    return sorted(
        lines.values(),
        key=lambda line: (
            line.person.department.path if line.person.department else "",
            line.person.last_name_kana,
            line.person.first_name_kana,
            line.person.pk,
        ),
    )


def _ancestor_ids(department: Department) -> QuerySet[Department]:
    """The departments above this one (and itself), from its path of codes."""
    codes = department.path.split(PATH_SEPARATOR)
    return Department.objects.filter(code__in=codes).values("pk")


class OverdueView(TrainingReportMixin, TemplateView):
    """Everyone in scope whose requirement is overdue, longest overdue first."""

    template_name = "training/overdue.html"

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = self.year_form()
        year = form.fiscal_year
        today = context["today"]
        groups = people_rows(
            active_requirements(), year, self.people, status=Status.OVERDUE, today=today
        )
        rows = sorted(
            (row for group in groups for row in group.rows),
            key=lambda r: (r.due_date or today, r.department.path if r.department else ""),
        )
        log_action(
            "learning.training.overdue_viewed",
            user=self.request.user,
            data={"fiscal_year": year, "people": len(rows)},
            request=self.request,
        )
        context.update(
            form=form,
            year=year,
            rows=[(row, row.days_overdue(today)) for row in rows],
            export_query=export_query(year, "overdue"),
        )
        return context


class ExportView(TrainingReportMixin, View):
    """CSV or Excel download of a report, with exactly the scope of the page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = ExportForm(request.GET, today=self.today)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("training:report")
        year = form.cleaned_data["year"]
        what = form.cleaned_data["what"]
        fmt = form.cleaned_data["format"]
        department = None
        if form.cleaned_data.get("department"):
            department = self.departments.filter(pk=form.cleaned_data["department"]).first()
            if department is None:
                raise Http404
        requirements = active_requirements()
        if what == "summary":
            report = (
                department_report(
                    requirements, year, root=department, within=self.within, today=self.today
                )
                if requirements
                else []
            )
            header, rows = summary_table(report, requirements, year)
            title = _("所属別の修了状況 %(year)s年度") % {"year": year}
        else:
            users = self.people
            if department is not None:
                whole = form.cleaned_data.get("scope") == SCOPE_ALL or what == "overdue"
                users = department_members(department, whole=whole)
            status = Status.OVERDUE if what == "overdue" else None
            groups = people_rows(requirements, year, users, status=status, today=self.today)
            header, rows = people_table(groups, year)
            title = (
                _("期限超過 %(year)s年度") if what == "overdue" else _("研修の状況 %(year)s年度")
            ) % {"year": year}
        log_action(
            "learning.training.exported",
            user=request.user,
            obj=department,
            data={"fiscal_year": year, "what": what, "format": fmt, "rows": len(rows)},
            request=request,
        )
        name = f"training-{what}-{year}" + (f"-{department.code}" if department else "")
        return export_response(fmt, name, title, header, rows)


class PersonHistoryView(TrainingReportMixin, TemplateView):
    """One person's requirement statuses per fiscal year and every completion."""

    template_name = "training/person.html"

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        people = visible_people(self.request.user).select_related("department")
        person = get_object_or_404(people, pk=self.kwargs["pk"])
        history = training_history(person, today=self.today)
        log_action(
            "learning.training.history_viewed",
            user=self.request.user,
            obj=person,
            request=self.request,
        )
        context.update(person=person, history=history)
        return context


def visible_cohorts(view: TrainingReportMixin) -> QuerySet[Cohort]:
    """Admins: every cohort; managers: those with a member in their departments."""
    cohorts = Cohort.objects.annotate(steps=Count("path", distinct=True))
    if view.is_admin:
        return cohorts
    return cohorts.filter(
        pk__in=Cohort.objects.filter(memberships__user__department__in=view.departments).values(
            "pk"
        )
    )


class CohortListView(TrainingReportMixin, TemplateView):
    template_name = "training/cohorts.html"

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["cohorts"] = list(visible_cohorts(self).order_by("-fiscal_year", "name"))
        return context


class CohortBoardView(TrainingReportMixin, TemplateView):
    """A 寺子屋ICT cohort: where each member is on the path (a manager sees their staff only)."""

    template_name = "training/cohort.html"

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        cohort = get_object_or_404(visible_cohorts(self), pk=self.kwargs["pk"])
        board = cohort_board(cohort)
        rows = board.rows
        if not self.is_admin:
            visible = set(self.departments.values_list("pk", flat=True))
            rows = [row for row in rows if row.member.department_id in visible]
        log_action(
            "learning.training.cohort_viewed",
            user=self.request.user,
            obj=cohort,
            data={"members": len(rows)},
            request=self.request,
        )
        context.update(
            cohort=cohort,
            steps=board.steps,
            rows=[
                (row, list(zip(board.steps, row.completed, strict=True)), _next_step(board, row))
                for row in rows
            ],
            hidden=len(board.rows) - len(rows),
        )
        return context


def _next_step(board, row):
    return board.steps[row.position] if row.position < len(board.steps) else None
