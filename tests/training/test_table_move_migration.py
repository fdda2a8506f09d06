"""Moving mandatory training from learning to its own app keeps every row.

A database is migrated back to the schema before the move (learning 0005, no training app), filled
through the historical learning models with what a ward holds after a year of use — requirements
with departments, roles and named people, exemptions, a cohort with members and an ordered path,
reminders and a digest, and the completions they count — then migrated forward to the latest
migrations. Every row must still be there, read through the new ``training.models``, and the
content types (which carry the permissions and Wagtail's log entries) must be relabelled, not
replaced. Runs on SQLite and, with ``DATABASE_URL`` set, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import Department, User
from accounts.roles import GROUP_NAMES, Role
from learning.models import CourseCompletion
from tests.learning.lesson_support import course
from training.models import (
    Cohort,
    CohortCourse,
    CohortMember,
    RequirementExemption,
    TrainingReminder,
    TrainingRequirement,
)

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_MOVE = ("learning", "0005_h5p_scoring")
TRAINING_MODELS = (
    "trainingrequirement",
    "requirementexemption",
    "cohort",
    "cohortmember",
    "cohortcourse",
    "trainingreminder",
)


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader sees what is applied now


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def before_move():
    """The database at the schema before the move; migrated to the latest again afterwards."""
    executor = _migrate([("training", None)])  # unapplies training 0001 and learning 0006
    applied = executor.loader.applied_migrations
    assert BEFORE_MOVE in applied
    assert ("learning", "0006_training_moved_to_training_app") not in applied
    # Applied migrations that squashed ones replaced are no longer nodes of the graph.
    nodes = [node for node in applied if node in executor.loader.graph.nodes]
    yield executor.loader.project_state(nodes).apps
    _migrate(_latest())


def test_a_database_from_before_the_move_keeps_every_training_row(before_move):
    old = before_move
    assert {"trainingrequirement", "cohort", "trainingreminder"} <= {
        m._meta.model_name for m in old.get_app_config("learning").get_models()
    }
    # Pages and people live in apps the move does not touch: made with today's models.
    security, privacy = course("security", title="情報セキュリティ研修"), course("privacy")
    division = Department.objects.create(code="D1", name="情報政策課")
    people = [
        User.objects.create(email=f"p{i}@example.jp", employee_number=f"E{i}") for i in range(3)
    ]
    admin_group = Group.objects.get_or_create(name=GROUP_NAMES[Role.ADMIN])[0]
    ct_before = {
        ct.model: ct.pk
        for ct in ContentType.objects.filter(app_label="learning", model__in=TRAINING_MODELS)
    }
    assert set(ct_before) == set(TRAINING_MODELS)
    add_requirement = Permission.objects.get(
        content_type_id=ct_before["trainingrequirement"], codename="add_trainingrequirement"
    )
    admin_group.permissions.add(add_requirement)

    # Rows written through the historical models of learning 0005.
    requirement_model = old.get_model("learning", "TrainingRequirement")
    yearly = requirement_model.objects.create(
        course_id=security.pk,
        title="情報セキュリティ研修（毎年度）",
        due_rule="fixed_date",
        due_month=9,
        due_day=30,
        recurrence="annual",
        grace_days=7,
    )
    yearly.departments.add(division.pk)
    yearly.roles.add(admin_group.pk)
    yearly.people.add(people[2].pk)
    once = requirement_model.objects.create(
        course_id=privacy.pk, all_staff=True, due_rule="days_after_joining", due_days=30
    )
    old.get_model("learning", "RequirementExemption").objects.create(
        requirement_id=yearly.pk,
        user_id=people[0].pk,
        fiscal_year=2026,
        reason="育児休業中",
        created_by_id=people[1].pk,
    )
    old.get_model("learning", "RequirementExemption").objects.create(
        requirement_id=once.pk, user_id=people[1].pk, fiscal_year=None, reason="外部研修で修了"
    )
    cohort = old.get_model("learning", "Cohort").objects.create(name="第1期", fiscal_year=2026)
    for position, page in enumerate((security, privacy)):
        old.get_model("learning", "CohortCourse").objects.create(
            cohort_id=cohort.pk, course_id=page.pk, sort_order=position
        )
    for person in people[:2]:
        old.get_model("learning", "CohortMember").objects.create(
            cohort_id=cohort.pk, user_id=person.pk, joined_on=dt.date(2026, 4, 1)
        )
    reminder_model = old.get_model("learning", "TrainingReminder")
    reminder_model.objects.create(
        user_id=people[1].pk,
        requirement_id=yearly.pk,
        fiscal_year=2026,
        step="before-14",
        due_date=dt.date(2026, 9, 30),
        sent_on=dt.date(2026, 9, 16),
        email=people[1].email,
    )
    reminder_model.objects.create(
        user_id=people[2].pk,
        requirement_id=None,
        fiscal_year=2026,
        step="digest-2026-10-05",
        sent_on=dt.date(2026, 10, 5),
        email=people[2].email,
        overdue_count=1,
    )
    completed_at = timezone.make_aware(dt.datetime(2026, 6, 1, 10))
    old.get_model("learning", "CourseCompletion").objects.create(
        user_id=people[2].pk,
        course_id=security.pk,
        course_title="情報セキュリティ研修",
        completed_at=completed_at,
        fiscal_year=2026,
        score=90.0,
        certificate_code="ACDEFGHJKM",
    )

    _migrate(_latest())
    ContentType.objects.clear_cache()

    # Everything is there, through the training app's models.
    moved = TrainingRequirement.objects.get(pk=yearly.pk)
    assert (moved.course_id, moved.title, moved.due_month, moved.due_day, moved.grace_days) == (
        security.pk,
        "情報セキュリティ研修（毎年度）",
        9,
        30,
        7,
    )
    assert list(moved.departments.values_list("pk", flat=True)) == [division.pk]
    assert list(moved.roles.values_list("pk", flat=True)) == [admin_group.pk]
    assert list(moved.people.values_list("pk", flat=True)) == [people[2].pk]
    assert TrainingRequirement.objects.get(pk=once.pk).all_staff is True
    assert sorted(
        RequirementExemption.objects.values_list("requirement_id", "user_id", "fiscal_year")
    ) == sorted([(yearly.pk, people[0].pk, 2026), (once.pk, people[1].pk, None)])
    assert RequirementExemption.objects.get(fiscal_year=2026).created_by_id == people[1].pk
    moved_cohort = Cohort.objects.get(pk=cohort.pk)
    assert [step.course_id for step in moved_cohort.path.order_by("sort_order")] == [
        security.pk,
        privacy.pk,
    ]
    assert set(moved_cohort.members.values_list("pk", flat=True)) == {p.pk for p in people[:2]}
    assert CohortMember.objects.count() == 2 and CohortCourse.objects.count() == 2
    assert sorted(TrainingReminder.objects.values_list("step", "requirement_id")) == [
        ("before-14", yearly.pk),
        ("digest-2026-10-05", None),
    ]
    completion = CourseCompletion.objects.get(certificate_code="ACDEFGHJKM")
    assert (completion.user_id, completion.completed_at, completion.score) == (
        people[2].pk,
        completed_at,
        90.0,
    )
    # The rows are still in learning's tables (no copy), and the unique rules still hold there.
    assert TrainingRequirement._meta.db_table == "learning_trainingrequirement"
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingReminder.objects.create(
            user_id=people[2].pk,
            fiscal_year=2026,
            step="digest-2026-10-05",
            sent_on=dt.date(2026, 10, 6),
            email=people[2].email,
        )
    # The same content types, relabelled: permissions granted on them keep working.
    for model, pk in ct_before.items():
        assert ContentType.objects.get(pk=pk).app_label == "training", model
    assert not ContentType.objects.filter(app_label="learning", model__in=TRAINING_MODELS).exists()
    assert (
        ContentType.objects.get_for_model(TrainingRequirement).pk
        == ct_before["trainingrequirement"]
    )
    assert admin_group.permissions.filter(
        content_type__app_label="training", codename="add_trainingrequirement"
    ).exists()
