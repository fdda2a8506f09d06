"""Wagtail admin views of the accounts app: the staff roster import."""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View
from wagtail.admin import messages

from accounts.forms import RosterConfirmForm, RosterImportForm
from accounts.roster import (
    RosterError,
    RosterImportReport,
    import_roster,
    parse_roster,
    summary_lines,
)

# Who may import the roster: creating users is what the import does.
ROSTER_IMPORT_PERMISSION = "accounts.add_user"


class RosterImportView(View):
    """Wagtail admin page: preview a roster CSV, then import it (``accounts.roster``)."""

    template_name = "accounts/roster_import.html"
    permission_required = ROSTER_IMPORT_PERMISSION
    # Longest list of row errors shown on the page; the count says how many more there are.
    max_errors_shown = 500

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Wagtail's admin turns PermissionDenied into a redirect to the dashboard.
        if not request.user.has_perm(self.permission_required):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(RosterImportForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RosterImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form)
        data = form.cleaned_data["file"].read()
        checksum = hashlib.sha256(data).hexdigest()
        options = {
            "deactivate_missing": form.cleaned_data["deactivate_missing"],
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
            parsed = parse_roster(data)
            if not confirmed:
                # The preview lists every error and counts the valid rows either way.
                preview = import_roster(
                    parsed,
                    deactivate_missing=options["deactivate_missing"],
                    skip_invalid=True,
                    dry_run=True,
                )
                return self.render_preview(preview, checksum, options)
            report = import_roster(
                parsed, **options, actor=request.user, request=request, source="admin"
            )
        except RosterError as exc:
            return self.render(form, error=exc.message, row_errors=exc.errors)
        separator = pgettext("list separator", "、")
        summary = separator.join(f"{label} {count}" for label, count in summary_lines(report))
        messages.success(
            request, _("職員名簿を取り込みました（%(summary)s）。") % {"summary": summary}
        )
        return redirect("accounts_roster_import")

    def render_preview(
        self, preview: RosterImportReport, checksum: str, options: dict[str, bool]
    ) -> HttpResponse:
        can_import = not preview.errors or options["skip_invalid"]
        # Its own ids: both forms are on the page, and labels must point at the right input.
        confirm_form = RosterConfirmForm(
            initial={"checksum": checksum, **options}, auto_id="id_confirm_%s"
        )
        return self.render(
            RosterImportForm(initial=options),
            preview=preview,
            summary=summary_lines(preview),
            row_errors=preview.errors,
            confirm_form=confirm_form if can_import else None,
        )

    def render(self, form: RosterImportForm, **context) -> HttpResponse:
        row_errors = context.pop("row_errors", [])
        context.update(
            form=form,
            row_errors=row_errors[: self.max_errors_shown],
            row_error_count=len({e.line for e in row_errors}),
            hidden_error_count=max(0, len(row_errors) - self.max_errors_shown),
        )
        return TemplateResponse(self.request, self.template_name, context)
