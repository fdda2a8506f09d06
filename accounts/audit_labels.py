"""Readable labels of the audit codes accounts writes (shown in 操作記録; ``base.audit``)."""

from django.utils.translation import gettext_lazy as _

from base.audit import register_actions, register_fields

register_actions(
    {
        "accounts.roster.imported": _("職員名簿を取り込み"),
        "accounts.user.deactivated": _("名簿にない職員を無効化"),
        "accounts.api_token.revoked": _("APIトークンを無効化"),
        "accounts.sso.linked": _("庁内ディレクトリのアカウントを職員に関連付け"),
        "accounts.sso.refused": _("名簿にない人の庁内ディレクトリでのログインを拒否"),
    }
)

register_fields(
    {
        "source": _("取り込み元（admin：管理画面、command：コマンド）"),
        "deactivate_missing": _("名簿にない人を無効にする"),
        "total_rows": _("名簿の行数"),
        "created": _("追加した人"),
        "updated": _("更新した人"),
        "unchanged": _("変更のない人"),
        "deactivated": _("無効にした人"),
        "departments_created": _("追加した所属"),
        "departments_updated": _("更新した所属"),
        "skipped": _("読み飛ばした行"),
    },
    actions="accounts.",
)
register_fields(
    {
        "owner": _("トークンの持ち主（利用者 ID）"),
        "prefix": _("トークンの先頭の文字"),
        "subject": _("庁内ディレクトリの利用者 ID"),
    }
)
