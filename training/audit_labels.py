"""Readable labels of the audit codes training writes (shown in 操作記録; ``base.audit``).

The codes keep their former ``learning.training.`` prefix, so older entries read the same.
"""

from django.utils.translation import gettext_lazy as _

from base.audit import register_actions, register_fields

register_actions(
    {
        "learning.training.cohort_viewed": _("研修の対象グループの状況を表示"),
        "learning.training.department_viewed": _("所属の研修状況を表示"),
        "learning.training.exported": _("研修状況を書き出し"),
        "learning.training.history_viewed": _("職員の研修履歴を表示"),
        "learning.training.overdue_viewed": _("研修の期限切れ一覧を表示"),
    }
)

register_fields(
    {
        "fiscal_year": _("年度"),
        "people": _("人数"),
        "members": _("人数"),
        "what": _("内容"),
        "whole": _("全体（すべての所属）"),
    }
)
