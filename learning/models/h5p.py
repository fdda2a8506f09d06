"""H5P packages and the shared H5P library store.

Files live in Django's default storage: libraries once per machine name and major.minor under
``h5p/libraries/<machineName>-<major>.<minor>/``, each package's content under
``h5p/content/<uuid>/``. The rows here describe them; learning/h5p/storage.py writes both.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

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
