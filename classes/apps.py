from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassesConfig(AppConfig):
    name = "classes"
    verbose_name = _("スマホ教室")

    def ready(self) -> None:
        from classes import audit_labels, checks, retention  # noqa: F401  (labels, checks, purges)
        from classes.listing_cache import connect_signals

        connect_signals()
