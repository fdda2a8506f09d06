"""マイ学習 with mandatory training: the page's queries do not grow with requirements."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.roles import GROUP_NAMES, Role
from learning.fiscal import fiscal_year
from tests.gates.support import sign_in
from tests.training.training_support import (
    complete,
    course_with_lesson,
    department,
    read_lesson,
    requirement,
    staff,
    tokyo,
)
from training.models import TrainingRequirement
from training.status import (
    HISTORY_YEARS,
    learner_requirements,
    requirement_statuses_for,
    training_history,
)

pytestmark = pytest.mark.django_db

MY_URL = "/learning/my/"


@pytest.fixture
def setting():
    """A 部 with a 課, a learner in the 課 and a colleague, one course with a lesson."""
    bureau = department("01", "政策経営部")
    section = department("0101", "情報管理課", parent=bureau)
    learner = staff(section, last_name="一番", employee_number="100001")
    return {
        "bureau": bureau,
        "section": section,
        "learner": learner,
        "course": course_with_lesson("security", "情報セキュリティ研修"),
    }


def _by_bureau(s: dict) -> TrainingRequirement:
    by_bureau = requirement(s["course"], title="部の研修", include_subdepartments=True)
    by_bureau.departments.set([s["bureau"]])
    return by_bureau


def _more_requirements(s: dict) -> list[TrainingRequirement]:
    """Four more requirements reaching the learner each another way (all staff, own 課 only,
    by name, by role), so each kind of audience is read."""
    course = s["course"]
    everyone = requirement(course, all_staff=True, title="全職員の研修")
    by_section = requirement(course, title="課の研修", include_subdepartments=False)
    by_section.departments.set([s["section"]])
    by_name = requirement(course, title="指名の研修")
    by_name.people.set([s["learner"]])
    by_role = requirement(course, title="役割の研修")
    by_role.roles.set([Group.objects.get(name=GROUP_NAMES[Role.STAFF])])
    return [everyone, by_section, by_name, by_role]


def _page_queries(user) -> tuple[int, str]:
    # The learner's role (職員) needs a second factor to reach マイ学習, as every role does.
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    client = sign_in(Client(), user)
    client.get(MY_URL)  # warm-up: Wagtail's site root, content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(MY_URL)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_my_learning_queries_do_not_grow_with_requirements(setting):
    s = setting
    read_lesson(s["learner"], s["course"], tokyo(2026, 5, 1))
    _by_bureau(s)
    one, html = _page_queries(s["learner"])
    assert "部の研修" in html
    more = _more_requirements(s)
    five, html = _page_queries(s["learner"])
    assert all(r.title in html for r in more)
    assert five == one
    assert five <= 20


def test_a_learners_statuses_are_one_query_for_every_requirement(setting):
    s = setting
    _by_bureau(s)
    _more_requirements(s)
    today = dt.date(2026, 10, 5)
    complete(s["learner"], s["course"], tokyo(2026, 6, 1), score=80.0)
    # The requirements and their audience departments (two queries), then one for all
    # five statuses.
    with CaptureQueriesContext(connection) as queries:
        items = learner_requirements(s["learner"], today=today)
    assert len(queries) <= 4
    assert len(items) == 5 and {i.status for i in items} == {"completed"}
    assert all(i.completed_at == tokyo(2026, 6, 1) and i.score == 80.0 for i in items)
    requirements = list(TrainingRequirement.objects.select_related("course"))
    for r in requirements:
        r.audience_department_ids = list(r.departments.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        requirement_statuses_for(s["learner"], 2026, requirements=requirements, today=today)
    assert len(queries) == 1


def test_a_colleague_outside_the_audiences_gets_only_theirs(setting):
    """The one-query form leaves out the requirements that do not apply to the person."""
    s = setting
    _by_bureau(s)
    _more_requirements(s)
    other = department("02", "区民部")
    colleague = staff(other, role=None)  # no employee number, no role: not ward staff
    assert learner_requirements(colleague, today=dt.date(2026, 10, 5)) == []
    items = learner_requirements(s["learner"], today=dt.date(2026, 10, 5))
    assert sorted(i.requirement.title for i in items) == sorted(
        ["部の研修", "全職員の研修", "課の研修", "指名の研修", "役割の研修"]
    )


def test_history_is_one_query_per_year(setting):
    s = setting
    _by_bureau(s)
    _more_requirements(s)
    today = dt.date(2026, 10, 5)
    # The learner joined in April 2020; the history goes back HISTORY_YEARS at most.
    years = min(fiscal_year(today) - 2020 + 1, HISTORY_YEARS)
    with CaptureQueriesContext(connection) as queries:
        history = training_history(s["learner"], today=today)
    assert len(history.years) == years
    # Completions, the requirements with their audience departments, one per year.
    assert len(queries) <= 4 + years


def test_the_compiled_status_read_serves_each_learner_their_own_row(setting):
    """The learner's status SQL is compiled once per shape and then run for another person:
    each gets their own statuses, and a changed requirement is a new shape."""
    from training import status

    s = setting
    _by_bureau(s)
    colleague = staff(s["section"], last_name="二番", employee_number="100002")
    today = dt.date(2026, 10, 5)
    complete(s["learner"], s["course"], tokyo(2026, 6, 1), score=80.0)
    status._LEARNER_STATUSES.compiled.clear()
    mine = learner_requirements(s["learner"], today=today)
    theirs = learner_requirements(colleague, today=today)
    assert len(status._LEARNER_STATUSES.compiled) == 1
    assert [i.status for i in mine] == ["completed"] and mine[0].score == 80.0
    assert len(theirs) == 1 and theirs[0].status in {"not_started", "overdue"}
    assert theirs[0].completed_at is None and theirs[0].score is None
    TrainingRequirement.objects.update(grace_days=1000)
    learner_requirements(colleague, today=today)
    assert len(status._LEARNER_STATUSES.compiled) == 2
