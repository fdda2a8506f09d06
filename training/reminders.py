"""Training reminder mails and the managers' weekly digest. Every mail is recorded once.

Reminders, per requirement and person still to complete this fiscal year (statuses from
``training.status``):

- before the due date, at each offset of ``TRAINING_REMINDER_DAYS`` (default "14,3"): the
  reminder for offset *n* belongs to the days from *n* days before the due date until the next
  smaller offset (the last one until the person becomes overdue). A run on any day of that
  window sends it if it was not sent yet, so a missed day is caught up, and only the latest
  window's mail goes out (no burst of stale reminders);
- once overdue (after the due date and the grace period), one mail per period of
  ``TRAINING_OVERDUE_EVERY_DAYS`` (default 7) days, the first on the first overdue day.

Digest: once a week, on the first run on or after ``TRAINING_DIGEST_WEEKDAY`` (0 = Monday),
each manager (``Department.managers``) receives the list of overdue people in their
departments and every department below them, all active requirements together. Managers
with nobody overdue get no mail.

Idempotence: each mail has a ``TrainingReminder`` row whose unique constraint (person,
requirement, fiscal year, step) lets it exist once; the row and the sending share a
transaction, so a mail that fails to send leaves no row and is tried again on the next run.
People without an e-mail address are skipped and counted.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import PATH_SEPARATOR, User
from learning.fiscal import fiscal_year
from training.models import TrainingReminder, TrainingRequirement
from training.status import Status, people_statuses

logger = logging.getLogger(__name__)

OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.OVERDUE)


@dataclass
class ReminderReport:
    day: dt.date
    dry_run: bool = False
    reminders_sent: int = 0
    digests_sent: int = 0
    already_sent: int = 0
    skipped_no_email: int = 0
    failed: int = 0
    digests_empty: int = 0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["day"] = self.day.isoformat()
        return data


# --- Settings --------------------------------------------------------------------------------


def reminder_offsets() -> list[int]:
    """The days before the due date to remind on, largest first (``TRAINING_REMINDER_DAYS``)."""
    raw = getattr(settings, "TRAINING_REMINDER_DAYS", "14,3")
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    try:
        offsets = sorted({int(str(item).strip()) for item in items if str(item).strip()})
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"TRAINING_REMINDER_DAYS must be whole numbers separated by commas, not {raw!r}."
        ) from exc
    if any(n < 0 for n in offsets):
        raise ImproperlyConfigured("TRAINING_REMINDER_DAYS must not be negative.")
    return offsets[::-1]


def overdue_every_days() -> int:
    every = int(getattr(settings, "TRAINING_OVERDUE_EVERY_DAYS", 7))
    if every < 1:
        raise ImproperlyConfigured("TRAINING_OVERDUE_EVERY_DAYS must be 1 or more.")
    return every


def digest_weekday() -> int:
    weekday = int(getattr(settings, "TRAINING_DIGEST_WEEKDAY", 0))
    if not 0 <= weekday <= 6:
        raise ImproperlyConfigured("TRAINING_DIGEST_WEEKDAY must be 0 (Monday) to 6 (Sunday).")
    return weekday


# --- Which step applies ----------------------------------------------------------------------


def reminder_step(
    due_date: dt.date,
    today: dt.date,
    *,
    grace_days: int = 0,
    offsets: list[int] | None = None,
    every: int | None = None,
) -> str | None:
    """The reminder step for ``today``: "before-14", "overdue-2026-10-01", or None."""
    offsets = reminder_offsets() if offsets is None else offsets
    every = overdue_every_days() if every is None else every
    overdue_from = due_date + dt.timedelta(days=grace_days + 1)
    if today >= overdue_from:
        periods = (today - overdue_from).days // every
        return f"overdue-{(overdue_from + dt.timedelta(days=periods * every)).isoformat()}"
    days_left = (due_date - today).days
    applicable = [n for n in offsets if days_left <= n]
    if not applicable:
        return None
    return f"before-{min(applicable)}"


def digest_week(today: dt.date) -> dt.date:
    """The first day of the digest week containing ``today`` (on ``TRAINING_DIGEST_WEEKDAY``)."""
    return today - dt.timedelta(days=(today.weekday() - digest_weekday()) % 7)


# --- Sending ---------------------------------------------------------------------------------


def send_training_reminders(
    today: dt.date | None = None, *, dry_run: bool = False
) -> ReminderReport:
    """Send today's reminders and (in the digest week) the managers' digests; see the module."""
    today = today or timezone.localdate()
    report = ReminderReport(day=today, dry_run=dry_run)
    year = fiscal_year(today)
    requirements = list(
        TrainingRequirement.objects.filter(active=True)
        .select_related("course")
        .prefetch_related("departments")
    )
    offsets, every = reminder_offsets(), overdue_every_days()
    for requirement in requirements:
        _remind(requirement, year, today, offsets, every, report)
    _send_digests(requirements, year, today, report)
    return report


def _remind(
    requirement: TrainingRequirement,
    year: int,
    today: dt.date,
    offsets: list[int],
    every: int,
    report: ReminderReport,
) -> None:
    horizon = today + dt.timedelta(days=max(offsets, default=0))
    candidates = (
        people_statuses(requirement, year, today=today)
        .filter(status__in=OPEN_STATUSES, due_date__lte=horizon)
        .order_by("pk")
    )
    # A once-only requirement's due date does not move with the fiscal year, so its mails are
    # keyed by the fiscal year of the due date: 1 April must not repeat a step already sent.
    once = requirement.recurrence == TrainingRequirement.Recurrence.ONCE
    history = TrainingReminder.objects.filter(
        requirement=requirement, user__in=candidates.values("pk")
    )
    if not once:
        history = history.filter(fiscal_year=year)
    sent = set(history.values_list("user_id", "fiscal_year", "step"))
    course_url = ""
    for person in candidates:
        step = reminder_step(
            person.due_date, today, grace_days=requirement.grace_days, offsets=offsets, every=every
        )
        if step is None:
            continue
        key_year = fiscal_year(person.due_date) if once else year
        if (person.pk, key_year, step) in sent:
            report.already_sent += 1
            continue
        if not person.email:
            report.skipped_no_email += 1
            continue
        if report.dry_run:
            report.reminders_sent += 1
            continue
        course_url = course_url or _absolute(requirement.course.get_url())
        context = {
            "user": person,
            "requirement": requirement,
            "title": requirement.display_title,
            "course_url": course_url,
            "due_date": person.due_date,
            "fiscal_year": year,
            "overdue": step.startswith("overdue-"),
            "days_left": (person.due_date - today).days,
            "days_over": (today - person.due_date).days,
            "in_progress": person.status == Status.IN_PROGRESS,
        }
        record = TrainingReminder(
            user=person,
            requirement=requirement,
            fiscal_year=key_year,
            step=step,
            due_date=person.due_date,
            sent_on=today,
            email=person.email,
        )
        outcome = _record_and_send(record, "training_reminder", context)
        _count(report, outcome, "reminders_sent")


def _send_digests(
    requirements: list[TrainingRequirement], year: int, today: dt.date, report: ReminderReport
) -> None:
    week = digest_week(today)
    step = f"digest-{week.isoformat()}"
    # Keyed by the week's Monday, so a week that spans 1 April still gets one digest.
    week_year = fiscal_year(week)
    managers = list(
        User.objects.filter(is_active=True, managed_departments__isnull=False)
        .distinct()
        .prefetch_related("managed_departments")
        .order_by("pk")
    )
    if not managers:
        return
    done = set(
        TrainingReminder.objects.filter(
            requirement__isnull=True, fiscal_year=week_year, step=step
        ).values_list("user_id", flat=True)
    )
    overdue: list[dict] = []
    for requirement in requirements:
        rows = (
            people_statuses(requirement, year, today=today)
            .filter(status=Status.OVERDUE, department__isnull=False)
            .values(
                "pk",
                "last_name",
                "first_name",
                "employee_number",
                "department__path",
                "department__name",
                "due_date",
            )
        )
        for row in rows:
            row["title"] = requirement.display_title
            row["days_over"] = (today - row["due_date"]).days
            overdue.append(row)
    for manager in managers:
        if manager.pk in done:
            report.already_sent += 1
            continue
        paths = [d.path for d in manager.managed_departments.all()]
        mine = [row for row in overdue if _under(row["department__path"], paths)]
        if not mine:
            report.digests_empty += 1
            continue
        if not manager.email:
            report.skipped_no_email += 1
            continue
        if report.dry_run:
            report.digests_sent += 1
            continue
        by_department: dict[str, list[dict]] = defaultdict(list)
        for row in sorted(mine, key=lambda r: (r["department__path"], r["pk"], r["title"])):
            by_department[row["department__name"]].append(row)
        people = {row["pk"] for row in mine}
        context = {
            "user": manager,
            "week": week,
            "departments": list(by_department.items()),
            "people_count": len(people),
            "site_url": _absolute(reverse("training:overdue")),
        }
        record = TrainingReminder(
            user=manager,
            requirement=None,
            fiscal_year=week_year,
            step=step,
            sent_on=today,
            email=manager.email,
            overdue_count=len(people),
        )
        outcome = _record_and_send(record, "training_digest", context)
        _count(report, outcome, "digests_sent")


def _under(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root + PATH_SEPARATOR) for root in roots)


def _record_and_send(record: TrainingReminder, template: str, context: dict) -> str:
    """Write the record and send the mail together: "sent", "duplicate" or "failed"."""
    try:
        with transaction.atomic():
            record.save()
            with translation.override("ja"):
                subject = render_to_string(f"training/email/{template}_subject.txt", context)
                body = render_to_string(f"training/email/{template}.txt", context)
            send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [record.email])
    except IntegrityError:
        return "duplicate"  # sent meanwhile by another run
    except Exception:
        logger.exception("Training mail %s to user %s failed", record.step, record.user_id)
        return "failed"
    return "sent"


def _count(report: ReminderReport, outcome: str, sent_field: str) -> None:
    if outcome == "sent":
        setattr(report, sent_field, getattr(report, sent_field) + 1)
    elif outcome == "duplicate":
        report.already_sent += 1
    else:
        report.failed += 1


def _absolute(path: str | None) -> str:
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    if not path:
        return base
    return urljoin(base.rstrip("/") + "/", path) if path.startswith("/") else path
