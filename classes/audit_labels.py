"""Readable labels of the audit codes classes writes (shown in 操作記録; ``base.audit``)."""

from django.utils.translation import gettext_lazy as _

from base.audit import register_actions, register_fields

register_actions(
    {
        "classes.attendance.checked_in": _("受付（出席・遅刻）を記録"),
        "classes.attendance.recorded": _("出欠を記録"),
        "classes.booking.cancelled": _("申込を取り消し"),
        "classes.booking.created": _("申込を受付（窓口・電話）"),
        "classes.booking.honeypot": _("自動送信と思われる申込を検知"),
        "classes.booking.listed": _("申込の一覧を表示"),
        "classes.booking.searched": _("申込を検索"),
        "classes.booking.slip_printed": _("申込票を印刷"),
        "classes.booking.viewed": _("申込の詳細を表示"),
        "classes.call.done": _("電話連絡を「連絡済み」に"),
        "classes.call.message": _("電話連絡を「伝言を残した」に"),
        "classes.call.no_answer": _("電話連絡を「不在（かけ直す）」に"),
        "classes.call.viewed": _("要電話連絡の詳細を表示"),
        "classes.calls.viewed": _("要電話連絡の一覧を表示"),
        "classes.certificate.viewed": _("教室の修了証を表示"),
        "classes.roster.printed": _("名簿を印刷"),
        "classes.roster.viewed": _("名簿を表示"),
        "classes.series.scheduled": _("回をまとめて作成"),
        "classes.session.cancelled": _("開催回を中止"),
        "classes.session.capacity_changed": _("開催回の定員を変更（キャンセル待ちの繰り上げ）"),
        "classes.skills.recorded": _("できることチェックを記録"),
        "classes.skills.viewed": _("できることチェックを表示"),
        "classes.suspicious.cancelled": _("不審な申込を取り消し"),
        "classes.suspicious.viewed": _("不審な申込を表示"),
        "classes.venues.imported": _("会場を取り込み"),
    }
)

register_fields(
    {
        "client": _("送信元（照合用の符号）"),
        "notified": _("知らせた人数"),
        "from": _("変更前"),
        "to": _("変更後"),
        "promoted": _("繰り上げた申込"),
        "session": _("開催回"),
        "items": _("項目数"),
        "phase": _("段階"),
        "bookings": _("申込数"),
        "channel": _("申込の経路"),
        "done": _("連絡済み"),
        "open": _("未連絡"),
        "groups": _("まとまりの数"),
        "outcome": _("結果"),
        "participants": _("参加者数"),
        "references": _("申込番号"),
        "retry_at": _("かけ直す日時"),
    },
    actions="classes.",
)
register_fields(
    {
        "sessions": _("作成した回"),
        "skipped": _("休みのため飛ばした日"),
        "copied_from": _("コピー元の教室"),
    },
    actions="classes.series.",
)
register_fields(
    {
        "source": _("取り込み元（admin：管理画面、command：コマンド）"),
        "total_rows": _("行数"),
        "created": _("追加した会場"),
        "updated": _("更新した会場"),
        "unchanged": _("変更のない会場"),
        "skipped": _("読み飛ばした行"),
    },
    actions="classes.venues.",
)
