from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

# A roster of 10,000 people is about 1 MB; anything far larger is not a roster.
ROSTER_MAX_BYTES = 10 * 1024 * 1024


class RosterImportForm(forms.Form):
    """Upload a roster CSV; the rules for its content live in ``accounts.roster``."""

    file = forms.FileField(
        label=_("名簿ファイル（CSV）"),
        help_text=_(
            "UTF-8 または Shift_JIS の CSV。見出し行に 職員番号・氏名・氏名カナ・メールアドレス・"
            "所属コード・所属名 が必要です（上位所属コードは任意）。"
        ),
    )
    deactivate_missing = forms.BooleanField(
        label=_("名簿にない職員を無効にする"),
        required=False,
        help_text=_(
            "職員番号がある利用者のうち、このファイルにない人をログインできないようにします。"
            "職員番号のない講師や区民は変わりません。"
        ),
    )
    skip_invalid = forms.BooleanField(
        label=_("誤りのある行を飛ばして取り込む"),
        required=False,
        help_text=_("選ばないときは、誤りが 1 行でもあれば何も取り込みません。"),
    )
    # SHA-256 of the file that was previewed; the import goes ahead only for the same file.
    checksum = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > ROSTER_MAX_BYTES:
            raise forms.ValidationError(
                _("ファイルが大きすぎます（%(limit)s MB まで）。"),
                code="too_large",
                params={"limit": ROSTER_MAX_BYTES // (1024 * 1024)},
            )
        return upload


class RosterConfirmForm(RosterImportForm):
    """The second step: the same file again, with the options chosen for the preview."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("確認のため、同じファイルをもう一度選んでください")
        self.fields["file"].help_text = ""
        for name in ("deactivate_missing", "skip_invalid"):
            self.fields[name].widget = forms.HiddenInput()
