from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Dashboards and open data: aggregates of classes and training, small cells hidden."""

    name = "analytics"
    verbose_name = _("分析")

    def ready(self) -> None:
        # The audit labels, and the dashboards, which register themselves
        # (analytics.views.dashboard) when their module is imported: here, so every process
        # has them, a task worker that loads no URLs too.
        from analytics import (  # noqa: F401
            audit_labels,
            views_classes,
            views_reach,
            views_training,
        )
