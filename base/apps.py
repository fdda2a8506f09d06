from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BaseConfig(AppConfig):
    name = "base"
    verbose_name = _("サイト共通")

    def ready(self) -> None:
        import base.checks  # noqa: F401  (registers the system checks)
        from base import retention  # noqa: F401  (registers the audit trail's purge)
        from base.site_cache import connect_signals

        # The cached site settings (base.site_cache) retire when the settings or a Site change.
        connect_signals()
