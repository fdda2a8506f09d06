"""Retention: personal detail is anonymised a set number of days after it stops being needed.

Each app owns the purge of its own data (``classes.retention``, ``learning.retention``, the
audit trail's below) and registers it here with ``register_purge`` from its
``AppConfig.ready``, so base imports no domain app. ``purge_personal_data`` runs every
registered purge (``manage.py purge_personal_data``, the daily task ``base.tasks``): each one
is idempotent (a second run finds nothing), works in batches of ``RETENTION_BATCH_SIZE`` rows
and, in a dry run, only counts. Every real run leaves one audit entry with the counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.actions import register_actions, register_fields
from base.models import AuditEntry

# (cutoff, dry_run, batch_size) -> rows anonymised (or, in a dry run, that would be)
PurgeFunction = Callable[[datetime, bool, int], int]


@dataclass(frozen=True)
class Purge:
    """One category of personal detail: its code, label, retention setting and function."""

    code: str
    label: Any
    setting: str
    run: PurgeFunction

    def days(self) -> int:
        return int(getattr(settings, self.setting))


_PURGES: dict[str, Purge] = {}


def register_purge(code: str, label: Any, setting: str, run: PurgeFunction) -> None:
    _PURGES[code] = Purge(code, label, setting, run)


def registered_purges() -> list[Purge]:
    return [_PURGES[code] for code in sorted(_PURGES)]


def purge_personal_data(
    *, now: datetime | None = None, dry_run: bool = False, user=None
) -> dict[str, int]:
    """Run every registered purge; the rows anonymised (or to be) per category code."""
    from base.audit import log_action

    now = now or timezone.now()
    batch_size = max(1, int(settings.RETENTION_BATCH_SIZE))
    counts: dict[str, int] = {}
    for purge in registered_purges():
        cutoff = now - timedelta(days=purge.days())
        counts[purge.code] = purge.run(cutoff, dry_run, batch_size)
    if not dry_run:
        log_action(
            "base.retention.purged",
            user=user,
            data={
                "counts": counts,
                "days": {purge.code: purge.days() for purge in registered_purges()},
            },
        )
    return counts


def in_batches(queryset: QuerySet, batch_size: int, apply: Callable[[list[int]], None]) -> int:
    """Call ``apply`` with the primary keys of ``queryset`` in batches, each in a transaction,
    until the queryset (which must no longer match a row once applied) is empty."""
    done, previous = 0, None
    while True:
        with transaction.atomic():
            pks = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not pks:
                return done
            if pks == previous:  # a row the purge cannot change: stop rather than loop
                raise RuntimeError(f"retention purge made no progress on {pks[:5]}")
            apply(pks)
        done, previous = done + len(pks), pks


# --- The audit trail's own purge -----------------------------------------------------------

# Keys of ``AuditEntry.data`` that identify a resident (a keyed hash of a searched name or
# number, of a client address): dropped with the entry's shown object and address.
PERSONAL_DATA_KEYS = ("query", "client")


def _old_audit_entries(cutoff: datetime) -> QuerySet:
    personal = ~Q(object_repr="") | Q(ip__isnull=False)
    for key in PERSONAL_DATA_KEYS:
        personal |= Q(data__has_key=key)
    return AuditEntry.objects.filter(personal, created_at__lt=cutoff)


def purge_audit_entries(cutoff: datetime, dry_run: bool, batch_size: int) -> int:
    """Old audit entries keep who did what to which row and when; they lose the row's shown
    name (``object_repr``), the client address and resident-identifying hashes in ``data``."""
    entries = _old_audit_entries(cutoff)
    if dry_run:
        return entries.count()

    def apply(pks: list[int]) -> None:
        rows = list(AuditEntry.objects.filter(pk__in=pks))
        for entry in rows:
            entry.object_repr = ""
            entry.ip = None
            if isinstance(entry.data, dict):
                entry.data = {k: v for k, v in entry.data.items() if k not in PERSONAL_DATA_KEYS}
        AuditEntry.objects.bulk_update(rows, ["object_repr", "ip", "data"])

    return in_batches(entries, batch_size, apply)


register_actions({"base.retention.purged": _("保存期間を過ぎた個人情報を消去")})
register_fields(
    {"counts": _("消去した件数"), "days": _("保存期間（日）")}, actions="base.retention."
)
register_purge("base.audit", _("操作記録"), "AUDIT_RETENTION_DAYS", purge_audit_entries)
