"""H5P packages and the shared H5P library store.

Files live in Django's default storage: libraries once per machine name and major.minor under
``h5p/libraries/<machineName>-<major>.<minor>/``, each package's content under
``h5p/content/<uuid>/``. The rows here describe them; learning/h5p/storage.py writes both.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
