"""The 研修管理 group in the Wagtail admin: requirements, exemptions, cohorts, the mail log."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from tests.training.training_support import course_with_lesson, department, requirement
from training.models import (
    Cohort,
    RequirementExemption,
    TrainingReminder,
    TrainingRequirement,
)

pytestmark = pytest.mark.django_db

BASE = "/admin/snippets/training"


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user(Role.ADMIN, mfa=True)
    client.force_login(admin)
    client.user = admin
    return client


@pytest.fixture
def course():
    return course_with_lesson()


def requirement_form(course, **overrides) -> dict:
    data = {
        "course": course.pk,
        "title": "",
        "all_staff": "",
        "include_subdepartments": "on",
        "due_rule": "fixed_date",
        "due_month": "9",
        "due_day": "30",
        "due_days": "",
        "grace_days": "0",
        "recurrence": "annual",
        "active": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    "model", ["trainingrequirement", "requirementexemption", "cohort", "trainingreminder"]
)
def test_admin_lists_each_training_model(admin_client, model):
    assert admin_client.get(f"{BASE}/{model}/").status_code == 200


def test_admin_creates_a_requirement_for_departments_and_roles(admin_client, course):
    from django.contrib.auth.models import Group

    section = department("0101", "情報管理課")
    trainers = Group.objects.get(name="講師")
    response = admin_client.post(
        f"{BASE}/trainingrequirement/add/",
        requirement_form(course, departments=[section.pk], roles=[trainers.pk]),
    )
    assert response.status_code == 302, response.context["form"].errors
    req = TrainingRequirement.objects.get()
    assert list(req.departments.all()) == [section]
    assert list(req.roles.all()) == [trainers]
    assert str(req) == course.title
    page = admin_client.get(f"{BASE}/trainingrequirement/edit/{req.pk}/")
    assert "対象者" in page.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"due_month": ""}, "due_month"),
        ({"due_month": "2", "due_day": "30"}, "due_day"),
        ({"due_month": "13"}, "due_month"),
        ({"due_rule": "days_after_joining", "due_days": ""}, "due_days"),
    ],
)
def test_a_requirement_without_a_usable_due_date_is_refused(admin_client, course, overrides, field):
    response = admin_client.post(
        f"{BASE}/trainingrequirement/add/", requirement_form(course, **overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not TrainingRequirement.objects.exists()


def test_exemption_needs_a_reason_and_records_who_set_it(admin_client, course, make_user):
    req = requirement(course, all_staff=True)
    person = make_user(Role.STAFF)
    url = f"{BASE}/requirementexemption/add/"
    data = {"requirement": req.pk, "user": person.pk, "fiscal_year": "2026", "reason": "  "}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert not RequirementExemption.objects.exists()

    response = admin_client.post(url, {**data, "reason": "育児休業中"})
    assert response.status_code == 302
    exemption = RequirementExemption.objects.get()
    assert (exemption.created_by, exemption.fiscal_year) == (admin_client.user, 2026)


@pytest.mark.parametrize("role", [Role.STAFF, Role.TRAINER, Role.COUNTER])
def test_only_admins_reach_the_training_admin(client, make_user, role):
    client.force_login(make_user(role, mfa=True))
    for model in ("trainingrequirement", "requirementexemption", "cohort"):
        assert client.get(f"{BASE}/{model}/add/").status_code == 403


def test_admin_creates_a_cohort_with_an_ordered_path_and_members(admin_client, make_user):
    first = course_with_lesson("basics", "ICT基礎")
    second = course_with_lesson("security", "情報セキュリティ研修")
    members = [make_user(Role.STAFF), make_user(Role.STAFF)]
    data = {
        "name": "寺子屋ICT 第1期",
        "fiscal_year": "2026",
        "description": "",
        "path-TOTAL_FORMS": "2",
        "path-INITIAL_FORMS": "0",
        "path-MIN_NUM_FORMS": "0",
        "path-MAX_NUM_FORMS": "1000",
        "path-0-course": second.pk,
        "path-0-ORDER": "2",
        "path-1-course": first.pk,
        "path-1-ORDER": "1",
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-user": members[0].pk,
        "memberships-0-joined_on": "2026-04-01",
        "memberships-1-user": members[1].pk,
        "memberships-1-joined_on": "",
    }
    response = admin_client.post(f"{BASE}/cohort/add/", data)
    assert response.status_code == 302, response.context["form"].errors
    cohort = Cohort.objects.get()
    assert [s.course for s in cohort.path.order_by("sort_order")] == [first, second]
    assert set(cohort.members.all()) == set(members)


def test_the_mail_log_is_read_only(admin_client, make_user, course):
    req = requirement(course, all_staff=True)
    person = make_user(Role.STAFF)
    entry = TrainingReminder.objects.create(
        user=person,
        requirement=req,
        fiscal_year=2026,
        step="before-14",
        sent_on="2026-09-16",
        email=person.email,
    )
    assert admin_client.get(f"{BASE}/trainingreminder/").status_code == 200
    assert admin_client.get(f"{BASE}/trainingreminder/inspect/{entry.pk}/").status_code == 200
    for url in (
        f"{BASE}/trainingreminder/add/",
        f"{BASE}/trainingreminder/edit/{entry.pk}/",
        f"{BASE}/trainingreminder/delete/{entry.pk}/",
    ):
        assert admin_client.get(url).status_code in (302, 403)
    assert TrainingReminder.objects.count() == 1


def test_admin_names_a_departments_managers(admin_client, make_user):
    section = department("0101", "情報管理課")
    manager = make_user(Role.STAFF)
    response = admin_client.post(
        f"/admin/snippets/accounts/department/edit/{section.pk}/",
        {"code": "0101", "name": "情報管理課", "kind": "", "parent": "", "managers": [manager.pk]},
    )
    assert response.status_code == 302, response.context["form"].errors
    assert list(section.managers.all()) == [manager]
