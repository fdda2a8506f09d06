"""マイ学習's 必修研修 section: added by training through learning's ``my_learning_sections`` hook.

The learning app renders whatever the hook's functions return and imports nothing of training;
these tests show the section arrives that way, in its place above the courses in progress.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail import hooks

from accounts.roles import Role
from tests.gates.support import sign_in
from tests.learning.lesson_support import course, lesson
from training.models import TrainingRequirement
from training.wagtail_hooks import my_requirements_section

pytestmark = pytest.mark.django_db

MY_URL = "/learning/my/"


@pytest.fixture
def learner(make_user):
    return make_user(None)


@pytest.fixture
def required_course(learner):
    page = course("must", title="必修の研修")
    lesson(page, "m1")
    requirement = TrainingRequirement.objects.create(
        course=page,
        due_rule=TrainingRequirement.DueRule.FIXED_DATE,
        due_month=3,
        due_day=31,
    )
    requirement.people.set([learner])
    return page


def _page(client, user) -> str:
    response = sign_in(client, user).get(MY_URL)
    assert response.status_code == 200
    return response.content.decode()


def test_the_section_is_registered_as_a_my_learning_hook():
    assert my_requirements_section in hooks.get_hooks("my_learning_sections")


def test_requirements_are_shown_above_the_courses_in_progress(client, learner, required_course):
    html = _page(client, learner)
    assert 'id="requirements-title"' in html
    assert "必修の研修" in html
    assert html.index('id="requirements-title"') < html.index('id="in-progress-title"')


def test_the_section_comes_from_the_training_template(
    client, settings, tmp_path, learner, required_course
):
    stub = tmp_path / "training" / "includes" / "my_requirements.html"
    stub.parent.mkdir(parents=True)
    stub.write_text(
        '<section id="req">{% for r in requirements %}[{{ r.course.title }}]{% endfor %}</section>',
        encoding="utf-8",
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    assert "[必修の研修]" in _page(client, learner)


def test_nothing_is_added_for_someone_with_no_requirement_and_no_report(client, learner):
    html = _page(client, learner)
    assert 'id="requirements-title"' not in html
    assert reverse("training:report") not in html


def test_a_manager_without_requirements_gets_only_the_report_link(client, make_user):
    from accounts.models import Department

    manager = make_user(Role.STAFF)
    Department.objects.create(code="D9", name="区民ひろば課").managers.add(manager)
    html = _page(client, manager)
    assert f'href="{reverse("training:report")}"' in html
    assert 'id="requirements-title"' not in html
