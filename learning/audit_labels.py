"""Readable labels of the audit codes learning writes (shown in 操作記録; ``base.audit``)."""

from django.utils.translation import gettext_lazy as _

from base.audit import register_actions

register_actions(
    {
        "learning.certificate.downloaded": _("修了証 PDF をダウンロード（本人以外）"),
    }
)
