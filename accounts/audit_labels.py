"""Readable labels of the audit codes accounts writes (shown in 操作記録; ``base.audit``)."""

from django.utils.translation import gettext_lazy as _

from base.audit import register_actions

register_actions(
    {
        "accounts.roster.imported": _("職員名簿を取り込み"),
        "accounts.user.deactivated": _("名簿にない職員を無効化"),
        "accounts.api_token.revoked": _("APIトークンを無効化"),
        "accounts.sso.linked": _("庁内ディレクトリのアカウントを職員に関連付け"),
        "accounts.sso.refused": _("名簿にない人の庁内ディレクトリでのログインを拒否"),
    }
)
