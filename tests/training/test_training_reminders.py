"""Training reminders and managers' digests: offsets, overdue repeats, idempotence, content."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from tests.training.training_support import (
    complete,
    course_with_lesson,
    department,
    requirement,
    staff,
    tokyo,
)
from training.models import RequirementExemption, TrainingReminder, TrainingRequirement
from training.reminders import (
    _record_and_send,
    digest_week,
    reminder_offsets,
    reminder_step,
    send_training_reminders,
)

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 10, 15)  # a Thursday


@pytest.fixture(autouse=True)
def reminder_settings(settings):
    settings.TRAINING_REMINDER_DAYS = "14,3"
    settings.TRAINING_OVERDUE_EVERY_DAYS = 7
    settings.TRAINING_DIGEST_WEEKDAY = 0
    settings.WAGTAILADMIN_BASE_URL = "https://ict.example.jp"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    mail.outbox.clear()


@pytest.mark.parametrize(
    ("today", "grace", "step"),
    [
        ("2026-09-30", 0, None),  # 15 days before: nothing yet
        ("2026-10-01", 0, "before-14"),
        ("2026-10-11", 0, "before-14"),  # a missed run is caught up inside the window
        ("2026-10-12", 0, "before-3"),
        ("2026-10-15", 0, "before-3"),  # the due date itself
        ("2026-10-16", 0, "overdue-2026-10-16"),
        ("2026-10-22", 0, "overdue-2026-10-16"),
        ("2026-10-23", 0, "overdue-2026-10-23"),
        ("2026-10-17", 2, "before-3"),  # inside the grace period
        ("2026-10-18", 2, "overdue-2026-10-18"),
    ],
)
def test_reminder_step(today, grace, step):
    day = dt.date.fromisoformat(today)
    assert reminder_step(DUE, day, grace_days=grace, offsets=[14, 3], every=7) == step


def test_offsets_come_from_the_setting_and_bad_values_are_refused(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.TRAINING_REMINDER_DAYS = "3, 30,7"
    assert reminder_offsets() == [30, 7, 3]
    assert reminder_step(DUE, dt.date(2026, 9, 16), offsets=None, every=7) == "before-30"
    settings.TRAINING_REMINDER_DAYS = "14,三"
    with pytest.raises(ImproperlyConfigured):
        reminder_offsets()


@pytest.fixture
def setup():
    bureau = department("01", "政策経営部")
    section = department("0101", "情報管理課", parent=bureau)
    other = department("02", "区民部")
    course = course_with_lesson()
    req = requirement(course, all_staff=True, due_month=10, due_day=15)
    people = {
        "todo": staff(section, last_name="池袋", first_name="一郎", employee_number="1001"),
        "no_mail": staff(section),
        "done": staff(section),
        "exempt": staff(bureau),
        "left": staff(other, is_active=False),
        "elsewhere": staff(other, last_name="巣鴨", first_name="三郎"),
    }
    type(people["no_mail"]).objects.filter(pk=people["no_mail"].pk).update(email="")
    complete(people["done"], course, tokyo(2026, 6, 1))
    RequirementExemption.objects.create(requirement=req, user=people["exempt"], reason="休職")
    return {"bureau": bureau, "section": section, "other": other, "req": req, **people}


def sent_to() -> list[str]:
    return sorted(m.to[0] for m in mail.outbox)


def test_reminders_at_offsets_then_weekly_while_overdue_each_once(setup):
    s = setup
    expected = sorted([s["todo"].email, s["elsewhere"].email])
    report = send_training_reminders(dt.date(2026, 9, 30))
    assert (report.reminders_sent, len(mail.outbox)) == (0, 0)

    report = send_training_reminders(dt.date(2026, 10, 1))
    assert sent_to() == expected
    assert (report.reminders_sent, report.skipped_no_email) == (2, 1)
    subject = mail.outbox[0].subject
    assert subject == "【豊島区 ICT学習】必修研修「情報セキュリティ研修」の期限は10月15日です"
    body = next(m.body for m in mail.outbox if m.to == [s["todo"].email])
    assert "池袋 一郎 様" in body
    assert "2026年10月15日（木）" in body and "あと14日" in body
    assert "https://ict.example.jp/courses/security/" in body

    # The same day again, and later in the same window: nothing twice.
    for day in (dt.date(2026, 10, 1), dt.date(2026, 10, 5)):
        mail.outbox.clear()
        report = send_training_reminders(day)
        assert (len(mail.outbox), report.reminders_sent, report.already_sent) == (0, 0, 2)

    mail.outbox.clear()
    send_training_reminders(dt.date(2026, 10, 12))
    assert sent_to() == expected
    mail.outbox.clear()
    send_training_reminders(dt.date(2026, 10, 16))  # a Friday: no digest
    assert sent_to() == expected
    assert "期限を過ぎています" in mail.outbox[0].subject
    assert "1日過ぎています" in mail.outbox[0].body
    mail.outbox.clear()
    send_training_reminders(dt.date(2026, 10, 17))
    assert mail.outbox == []
    send_training_reminders(dt.date(2026, 10, 23))
    assert sent_to() == expected

    steps = list(
        TrainingReminder.objects.filter(user=s["todo"])
        .order_by("sent_on")
        .values_list("step", "sent_on", "email", "due_date", "fiscal_year")
    )
    assert steps == [
        ("before-14", dt.date(2026, 10, 1), s["todo"].email, DUE, 2026),
        ("before-3", dt.date(2026, 10, 12), s["todo"].email, DUE, 2026),
        ("overdue-2026-10-16", dt.date(2026, 10, 16), s["todo"].email, DUE, 2026),
        ("overdue-2026-10-23", dt.date(2026, 10, 23), s["todo"].email, DUE, 2026),
    ]
    # Completed, exempt, departed and address-less people never got a mail or a record.
    assert set(TrainingReminder.objects.values_list("user_id", flat=True)) == {
        s["todo"].pk,
        s["elsewhere"].pk,
    }


def test_completing_stops_the_reminders(setup):
    s = setup
    send_training_reminders(dt.date(2026, 10, 1))
    complete(s["todo"], s["req"].course, tokyo(2026, 10, 5))
    mail.outbox.clear()
    send_training_reminders(dt.date(2026, 10, 12))
    assert sent_to() == [s["elsewhere"].email]


def test_uniqueness_is_a_database_constraint(setup):
    s = setup
    fields = {"user": s["todo"], "requirement": s["req"], "fiscal_year": 2026, "step": "before-3"}
    TrainingReminder.objects.create(sent_on=dt.date(2026, 10, 12), email="a@example.jp", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingReminder.objects.create(
            sent_on=dt.date(2026, 10, 13), email="a@example.jp", **fields
        )
    digest = {"user": s["todo"], "requirement": None, "fiscal_year": 2026, "step": "digest-x"}
    TrainingReminder.objects.create(sent_on=dt.date(2026, 10, 12), email="a@example.jp", **digest)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingReminder.objects.create(
            sent_on=dt.date(2026, 10, 12), email="a@example.jp", **digest
        )


def test_a_run_that_lost_the_race_sends_nothing(setup):
    """Two runs at once: the one whose row loses on the constraint sends no mail."""
    s = setup

    def record():
        return TrainingReminder(
            user=s["todo"],
            requirement=s["req"],
            fiscal_year=2026,
            step="before-3",
            due_date=DUE,
            sent_on=dt.date(2026, 10, 12),
            email=s["todo"].email,
        )

    context = {"user": s["todo"], "requirement": s["req"], "title": "t", "due_date": DUE}
    assert _record_and_send(record(), "training_reminder", context) == "sent"
    assert _record_and_send(record(), "training_reminder", context) == "duplicate"
    assert len(mail.outbox) == 1


@pytest.mark.usefixtures("setup")
def test_a_mail_that_fails_leaves_no_record_and_is_sent_next_time(monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("training.reminders.send_mail", broken)
    report = send_training_reminders(dt.date(2026, 10, 1))
    assert (report.failed, report.reminders_sent) == (2, 0)
    assert not TrainingReminder.objects.exists()
    monkeypatch.undo()
    report = send_training_reminders(dt.date(2026, 10, 2))
    assert report.reminders_sent == 2


def test_weekly_digest_lists_the_overdue_staff_of_the_managers_departments(setup):
    s = setup
    manager = staff(s["bureau"], last_name="部長")
    complete(manager, s["req"].course, tokyo(2026, 5, 1))
    s["bureau"].managers.add(manager)
    quiet_manager = staff(None)
    s["other"].managers.add(quiet_manager)
    complete(s["elsewhere"], s["req"].course, tokyo(2026, 6, 1))
    monday = dt.date(2026, 10, 19)
    assert digest_week(monday) == monday
    assert digest_week(dt.date(2026, 10, 21)) == monday

    send_training_reminders(monday - dt.timedelta(days=1))  # Sunday: last week's digest
    mail.outbox.clear()
    report = send_training_reminders(monday)
    digests = [m for m in mail.outbox if m.to == [manager.email]]
    assert len(digests) == 1
    assert report.digests_sent == 1
    assert report.digests_empty == 1  # the 区民部 manager: nobody overdue there
    assert all(m.to != [quiet_manager.email] for m in mail.outbox)
    digest = digests[0]
    assert digest.subject == "【豊島区 ICT学習】必修研修の期限を過ぎている職員（2人）"
    assert "■ 情報管理課" in digest.body
    assert "池袋 一郎（職員番号 1001）：情報セキュリティ研修　期限 2026年10月15日（4日超過）" in (
        digest.body
    )
    assert "巣鴨" not in digest.body  # another department (and completed)
    assert "2026年10月19日の週" in digest.body
    assert "/learning/training/overdue/" in digest.body  # a link to the managers' overdue list
    records = TrainingReminder.objects.filter(user=manager, requirement__isnull=True)
    # Sunday's run caught up the week of 12 October; Monday's is the week of 19 October.
    assert sorted(records.values_list("step", "overdue_count")) == [
        ("digest-2026-10-12", 2),
        ("digest-2026-10-19", 2),
    ]

    mail.outbox.clear()
    report = send_training_reminders(dt.date(2026, 10, 21))  # same week: no second digest
    assert all(m.to != [manager.email] for m in mail.outbox)
    report = send_training_reminders(dt.date(2026, 10, 26))
    assert [m for m in mail.outbox if m.to == [manager.email]]


def test_command_sends_through_the_task_and_dry_run_sends_nothing(setup):
    out = StringIO()
    call_command("send_training_reminders", "--date", "2026-10-01", "--dry-run", stdout=out)
    assert "reminders 2" in out.getvalue() and "dry run" in out.getvalue()
    assert mail.outbox == [] and not TrainingReminder.objects.exists()

    out = StringIO()
    call_command("send_training_reminders", "--date", "2026-10-01", stdout=out)
    assert "reminders 2" in out.getvalue() and "no e-mail 1" in out.getvalue()
    assert len(mail.outbox) == 2
    out = StringIO()
    call_command("send_training_reminders", "--date", "2026-10-01", stdout=out)
    assert "reminders 0" in out.getvalue() and "already sent 2" in out.getvalue()
    assert len(mail.outbox) == 2

    with pytest.raises(CommandError) as excinfo:
        call_command("send_training_reminders", "--date", "10/01")
    assert "日付を読めません" in str(excinfo.value)


def test_a_once_only_requirement_sends_no_step_twice_across_1_april():
    """Its due date does not move with the fiscal year, so 1 April must not repeat a mail."""
    section = department("0101", "情報管理課")
    req = requirement(
        course_with_lesson(),
        all_staff=True,
        recurrence=TrainingRequirement.Recurrence.ONCE,
        due_rule=TrainingRequirement.DueRule.DAYS_AFTER_JOINING,
        due_days=360,
    )
    person = staff(section, joined=dt.date(2025, 4, 1))  # due 2026-03-27
    sent = []
    for day in (dt.date(2026, 3, 30), dt.date(2026, 3, 31), dt.date(2026, 4, 1)):
        mail.outbox.clear()
        send_training_reminders(day)
        sent.append(len(mail.outbox))
    assert sent == [1, 0, 0]
    assert list(
        TrainingReminder.objects.filter(user=person, requirement=req).values_list(
            "fiscal_year", "step"
        )
    ) == [(2025, "overdue-2026-03-28")]
    send_training_reminders(dt.date(2026, 4, 4))  # the next overdue week
    assert TrainingReminder.objects.filter(user=person, requirement=req).count() == 2


def test_a_digest_week_that_spans_1_april_gets_one_digest():
    mail.outbox.clear()
    section = department("0101", "情報管理課")
    req = requirement(
        course_with_lesson(),
        all_staff=True,
        recurrence=TrainingRequirement.Recurrence.ONCE,
        due_rule=TrainingRequirement.DueRule.DAYS_AFTER_JOINING,
        due_days=300,
    )
    staff(section, joined=dt.date(2025, 4, 1))  # overdue since January 2026
    manager = staff(section)
    section.managers.add(manager)
    send_training_reminders(dt.date(2026, 3, 30))  # Monday, fiscal year 2025
    send_training_reminders(dt.date(2026, 4, 1))  # Wednesday of the same week, 2026
    digests = TrainingReminder.objects.filter(user=manager, requirement__isnull=True)
    assert list(digests.values_list("step", "fiscal_year")) == [("digest-2026-03-30", 2025)]
    digest_mails = [m for m in mail.outbox if "期限を過ぎている職員" in m.subject]
    assert [m.to for m in digest_mails] == [[manager.email]]
    assert TrainingReminder.objects.filter(requirement=req).exists()
