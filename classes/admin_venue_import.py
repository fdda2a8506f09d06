"""Wagtail admin page: import venues from a CSV, like the roster import (preview → confirm).

The rules are ``classes.venue_import``'s, the same the ``import_venues`` command uses: the
preview is a dry run (nothing written, every row error listed), the import needs the same
file again (checked by its SHA-256) and is audited (``classes.venues.imported``). Admins only.
"""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from base.admin_import import PreviewConfirmImportView
from classes.models import Venue
from classes.venue_import import VenueImportError, VenueImportReport, import_venues

# Creating venues is what the import does; only 管理者 hold it (accounts.permissions).
VENUE_IMPORT_PERMISSION = "classes.add_venue"
# The ward's whole facility list is about 200 KB; anything far larger is not one.
VENUE_MAX_BYTES = 2 * 1024 * 1024


class VenueImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("会場ファイル（CSV）"),
        help_text=gettext_lazy(
            "区の「公共施設一覧」（推奨データセット）または classes/data/"
            "toshima_kumin_hiroba_full.csv の形式。UTF-8 または Shift_JIS。名称に「区民ひろば」を"
            "含む行だけを取り込み、同じ名称の会場は更新します（空の欄で消すことはありません）。"
        ),
    )
    include_temporary = forms.BooleanField(
        label=gettext_lazy("仮施設も取り込む（利用停止として）"), required=False
    )
    skip_invalid = forms.BooleanField(
        label=gettext_lazy("誤りのある行を飛ばして取り込む"),
        required=False,
        help_text=gettext_lazy("選ばないときは、誤りが 1 行でもあれば何も取り込みません。"),
    )
    checksum = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > VENUE_MAX_BYTES:
            raise forms.ValidationError(
                gettext_lazy("ファイルが大きすぎます（%(limit)s MB まで）。"),
                code="too_large",
                params={"limit": VENUE_MAX_BYTES // (1024 * 1024)},
            )
        return upload


class VenueConfirmForm(VenueImportForm):
    """The second step: the same file again, with the options chosen for the preview."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("確認のため、同じファイルをもう一度選んでください")
        self.fields["file"].help_text = ""
        for name in ("include_temporary", "skip_invalid"):
            self.fields[name].widget = forms.HiddenInput()


def _field_labels(names: list[str]) -> str:
    return "、".join(str(Venue._meta.get_field(name).verbose_name) for name in names)


class VenueImportView(PreviewConfirmImportView):
    template_name = "classes/admin/venue_import.html"
    permission_required = VENUE_IMPORT_PERMISSION
    form_class = VenueImportForm
    confirm_form_class = VenueConfirmForm
    option_names = ("include_temporary", "skip_invalid")
    refused_error = VenueImportError
    success_url_name = "classes_venue_import"

    def preview_report(self, data: bytes, options: dict) -> VenueImportReport:
        return import_venues(
            data, include_temporary=options["include_temporary"], skip_invalid=True, dry_run=True
        )

    def run_import(self, data: bytes, options: dict) -> VenueImportReport:
        return import_venues(
            data, **options, audit="admin", actor=self.request.user, request=self.request
        )

    def success_message(self, report: VenueImportReport) -> str:
        return _(
            "会場を取り込みました（新規 %(created)s、更新 %(updated)s、変更なし %(unchanged)s）。"
        ) % {
            "created": len(report.created),
            "updated": len(report.updated),
            "unchanged": len(report.unchanged),
        }

    def has_changes(self, preview: VenueImportReport) -> bool:
        return bool(preview.created or preview.updated)

    def preview_context(self, preview: VenueImportReport) -> dict:
        return {
            "updates": [(name, _field_labels(preview.changes[name])) for name in preview.updated]
        }
