"""Background work for analytics: a dashboard's Excel workbook (``analytics.exports``)."""

from __future__ import annotations

from django_tasks import task


@task()
def build_dashboard_export(job_pk: str) -> str:
    """Build one requested workbook, updating its job's progress; return the final status."""
    from analytics.exports import build_export

    return build_export(job_pk)
