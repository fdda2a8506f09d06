"""Lesson activities: the H5P blocks of published lessons.

An activity is one H5P block on one lesson, kept in sync by ``learning.activities`` when the
lesson is published. Its xAPI IRI is derived from the package uuid:
``urn:toshima-ict:h5p:<package uuid>`` (``learning.activities.activity_iri``); statements about a
question inside it carry ``?subContentId=<id>`` after that IRI.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from learning.models.h5p import H5PPackage


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
