"""The admin's file imports (staff roster, venues): upload → preview → confirm with the same file.

One flow for every import, so each keeps the same promises: the preview is a dry run that lists
every row error and changes nothing; the import needs the very file that was previewed (its
SHA-256 travels with the confirm form); a refused file changes nothing and says why; only
holders of ``permission_required`` see the page. Subclasses supply the forms and three hooks.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import View
from wagtail.admin import messages


class PreviewConfirmImportView(View):
    template_name: str
    permission_required: str
    form_class: type[forms.Form]
    confirm_form_class: type[forms.Form]
    # The form's option fields carried from the preview to the confirm step.
    option_names: tuple[str, ...] = ("skip_invalid",)
    # The import's own exception for a refused file (with ``message`` and ``errors``).
    refused_error: type[Exception]
    success_url_name: str
    # Longest list of row errors shown on the page; the count says how many more there are.
    max_errors_shown = 500

    # -- hooks ------------------------------------------------------------------------------

    def preview_report(self, data: bytes, options: dict[str, Any]):
        """The dry run: a report of what the import would do (nothing written)."""
        raise NotImplementedError

    def run_import(self, data: bytes, options: dict[str, Any]):
        """The import itself (audited by the import's service); returns its report."""
        raise NotImplementedError

    def success_message(self, report) -> str:
        raise NotImplementedError

    def preview_context(self, preview) -> dict[str, Any]:
        """What the template shows of a preview besides its row errors."""
        return {}

    def has_changes(self, preview) -> bool:
        """Whether confirming the preview would change anything (else no confirm button)."""
        return True

    # -- the flow ---------------------------------------------------------------------------

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Wagtail's admin turns PermissionDenied into a redirect to the dashboard.
        if not request.user.has_perm(self.permission_required):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(self.form_class())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.form_class(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form)
        data = form.cleaned_data["file"].read()
        checksum = hashlib.sha256(data).hexdigest()
        options = {name: form.cleaned_data[name] for name in self.option_names}
        confirmed = request.POST.get("action") == "import"
        if confirmed and form.cleaned_data["checksum"] != checksum:
            messages.warning(
                request,
                _("確認したファイルと違うファイルが選ばれました。内容をもう一度確認してください。"),
            )
            confirmed = False
        try:
            if not confirmed:
                return self.render_preview(self.preview_report(data, options), checksum, options)
            report = self.run_import(data, options)
        except self.refused_error as exc:
            return self.render(form, error=exc.message, row_errors=exc.errors)
        messages.success(request, self.success_message(report))
        return redirect(self.success_url_name)

    def render_preview(self, preview, checksum: str, options: dict[str, Any]) -> HttpResponse:
        can_import = (not preview.errors or options.get("skip_invalid")) and self.has_changes(
            preview
        )
        # Its own ids: both forms are on the page, and labels must point at the right input.
        confirm_form = self.confirm_form_class(
            initial={"checksum": checksum, **options}, auto_id="id_confirm_%s"
        )
        return self.render(
            self.form_class(initial=options),
            preview=preview,
            row_errors=preview.errors,
            confirm_form=confirm_form if can_import else None,
            **self.preview_context(preview),
        )

    def render(self, form: forms.Form, **context) -> HttpResponse:
        row_errors = context.pop("row_errors", [])
        context.update(
            form=form,
            row_errors=row_errors[: self.max_errors_shown],
            row_error_count=len({e.line for e in row_errors}),
            hidden_error_count=max(0, len(row_errors) - self.max_errors_shown),
        )
        return TemplateResponse(self.request, self.template_name, context)
