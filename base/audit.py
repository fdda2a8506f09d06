"""Audit trail: who looked at or changed personal data, and when.

The services write the entries where the work is done (pretix's ``log_action`` in its
services is the model): the caller passes the actor and the request (for the client address),
so every channel (web page, API, command, admin) leaves the same record, once. Pages that only
show personal data (lists, searches) write a "viewed" entry from their view. The entries are
read in the Wagtail admin (操作記録) and never edited.

Action codes are dotted (``classes.roster.viewed``); each app registers readable labels for its
codes with ``register_actions`` (``base.actions``, re-exported here) from its
``AppConfig.ready``, so base imports no domain app. An unknown code is shown as it is.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from base.actions import action_label, register_actions, registered_actions
from base.models import AuditEntry
from base.net import client_ip

__all__ = [
    "action_label",
    "log_action",
    "query_fingerprint",
    "register_actions",
    "registered_actions",
]


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


def _client_ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None
