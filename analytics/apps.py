from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Dashboards and open data: aggregates of classes and training, small cells hidden."""

    name = "analytics"
    verbose_name = _("分析")

    def ready(self) -> None:
        from analytics import audit_labels  # noqa: F401  (registers the audit labels)
