"""Audit trail: who looked at or changed personal data, and when.

Views call ``log_action`` with a dotted action name (``classes.roster.viewed``) after the
work is done; the entries are read in the Wagtail admin (操作記録) and never edited.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest

from base.models import AuditEntry
from base.net import client_ip


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


def _client_ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None
