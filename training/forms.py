"""Filters of the mandatory-training reports: the fiscal year, and what to export.

The forms check the shape of the input only; which departments a person may see is decided
by ``training.status.visible_departments`` in the views.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from base.exports import CSV, XLSX
from learning.fiscal import fiscal_year

SCOPE_OWN = "own"
SCOPE_ALL = "all"
SCOPE_CHOICES = [
    (SCOPE_OWN, _("この所属の職員だけ")),
    (SCOPE_ALL, _("下の所属の職員も含める")),
]

# Reports go back this many fiscal years before the current one (and one year ahead, for
# requirements already set up for the coming year).
YEARS_BACK = 9


def year_range(current: int) -> range:
    """The selectable fiscal years, newest first."""
    return range(current + 1, current - YEARS_BACK - 1, -1)


class FiscalYearForm(forms.Form):
    """The 年度 filter; an empty or missing value means the current fiscal year."""

    year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, today: dt.date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.current_year = fiscal_year(today)
        years = year_range(self.current_year)
        field = self.fields["year"]
        field.initial = self.current_year
        field.choices = [(str(y), _("%(year)s年度") % {"year": y}) for y in years]
        # The range is known only per request, so the message is made here.
        field.error_messages["invalid_choice"] = _(
            "年度は一覧から選んでください（%(first)s年度から%(last)s年度まで）。"
        ) % {"first": years[-1], "last": years[0]}

    def clean_year(self) -> int:
        return self.cleaned_data["year"] or self.current_year

    def valid_value(self, name: str) -> Any:
        """The cleaned value of one field, or None when it is missing or wrong."""
        self.is_valid()
        return getattr(self, "cleaned_data", {}).get(name)

    @property
    def fiscal_year(self) -> int:
        """The chosen year, or the current one when there is none or it was wrong.

        After a wrong year the list shows the current year again, under the error message.
        """
        self.is_valid()
        year = getattr(self, "cleaned_data", {}).get("year")
        if year is None and self.is_bound and "year" in self.errors:
            self.data = self.data.copy()
            self.data["year"] = str(self.current_year)
        return year or self.current_year


class DepartmentFilterForm(FiscalYearForm):
    """The year, whose people to list and, optionally, one status (期限超過 only, say)."""

    scope = forms.ChoiceField(
        label=_("表示する職員"),
        choices=SCOPE_CHOICES,
        required=False,
        error_messages={"invalid_choice": _("表示する職員は一覧から選んでください。")},
    )
    status = forms.ChoiceField(
        label=_("状況"),
        required=False,
        error_messages={"invalid_choice": _("状況は一覧から選んでください。")},
    )

    def __init__(self, *args, **kwargs) -> None:
        from training.status import STATUS_ORDER

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("すべて"))] + [
            (status.value, status.label) for status in STATUS_ORDER
        ]


class ExportForm(FiscalYearForm):
    """What to download: the department summary, everyone's status, or the overdue list."""

    WHAT_CHOICES = [
        ("summary", _("所属別の修了状況")),
        ("people", _("職員ごとの状況")),
        ("overdue", _("期限超過の一覧")),
    ]
    what = forms.ChoiceField(
        label=_("内容"),
        choices=WHAT_CHOICES,
        error_messages={
            "required": _("出力する内容を選んでください。"),
            "invalid_choice": _("出力する内容を一覧から選んでください。"),
        },
    )
    format = forms.ChoiceField(
        label=_("形式"),
        choices=[(CSV, _("CSV（Excelで開けます）")), (XLSX, _("Excel（.xlsx）"))],
        error_messages={
            "required": _("ファイルの形式を選んでください。"),
            "invalid_choice": _("ファイルの形式はCSVかExcelを選んでください。"),
        },
    )
    scope = forms.ChoiceField(choices=SCOPE_CHOICES, required=False)
    department = forms.IntegerField(
        label=_("所属"),
        required=False,
        min_value=1,
        error_messages={
            "invalid": _("所属の指定が正しくありません。"),
            "min_value": _("所属の指定が正しくありません。"),
        },
    )
