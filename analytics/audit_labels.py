"""Readable labels of the audit codes analytics writes (shown in 操作記録; ``base.audit``)."""

from django.utils.translation import gettext_lazy as _

from base.audit import register_actions, register_fields

register_actions(
    {
        "analytics.classes.downloaded": _("教室の出席の集計を保存"),
        "analytics.training.downloaded": _("必修研修の集計を保存"),
        "analytics.reach.downloaded": _("デジタルデバイド指標の集計を保存"),
        "analytics.export.requested": _("ダッシュボードのExcel書き出しを依頼"),
        "analytics.export.downloaded": _("ダッシュボードのExcel書き出しを保存"),
    }
)

register_fields({"dashboard": _("ダッシュボード"), "chart": _("グラフ")})
