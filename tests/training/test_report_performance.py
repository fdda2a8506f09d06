"""Training reports: queries per page, and the Python-built cells say what the templates said."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.gates.support import sign_in
from tests.training.training_support import course_with_lesson, requirement, tokyo
from tests.training.training_views_support import build_world
from training.status import Counts
from training.templatetags.training_tags import counts_cell, person_cell
from training.views import PersonRow

pytestmark = pytest.mark.django_db

REPORT = reverse("training:report")

# What templates/training/_counts.html rendered before the cells were built in Python.
OLD_COUNTS = (
    '{% load i18n %}{% if counts.percent is None %}<span class="counts__none">—<span class="'
    'visually-hidden">{% translate "（対象者なし）" %}</span></span>{% else %}<span class="'
    'counts__percent">{{ counts.percent|floatformat:"-1" }}%</span>\n<span class="counts__detail">'
    "{% blocktranslate with done=counts.completed required=counts.required %}{{ done }}／"
    '{{ required }}人{% endblocktranslate %}</span>{% if counts.overdue %}\n<span class="'
    'counts__overdue">{% blocktranslate with n=counts.overdue %}期限超過 {{ n }}人'
    '{% endblocktranslate %}</span>{% endif %}{% if counts.exempt %}\n<span class="'
    'counts__detail">{% blocktranslate with n=counts.exempt %}対象外 {{ n }}人'
    "{% endblocktranslate %}</span>{% endif %}{% endif %}"
)
# What the drill-down's cell detail was in templates/training/department.html.
# (with the date in the language's DATE_FORMAT, config/formats, since dates follow the language)
OLD_DETAIL = (
    '{% load i18n %}{% if cell.completed_at %}{% blocktranslate with day=cell.completed_at|date:"'
    'DATE_FORMAT" %}{{ day }} 修了{% endblocktranslate %}{% if cell.score is not None %}（'
    '{{ cell.score|floatformat:"-1" }}%）{% endif %}{% elif cell.exemption_reason %}'
    "{{ cell.exemption_reason }}{% else %}{% blocktranslate with day=cell.due_date|date:"
    '"DATE_FORMAT" %}期限 {{ day }}{% endblocktranslate %}{% endif %}'
)


@pytest.fixture
def world(make_user):
    return build_world(make_user)


def _counts(**values) -> Counts:
    counts = Counts()
    for status, n in values.items():
        counts.add(status, n)
    return counts


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(
    "values",
    [
        {},
        {"exempt": 2},
        {"completed": 1, "not_started": 2},
        {"completed": 1234, "overdue": 3, "exempt": 1, "in_progress": 5},
        {"overdue": 7},
        {"completed": 2, "overdue": 2},
        {"completed": 3},
        {"completed": 1, "not_started": 6},
    ],
)
def test_report_cells_say_what_the_template_said(language, values):
    counts = _counts(**values)
    with translation.override(language):
        assert counts_cell(counts) == Template(OLD_COUNTS).render(Context({"counts": counts}))


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(
    "cell",
    [
        {"completed_at": tokyo(2026, 5, 10, 23, 30), "score": 87.5},
        {"completed_at": dt.datetime(2026, 5, 10, 16, 0, tzinfo=dt.UTC), "score": None},
        {"completed_at": tokyo(2026, 5, 10), "score": 90.0},
        {"exemption_reason": "育児休業中<b>"},
        {"due_date": dt.date(2026, 9, 30)},
    ],
)
def test_drill_down_details_say_what_the_template_said(language, cell):
    fields = {"completed_at": None, "score": None, "exemption_reason": None, "due_date": None}
    row = PersonRow(requirement=None, person=None, status="completed", **{**fields, **cell})
    with translation.override(language):
        old = Template(OLD_DETAIL).render(Context({"cell": row}))
        new = Template("{{ cell.detail }}").render(Context({"cell": row}))
    assert new == old


# What the drill-down's cell was in templates/training/department.html.
OLD_CELL = (
    '{% load i18n %}{% if cell %}<span class="training-status training-status--{{ cell.status }}"'
    '>{{ cell.status_label }}</span>\n<span class="cell-detail">{{ cell.detail }}</span>'
    '{% else %}—<span class="visually-hidden">{% translate "対象ではありません" %}</span>'
    "{% endif %}"
)


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(
    "cell",
    [
        None,
        {"status": "completed", "completed_at": tokyo(2026, 5, 10, 23, 30), "score": 87.5},
        {"status": "exempt", "exemption_reason": "育児休業中<b>"},
        {"status": "overdue", "due_date": dt.date(2026, 9, 30)},
    ],
)
def test_drill_down_cells_say_what_the_template_said(language, cell):
    row = None
    if cell is not None:
        fields = {"completed_at": None, "score": None, "exemption_reason": None, "due_date": None}
        row = PersonRow(requirement=None, person=None, **{**fields, **cell})
    with translation.override(language):
        old = Template(OLD_CELL).render(Context({"cell": row}))
        assert person_cell(row) == old


def _queries(client: Client, url: str) -> int:
    client.get(url)  # warm-up: session, content types, site root
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_report_pages_queries_do_not_grow_with_requirements(world):
    """The report counts every requirement in one query, the drill-down reads every
    requirement's people in one; neither looks up a requirement's departments: those are read
    once per request for all requirements."""
    w = world
    client = sign_in(Client(), w["admin"])
    urls = [
        f"{REPORT}?year=2026",
        f"{reverse('training:department', args=[w['bureau'].pk])}?year=2026&scope=all",
        f"{reverse('training:department', args=[w['bureau'].pk])}?year=2026",
    ]
    privacy = course_with_lesson("privacy", "個人情報保護研修")
    requirement(privacy, title="部の研修").departments.set([w["bureau"]])
    before = [_queries(client, url) for url in urls]
    for n, dept in enumerate([w["bureau"], w["other"], w["section"]]):
        added = requirement(privacy, title=f"所属の研修{n}", include_subdepartments=n != 2)
        added.departments.set([dept])
    after = [_queries(client, url) for url in urls]
    assert [a - b for a, b in zip(after, before, strict=True)] == [0, 0, 0]
    # The report, the drill-down with everyone below and with the 部's own people.
    assert after[0] <= 20 and after[1] <= 28 and after[2] <= 28


def test_drill_down_figures_match_the_department_report(world):
    """The drill-down counts its sub-department figures from its people rows; they are the
    figures the department report computes in SQL."""
    from training.status import department_report

    w = world
    client = sign_in(Client(), w["admin"])
    url = reverse("training:department", args=[w["bureau"].pk])
    page = client.get(url, {"year": 2026}).context["report"]
    sql = department_report([w["r1"]], 2026, root=w["bureau"])
    assert [(r.department.pk, r.depth, vars(r.counts[0])) for r in page] == [
        (r.department.pk, r.depth, vars(r.counts[0])) for r in sql
    ]
