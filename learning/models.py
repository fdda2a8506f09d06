"""H5P packages and the shared H5P library store.

Files live in Django's default storage: libraries once per machine name and major.minor under
``h5p/libraries/<machineName>-<major>.<minor>/``, each package's content under
``h5p/content/<uuid>/``. The rows here describe them; learning/h5p/storage.py writes both.
"""

from __future__ import annotations

import calendar
import uuid

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from learning.h5p.content_types import SCORING_CHOICES, TRUSTED

LIBRARY_ROOT = "h5p/libraries"
CONTENT_ROOT = "h5p/content"


class H5PLibrary(models.Model):
    """One H5P library at one major.minor version, stored once and shared by packages."""

    machine_name = models.CharField(_("マシン名"), max_length=255)
    major_version = models.PositiveIntegerField(_("メジャーバージョン"))
    minor_version = models.PositiveIntegerField(_("マイナーバージョン"))
    patch_version = models.PositiveIntegerField(_("パッチバージョン"), default=0)
    title = models.CharField(_("タイトル"), max_length=255, blank=True)
    runnable = models.BooleanField(_("実行可能"), default=False)
    library_json = models.JSONField(_("library.json"), default=dict)
    file_count = models.PositiveIntegerField(_("ファイル数"), default=0)
    size_bytes = models.PositiveBigIntegerField(_("サイズ（バイト）"), default=0)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        ordering = ["machine_name", "major_version", "minor_version"]
        constraints = [
            models.UniqueConstraint(
                fields=["machine_name", "major_version", "minor_version"],
                name="unique_h5p_library_version",
            )
        ]
        verbose_name = _("H5Pライブラリ")
        verbose_name_plural = _("H5Pライブラリ")

    def __str__(self) -> str:
        return f"{self.folder_name}.{self.patch_version}"

    @property
    def folder_name(self) -> str:
        return f"{self.machine_name}-{self.major_version}.{self.minor_version}"

    @property
    def storage_path(self) -> str:
        return f"{LIBRARY_ROOT}/{self.folder_name}/"


SCORING_NOTES = {
    "verified": _(
        "受講者の回答（result.response）からサーバーが得点を計算します。"
        "ブラウザが送った得点は記録だけして、合否には使いません。"
    ),
    "trusted": _(
        "ブラウザが送った得点を使います。満点がサーバーの値と違う記録は受け付けず、"
        "得点が 0 から満点の範囲にあることを確認します。"
    ),
    "unscored": _("問題のない教材です。最後まで見ると修了します。"),
}


class H5PPackage(models.Model):
    """One uploaded .h5p file: its content files plus references to the libraries it uses."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("タイトル"), max_length=255)
    main_library = models.ForeignKey(
        H5PLibrary,
        on_delete=models.PROTECT,
        related_name="main_of_packages",
        verbose_name=_("メインライブラリ"),
    )
    dependencies = models.ManyToManyField(
        H5PLibrary,
        related_name="packages",
        blank=True,
        verbose_name=_("依存ライブラリ"),
        help_text=_("preloaded・editor・dynamic の依存を推移的にたどったすべてのライブラリ"),
    )
    h5p_json = models.JSONField(_("h5p.json"), default=dict)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登録者"),
    )
    size_bytes = models.PositiveBigIntegerField(_("コンテンツのサイズ（バイト）"), default=0)
    file_count = models.PositiveIntegerField(_("コンテンツのファイル数"), default=0)
    # What the server knows about the activity, from learning/h5p/content_types.py at import.
    content_type = models.CharField(
        _("コンテンツタイプ"), max_length=255, blank=True, help_text=_("メインライブラリのマシン名")
    )
    scored = models.BooleanField(_("採点あり"), default=True)
    max_score = models.FloatField(
        _("満点（サーバー）"),
        null=True,
        blank=True,
        help_text=_("content.json から求めた満点。空欄はサーバーで求められない種類"),
    )
    scoring = models.CharField(
        _("採点方法"), max_length=16, choices=SCORING_CHOICES, default=TRUSTED
    )
    answer_key = models.JSONField(_("正答（再採点用）"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("H5Pパッケージ")
        verbose_name_plural = _("H5Pパッケージ")

    def __str__(self) -> str:
        return self.title

    @property
    def content_path(self) -> str:
        return f"{CONTENT_ROOT}/{self.uuid}/"

    @admin.display(description=_("採点方法"))
    def scoring_summary(self) -> str:
        """How the server scores this activity, for the admin pages."""
        return str(self.get_scoring_display())

    @admin.display(description=_("採点の説明"))
    def scoring_note(self) -> str:
        """What the scoring mode means for a learner's result (docs/h5p-scoring.md)."""
        return str(SCORING_NOTES.get(self.scoring, ""))

    @admin.display(description=_("満点（サーバー）"))
    def max_score_label(self) -> str:
        if not self.scored:
            return "—"
        if self.max_score is None:
            return str(_("サーバーでは求められません（ブラウザの値）"))
        return f"{self.max_score:g}"


# --- Lesson activities, attempts and xAPI statements -------------------------------------------
#
# An activity is one H5P block on one lesson. Its xAPI IRI is derived from the package uuid:
# ``urn:toshima-ict:h5p:<package uuid>`` (learning.activities.activity_iri); statements about a
# question inside it carry ``?subContentId=<id>`` after that IRI.


class LessonActivity(models.Model):
    """One H5P block of a published lesson, kept in sync by learning.activities on publish."""

    lesson = models.ForeignKey(
        "courses.LessonPage",
        on_delete=models.CASCADE,
        related_name="activities",
        verbose_name=_("レッスン"),
    )
    package = models.ForeignKey(
        H5PPackage,
        on_delete=models.CASCADE,
        related_name="lesson_activities",
        verbose_name=_("H5Pパッケージ"),
    )
    block_id = models.CharField(_("ブロックID"), max_length=64)
    required = models.BooleanField(_("修了に必要"), default=True)
    sort_order = models.PositiveIntegerField(_("並び順"), default=0)

    class Meta:
        ordering = ["lesson", "sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "block_id"], name="unique_lesson_block")
        ]
        verbose_name = _("レッスンの活動")
        verbose_name_plural = _("レッスンの活動")

    def __str__(self) -> str:
        return f"{self.lesson_id}: {self.package}"


class Attempt(models.Model):
    """One try of one activity by one learner; every attempt is kept.

    An attempt stays open until a top-level statement finishes it (completed, answered, passed,
    failed, or an informational completion); the next statement then opens a new attempt.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="learning_attempts",
        verbose_name=_("受講者"),
    )
    lesson = models.ForeignKey(
        "courses.LessonPage",
        on_delete=models.CASCADE,
        related_name="attempts",
        verbose_name=_("レッスン"),
    )
    package = models.ForeignKey(
        H5PPackage, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("H5P")
    )
    number = models.PositiveIntegerField(_("回数"))
    started_at = models.DateTimeField(_("開始日時"), auto_now_add=True)
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    completed = models.BooleanField(_("完了"), default=False)
    passed = models.BooleanField(_("合格"), default=False)
    score_raw = models.FloatField(_("得点"), null=True, blank=True)
    score_max = models.FloatField(_("満点"), null=True, blank=True)
    scaled = models.FloatField(_("得点率"), null=True, blank=True)

    class Meta:
        ordering = ["user", "lesson", "package", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson", "package", "number"], name="unique_attempt_number"
            )
        ]
        verbose_name = _("受験")
        verbose_name_plural = _("受験")

    def __str__(self) -> str:
        return f"{self.user_id} {self.package_id} #{self.number}"


class XapiStatement(models.Model):
    """One xAPI statement as received (actor replaced by the learner), with its parsed result."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="xapi_statements",
        verbose_name=_("受講者"),
    )
    lesson = models.ForeignKey(
        "courses.LessonPage",
        on_delete=models.CASCADE,
        related_name="xapi_statements",
        verbose_name=_("レッスン"),
    )
    package = models.ForeignKey(
        H5PPackage, on_delete=models.CASCADE, related_name="xapi_statements", verbose_name=_("H5P")
    )
    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="statements", verbose_name=_("受験")
    )
    verb = models.CharField(_("動詞"), max_length=32)
    object_id = models.CharField(_("対象ID"), max_length=255)
    top_level = models.BooleanField(_("最上位の文"), default=True)
    score_raw = models.FloatField(_("得点"), null=True, blank=True)
    score_max = models.FloatField(_("満点"), null=True, blank=True)
    scaled = models.FloatField(_("得点率"), null=True, blank=True)
    success = models.BooleanField(_("成功"), null=True, blank=True)
    # What the browser claimed, kept beside the server's verdict above (reports read those).
    reported_raw = models.FloatField(_("送信された得点"), null=True, blank=True)
    reported_success = models.BooleanField(_("送信された成功"), null=True, blank=True)
    raw = models.JSONField(_("受信した文"))
    received_at = models.DateTimeField(_("受信日時"), auto_now_add=True)

    class Meta:
        ordering = ["received_at", "pk"]
        verbose_name = _("xAPIステートメント")
        verbose_name_plural = _("xAPIステートメント")

    def __str__(self) -> str:
        return f"{self.user_id} {self.verb} {self.object_id}"


class LessonProgress(models.Model):
    """A learner's state in one lesson: when they pressed 読みました and when it was completed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lesson_progress",
        verbose_name=_("受講者"),
    )
    lesson = models.ForeignKey(
        "courses.LessonPage",
        on_delete=models.CASCADE,
        related_name="progress",
        verbose_name=_("レッスン"),
    )
    read_at = models.DateTimeField(_("読了日時"), null=True, blank=True)
    completed_at = models.DateTimeField(_("修了日時"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="unique_lesson_progress")
        ]
        verbose_name = _("レッスンの進み具合")
        verbose_name_plural = _("レッスンの進み具合")

    def __str__(self) -> str:
        return f"{self.user_id} {self.lesson_id}"


class ActivityState(models.Model):
    """The H5P player's saved state (the user-data protocol) for resuming an open attempt.

    Bounded in size by the state endpoint; cleared when the attempt finishes, so the next try
    starts fresh.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="activity_states",
        verbose_name=_("受講者"),
    )
    lesson = models.ForeignKey(
        "courses.LessonPage",
        on_delete=models.CASCADE,
        related_name="activity_states",
        verbose_name=_("レッスン"),
    )
    package = models.ForeignKey(
        H5PPackage, on_delete=models.CASCADE, related_name="states", verbose_name=_("H5P")
    )
    state = models.TextField(_("保存された状態"))
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson", "package"], name="unique_activity_state"
            )
        ]
        verbose_name = _("教材の途中状態")
        verbose_name_plural = _("教材の途中状態")

    def __str__(self) -> str:
        return f"{self.user_id} {self.package_id}"


class CourseCompletion(models.Model):
    """One completion of a course by a learner: the record certificates and requirements use.

    Every completion is kept. A completion counts for the fiscal year (年度, April–March) in
    which it happened; ``fiscal_year`` is stored so reports can filter and group in SQL. The
    course title is copied so certificates stay verifiable after the page is renamed or deleted.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="course_completions",
        verbose_name=_("受講者"),
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.SET_NULL,
        null=True,
        related_name="completions",
        verbose_name=_("講座"),
    )
    course_title = models.CharField(_("講座名"), max_length=255)
    completed_at = models.DateTimeField(_("修了日時"))
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    score = models.FloatField(
        _("得点率（%）"),
        null=True,
        blank=True,
        help_text=_("修了に必要な問題の得点率の平均。問題のない講座は空欄。"),
    )
    certificate_code = models.CharField(
        _("修了証の確認コード"), max_length=16, unique=True, null=True, blank=True
    )

    class Meta:
        ordering = ["-completed_at"]
        indexes = [
            models.Index(fields=["user", "course", "completed_at"], name="completion_user_course"),
            models.Index(fields=["course", "fiscal_year"], name="completion_course_fy"),
        ]
        verbose_name = _("講座の修了")
        verbose_name_plural = _("講座の修了")

    def __str__(self) -> str:
        return f"{self.user_id} {self.course_title} {self.completed_at:%Y-%m-%d}"


# --- Mandatory training (issue 4) -----------------------------------------------------------


def _role_group_choices() -> models.Q:
    from accounts.roles import GROUP_NAMES

    return models.Q(name__in=list(GROUP_NAMES.values()))


class TrainingRequirement(models.Model):
    """A course that an audience of staff must complete, by a due date, once or every year.

    The rules that turn this into a status per person live in ``learning.training``.
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
        limit_choices_to=_role_group_choices,
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
