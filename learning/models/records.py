"""What each learner did: attempts, xAPI statements, saved player state and lesson progress.

``learning.xapi`` writes attempts and statements as the player reports them;
``learning.player`` saves the player's state and ``learning.xapi`` clears it when an attempt
finishes; ``learning.completion`` writes ``LessonProgress``
(``learning.progress`` and ``learning.my_learning`` only read it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from learning.models.h5p import H5PPackage


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
    # The counted attempts, kept up to date on the learner's latest attempt row so that a
    # statement reads one row instead of every earlier try (learning.completion.counted_pair):
    # the best and the latest finished attempt before this one (this one adds itself once
    # finished), among the attempts started after ``cycle_start`` (None: all of them).
    # ``tallied`` is False on rows made some other way (the pair is then recomputed).
    best = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最も良い受験"),
    )
    last_finished = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最後に終えた受験"),
    )
    cycle_start = models.DateTimeField(_("集計の起点"), null=True, blank=True)
    tallied = models.BooleanField(_("集計済み"), default=False)

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
