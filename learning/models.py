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
