"""Wagtail admin page: import venues from a CSV, like the roster import (preview → confirm).

The rules are ``classes.venue_import``'s, the same the ``import_venues`` command uses: the
preview is a dry run (nothing written, every row error listed), the import needs the same
file again (checked by its SHA-256) and is audited (``classes.venues.imported``). Admins only.
"""

from __future__ import annotations

import hashlib

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages

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


class VenueImportView(View):
    template_name = "classes/admin/venue_import.html"
    permission_required = VENUE_IMPORT_PERMISSION

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Wagtail's admin turns PermissionDenied into a redirect to the dashboard.
        if not request.user.has_perm(self.permission_required):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(VenueImportForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = VenueImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form)
        data = form.cleaned_data["file"].read()
        checksum = hashlib.sha256(data).hexdigest()
        options = {
            "include_temporary": form.cleaned_data["include_temporary"],
            "skip_invalid": form.cleaned_data["skip_invalid"],
        }
        confirmed = request.POST.get("action") == "import"
        if confirmed and form.cleaned_data["checksum"] != checksum:
            messages.warning(
                request,
                _("確認したファイルと違うファイルが選ばれました。内容をもう一度確認してください。"),
            )
            confirmed = False
        try:
            if not confirmed:
                preview = import_venues(
                    data,
                    include_temporary=options["include_temporary"],
                    skip_invalid=True,
                    dry_run=True,
                )
                return self.render_preview(form, preview, checksum, options)
            report = import_venues(
                data, **options, audit="admin", actor=request.user, request=request
            )
        except VenueImportError as exc:
            return self.render(form, error=exc.message, row_errors=exc.errors)
        messages.success(
            request,
            _(
                "会場を取り込みました"
                "（新規 %(created)s、更新 %(updated)s、変更なし %(unchanged)s）。"
            )
            % {
                "created": len(report.created),
                "updated": len(report.updated),
                "unchanged": len(report.unchanged),
            },
        )
        return redirect("classes_venue_import")

    def render_preview(
        self, form: VenueImportForm, preview: VenueImportReport, checksum: str, options: dict
    ) -> HttpResponse:
        can_import = not preview.errors or options["skip_invalid"]
        confirm_form = VenueConfirmForm(
            initial={"checksum": checksum, **options}, auto_id="id_confirm_%s"
        )
        updates = [(name, _field_labels(preview.changes[name])) for name in preview.updated]
        return self.render(
            VenueImportForm(initial=options),
            preview=preview,
            updates=updates,
            row_errors=preview.errors,
            confirm_form=confirm_form if can_import and (preview.created or updates) else None,
        )

    def render(self, form: VenueImportForm, **context) -> HttpResponse:
        row_errors = context.pop("row_errors", [])
        context.update(
            form=form,
            row_errors=row_errors,
            row_error_count=len({e.line for e in row_errors}),
        )
        return TemplateResponse(self.request, self.template_name, context)
