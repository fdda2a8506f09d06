"""Admin forms for H5P packages: upload (a .h5p file and a title) and rename."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from learning.h5p.storage import H5PStoreError, check_library_permission
from learning.h5p.validation import H5PValidationError, ValidatedPackage, validate_package
from learning.models import H5PPackage


class H5PUploadForm(WagtailAdminModelForm):
    """Check the file with the validator and the library permission; storing is the view's job."""

    file = forms.FileField(
        label=_("H5P ファイル"),
        help_text=_("H5P で書き出した .h5p ファイル"),
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

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.validated = validate_package(upload)
            check_library_permission(self.validated, self.for_user)
        except (H5PValidationError, H5PStoreError) as exc:
            raise forms.ValidationError(exc.one_line, code=exc.code) from None
        return upload


class H5PRenameForm(WagtailAdminModelForm):
    class Meta:
        model = H5PPackage
        fields = ["title"]
