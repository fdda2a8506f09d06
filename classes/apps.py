from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassesConfig(AppConfig):
    name = "classes"
    verbose_name = _("スマホ教室")

    def ready(self) -> None:
        from classes import audit_labels  # noqa: F401  (registers the audit labels)
        from classes.listing_cache import connect_signals

        connect_signals()
