"""Course completions: the record that certificates and mandatory training count.

Written by ``learning.completion`` when a learner meets a course's completion rule; read by
``learning.certificates`` and by the training app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
