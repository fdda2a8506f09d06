"""Excel exports of a whole dashboard, built by a task (``analytics.exports``).

Imported by ``analytics.models`` so Django finds the model.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    """One person's request for a dashboard's tables as an Excel workbook, and its progress.

    The key is random, so a job's pages cannot be guessed; only the person who asked may open
    them. The file lives in the private storage (``STORAGES["private"]``, never served as media)
    and is downloaded through the job's page, which writes the audit entry.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待機中")
        RUNNING = "running", _("作成中")
        DONE = "done", _("完成")
        FAILED = "failed", _("失敗")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("依頼した人"),
    )
    dashboard = models.CharField(_("ダッシュボード"), max_length=40)
    query = models.CharField(_("絞り込み"), max_length=500, blank=True)
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("進み具合（%）"), default=0)
    file_name = models.CharField(_("ファイル"), max_length=255, blank=True, editable=False)
    error = models.CharField(_("エラー"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("依頼日時"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("集計のExcel出力")
        verbose_name_plural = _("集計のExcel出力")

    def __str__(self) -> str:
        return f"{self.dashboard} {self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}
