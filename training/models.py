"""Mandatory training: requirements, exemptions, 寺子屋ICT cohorts and the mails sent.

The statuses, reports and reminders built on these rows live in ``training.status`` and
``training.reminders``; the completions they count are ``learning.models.CourseCompletion``.

The tables were created by the learning app (``learning/migrations/0004_training.py``) and
moved here without copying (``training/migrations/0001_initial.py``): each model keeps its
table name through ``Meta.db_table``.
"""

from __future__ import annotations

import calendar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from accounts.roles import role_group_choices


class TrainingRequirement(models.Model):
    """A course that an audience of staff must complete, by a due date, once or every year.

    The rules that turn this into a status per person live in ``training.status``.
    """

    class DueRule(models.TextChoices):
        FIXED_DATE = "fixed_date", _("年度内の決まった日")
        DAYS_AFTER_JOINING = "days_after_joining", _("対象になってから一定の日数")

    class Recurrence(models.TextChoices):
        ONCE = "once", _("一度だけ")
        ANNUAL = "annual", _("毎年度")

    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.PROTECT,
        related_name="training_requirements",
        verbose_name=_("講座"),
    )
    title = models.CharField(
        _("名称"), max_length=255, blank=True, help_text=_("空欄のときは講座名を使います。")
    )
    all_staff = models.BooleanField(
        _("全職員"), default=False, help_text=_("在職中の職員全員が対象です。")
    )
    departments = models.ManyToManyField(
        "accounts.Department",
        blank=True,
        related_name="training_requirements",
        verbose_name=_("対象の所属"),
    )
    include_subdepartments = models.BooleanField(
        _("下位の所属も対象"), default=True, help_text=_("選んだ所属の下の部・課も対象にします。")
    )
    roles = models.ManyToManyField(
        "auth.Group",
        blank=True,
        related_name="training_requirements",
        limit_choices_to=role_group_choices,
        verbose_name=_("対象の役割"),
    )
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="training_requirements",
        verbose_name=_("対象の職員（個別）"),
    )
    due_rule = models.CharField(
        _("期限の決め方"), max_length=24, choices=DueRule.choices, default=DueRule.FIXED_DATE
    )
    due_month = models.PositiveSmallIntegerField(
        _("期限の月"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("「年度内の決まった日」のとき。1〜3月は翌年の1〜3月です。"),
    )
    due_day = models.PositiveSmallIntegerField(
        _("期限の日"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    due_days = models.PositiveSmallIntegerField(
        _("期限までの日数"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_(
            "「対象になってから一定の日数」のときの日数。「年度内の決まった日」のときは、"
            "年度の途中で対象になった人に最低限与える日数（空欄は30日）。"
        ),
    )
    recurrence = models.CharField(
        _("繰り返し"), max_length=8, choices=Recurrence.choices, default=Recurrence.ANNUAL
    )
    grace_days = models.PositiveSmallIntegerField(
        _("猶予日数"),
        default=0,
        validators=[MaxValueValidator(365)],
        help_text=_("期限からこの日数が過ぎるまでは期限超過にしません。"),
    )
    active = models.BooleanField(_("有効"), default=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        db_table = "learning_trainingrequirement"
        ordering = ["pk"]
        verbose_name = _("必修研修")
        verbose_name_plural = _("必修研修")

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        return self.course.title if self.course_id else ""

    def clean(self) -> None:
        super().clean()
        if self.due_rule == self.DueRule.FIXED_DATE:
            errors = {}
            if self.due_month is None:
                errors["due_month"] = _("期限の月を入力してください。")
            if self.due_day is None:
                errors["due_day"] = _("期限の日を入力してください。")
            if errors:
                raise ValidationError(errors)
            if not 1 <= self.due_month <= 12:
                return  # the field's own validator reports it
            # 29 February is refused: it does not exist in most fiscal years.
            if self.due_day > calendar.monthrange(2027, self.due_month)[1]:
                raise ValidationError(
                    {"due_day": _("%(month)s月にその日はありません。") % {"month": self.due_month}}
                )
        elif self.due_days is None:
            raise ValidationError({"due_days": _("期限までの日数を入力してください。")})


class RequirementExemption(models.Model):
    """An admin's decision that one person need not meet a requirement (one year or always)."""

    requirement = models.ForeignKey(
        TrainingRequirement,
        on_delete=models.CASCADE,
        related_name="exemptions",
        verbose_name=_("必修研修"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="training_exemptions",
        verbose_name=_("職員"),
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("年度"), null=True, blank=True, help_text=_("空欄のときは毎年度対象外です。")
    )
    reason = models.TextField(_("理由"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("登録者"),
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        db_table = "learning_requirementexemption"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["requirement", "user", "fiscal_year"], name="unique_exemption_year"
            ),
            # NULL is distinct in unique constraints: one "every year" exemption per person.
            models.UniqueConstraint(
                fields=["requirement", "user"],
                condition=models.Q(fiscal_year__isnull=True),
                name="unique_exemption_every_year",
            ),
        ]
        verbose_name = _("研修の対象外")
        verbose_name_plural = _("研修の対象外")

    def __str__(self) -> str:
        return f"{self.user} {self.requirement_id} {self.fiscal_year or '*'}"

    def clean(self) -> None:
        super().clean()
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("理由を入力してください。")})


class Cohort(ClusterableModel):
    """A named group of staff taking an ordered path of courses in one fiscal year (寺子屋ICT)."""

    name = models.CharField(_("名称"), max_length=120)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    description = models.TextField(_("説明"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CohortMember",
        related_name="cohorts",
        verbose_name=_("参加者"),
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        db_table = "learning_cohort"
        ordering = ["-fiscal_year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "fiscal_year"], name="unique_cohort_year")
        ]
        verbose_name = _("寺子屋ICTの期")
        verbose_name_plural = _("寺子屋ICTの期")

    def __str__(self) -> str:
        return f"{self.name}（{self.fiscal_year}年度）"


class CohortMember(models.Model):
    cohort = ParentalKey(
        Cohort, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("期")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cohort_memberships",
        verbose_name=_("参加者"),
    )
    joined_on = models.DateField(_("参加日"), null=True, blank=True)

    class Meta:
        db_table = "learning_cohortmember"
        ordering = ["cohort", "user__last_name_kana", "user__pk"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="unique_cohort_member")
        ]
        verbose_name = _("期の参加者")
        verbose_name_plural = _("期の参加者")

    def __str__(self) -> str:
        return f"{self.cohort_id} {self.user_id}"


class CohortCourse(Orderable):
    """One step of a cohort's path; ``sort_order`` (0, 1, …) is its position."""

    cohort = ParentalKey(
        Cohort, on_delete=models.CASCADE, related_name="path", verbose_name=_("期")
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.PROTECT,
        related_name="cohort_steps",
        verbose_name=_("講座"),
    )

    class Meta(Orderable.Meta):
        db_table = "learning_cohortcourse"
        constraints = [
            models.UniqueConstraint(fields=["cohort", "course"], name="unique_cohort_course")
        ]
        verbose_name = _("受講順の講座")
        verbose_name_plural = _("受講順の講座")

    def __str__(self) -> str:
        return f"{self.cohort_id} #{self.sort_order} {self.course_id}"

    @property
    def position(self) -> int | None:
        return self.sort_order


class TrainingReminder(models.Model):
    """One training mail sent: a reminder about one requirement, or a manager's weekly digest.

    The unique constraint makes sending idempotent: a second run finds the row and sends nothing.
    ``step`` is "before-14", "before-3" (days before the due date), "overdue-2026-05-04" (the
    first day of the overdue period it belongs to) or, for digests, "digest-2026-05-04" (the
    digest week) with ``requirement`` empty.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="training_reminders",
        verbose_name=_("宛先"),
    )
    requirement = models.ForeignKey(
        TrainingRequirement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("必修研修"),
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    step = models.CharField(_("段階"), max_length=40)
    due_date = models.DateField(_("期限"), null=True, blank=True)
    sent_on = models.DateField(_("送信日"))
    sent_at = models.DateTimeField(_("送信日時"), auto_now_add=True)
    email = models.EmailField(_("送信先"))
    overdue_count = models.PositiveIntegerField(_("期限超過の人数"), null=True, blank=True)

    class Meta:
        db_table = "learning_trainingreminder"
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "requirement", "fiscal_year", "step"],
                name="unique_training_reminder",
            ),
            # Digests have no requirement; NULL would be distinct in the constraint above.
            models.UniqueConstraint(
                fields=["user", "fiscal_year", "step"],
                condition=models.Q(requirement__isnull=True),
                name="unique_training_digest",
            ),
        ]
        indexes = [models.Index(fields=["sent_on"], name="training_reminder_day")]
        verbose_name = _("研修のお知らせメール")
        verbose_name_plural = _("研修のお知らせメール")

    def __str__(self) -> str:
        return f"{self.user_id} {self.requirement_id} {self.fiscal_year} {self.step}"
