from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    """Mandatory training: requirements, statuses, reminders, reports, exports and cohorts."""

    name = "training"
    verbose_name = _("必修研修")

    def ready(self) -> None:
        from training import audit_labels  # noqa: F401  (registers the audit labels)
