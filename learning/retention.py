"""Retention of raw xAPI statements (``base.retention`` runs it).

``XAPI_STATEMENT_RETENTION_DAYS`` after a statement was received, its raw JSON (which may hold
free-text answers) is replaced by an empty object. What reports and completions read stays:
the statement's verb, object, parsed score and success, the attempts and the lesson progress.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from base.retention import in_batches, register_purge
from learning.models import XapiStatement


def purge_xapi_statements(cutoff: datetime, dry_run: bool, batch_size: int) -> int:
    old = XapiStatement.objects.filter(received_at__lt=cutoff).exclude(raw={})
    if dry_run:
        return old.count()

    def apply(pks: list[int]) -> None:
        XapiStatement.objects.filter(pk__in=pks).update(raw={})

    return in_batches(old, batch_size, apply)


register_purge(
    "learning.xapi_statements",
    _("学習記録（xAPIステートメントの受信した文）"),
    "XAPI_STATEMENT_RETENTION_DAYS",
    purge_xapi_statements,
)
