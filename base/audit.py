"""Audit trail: who looked at or changed personal data, and when.

The services write the entries where the work is done (pretix's ``log_action`` in its
services is the model): the caller passes the actor and the request (for the client address),
so every channel (web page, API, command, admin) leaves the same record, once. Pages that only
show personal data (lists, searches) write a "viewed" entry from their view. The entries are
read in the Wagtail admin (操作記録) and never edited.

Action codes are dotted (``classes.roster.viewed``); each app registers readable labels for its
codes with ``register_actions`` and for the keys of its entries' ``data`` with
``register_fields`` (``base.actions``, re-exported here) from its ``AppConfig.ready``, so base
imports no domain app. An unknown code or key is shown as it is.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from base.actions import (
    action_label,
    field_label,
    register_actions,
    register_fields,
    registered_actions,
    registered_fields,
)
from base.models import AuditEntry
from base.net import client_ip

__all__ = [
    "action_label",
    "data_display",
    "field_label",
    "log_action",
    "query_fingerprint",
    "register_actions",
    "register_fields",
    "registered_actions",
    "registered_fields",
]


# Keys that several apps write in an entry's ``data`` (an app registers its own in its
# audit_labels module).
register_fields(
    {
        "results": _("件数"),
        "filters": _("絞り込み条件"),
        "query": _("検索した語（照合用の符号と文字数）"),
        "reason": _("理由"),
        "status": _("状態"),
        "format": _("形式"),
        "rows": _("行数"),
        "source": _("実行元"),
        "hash": _("照合用の符号"),
        "length": _("文字数"),
    }
)


def log_action(
    action: str,
    *,
    user,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Write one audit entry; ``obj`` is the thing acted on, ``data`` any details."""
    entry = AuditEntry(
        action=action,
        user=user if user is not None and user.is_authenticated else None,
        data=data or {},
        ip=_client_ip(request),
    )
    if obj is not None:
        entry.content_type = ContentType.objects.get_for_model(obj)
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:200]
    entry.save()
    return entry


def query_fingerprint(query: str) -> dict[str, Any]:
    """What a search looked for, without the name or number typed: a keyed hash and length.

    The same query gives the same hash (so repeated searches for one person show), but the
    text cannot be read back from the trail.
    """
    text = " ".join(query.split())
    digest = salted_hmac("base.audit.query", text.casefold()).hexdigest()[:16]
    return {"hash": digest, "length": len(text)}


def data_display(entry: Any) -> SafeString:
    """An entry's ``data`` as a definition list with readable field names (the admin's 操作記録)."""
    if not entry.data:
        return format_html("{}", "—")
    items = entry.data.items() if isinstance(entry.data, dict) else [("", entry.data)]
    return format_html(
        '<dl class="audit-data">{}</dl>',
        format_html_join(
            "",
            "<dt>{}</dt><dd>{}</dd>",
            ((field_label(key, entry.action), _value_text(value)) for key, value in items),
        ),
    )


def _value_text(value: Any) -> str:
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return gettext("はい") if value else gettext("いいえ")
    if isinstance(value, list | tuple):
        return "、".join(_value_text(item) for item in value)
    if isinstance(value, dict):
        return "、".join(f"{field_label(str(k))}：{_value_text(v)}" for k, v in value.items())
    return str(value)


def _client_ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None
