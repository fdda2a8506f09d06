"""Wagtail admin views of the accounts app: the staff roster import."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.forms import RosterConfirmForm, RosterImportForm
from accounts.roster import (
    RosterError,
    RosterImportReport,
    import_roster,
    parse_roster,
    summary_lines,
)
from base.admin_import import PreviewConfirmImportView

# Who may import the roster: creating users is what the import does.
ROSTER_IMPORT_PERMISSION = "accounts.add_user"


class RosterImportView(PreviewConfirmImportView):
    """Wagtail admin page: preview a roster CSV, then import it (``accounts.roster``)."""

    template_name = "accounts/roster_import.html"
    permission_required = ROSTER_IMPORT_PERMISSION
    form_class = RosterImportForm
    confirm_form_class = RosterConfirmForm
    option_names = ("deactivate_missing", "skip_invalid")
    refused_error = RosterError
    success_url_name = "accounts_roster_import"

    def preview_report(self, data: bytes, options: dict[str, bool]) -> RosterImportReport:
        # The preview lists every error and counts the valid rows either way.
        return import_roster(
            parse_roster(data),
            deactivate_missing=options["deactivate_missing"],
            skip_invalid=True,
            dry_run=True,
        )

    def run_import(self, data: bytes, options: dict[str, bool]) -> RosterImportReport:
        return import_roster(
            parse_roster(data),
            **options,
            actor=self.request.user,
            request=self.request,
            source="admin",
        )

    def success_message(self, report: RosterImportReport) -> str:
        separator = pgettext("list separator", "、")
        summary = separator.join(f"{label} {count}" for label, count in summary_lines(report))
        return _("職員名簿を取り込みました（%(summary)s）。") % {"summary": summary}

    def preview_context(self, preview: RosterImportReport) -> dict:
        return {"summary": summary_lines(preview)}
