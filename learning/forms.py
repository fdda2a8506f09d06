"""Admin forms for H5P packages: upload (a .h5p file and a title) and rename."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from learning.h5p.storage import H5PStoreError, check_library_permission
from learning.h5p.validation import H5PValidationError, ValidatedPackage, limit, validate_package
from learning.models import H5PPackage


def file_help_text() -> str:
    """What an .h5p file is and the limits the validator enforces (learning/h5p/validation.py)."""
    return format_lazy(
        _(
            "H5P の作成ツール（H5P.org、Lumi など）で書き出した教材ファイル（拡張子 .h5p、"
            "中身は zip 形式）。展開後の合計 {total} MB まで、1 ファイル {file} MB まで、"
            "{entries} ファイルまで。"
        ),
        total=limit("H5P_MAX_TOTAL_BYTES") // (1024 * 1024),
        file=limit("H5P_MAX_FILE_BYTES") // (1024 * 1024),
        entries=limit("H5P_MAX_ENTRIES"),
    )


class H5PUploadForm(WagtailAdminModelForm):
    """Check the file with the validator and the library permission; storing is the view's job."""

    file = forms.FileField(
        label=_("H5P ファイル"),
        help_text="",  # set per request from the current limits (file_help_text)
        widget=forms.ClearableFileInput(attrs={"accept": ".h5p"}),
    )
    validated: ValidatedPackage | None = None

    class Meta:
        model = H5PPackage
        fields = ["title"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = _("空欄のときは h5p.json のタイトルを使います。")
        self.fields["file"].help_text = file_help_text()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.validated = validate_package(upload)
            check_library_permission(self.validated, self.for_user)
        except (H5PValidationError, H5PStoreError) as exc:
            # The reason in the admin's language (Japanese; English through the catalogue).
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return upload


class H5PRenameForm(WagtailAdminModelForm):
    class Meta:
        model = H5PPackage
        fields = ["title"]
