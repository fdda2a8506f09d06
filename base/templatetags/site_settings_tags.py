"""``{% get_site_settings as settings %}``: Wagtail's ``{% get_settings use_default_site=True %}``
with the default site's SiteSettings read from the shared cache (base.site_cache) instead of
two queries (the default Site, then the settings row) on every page.
"""

from __future__ import annotations

from typing import Any

from django import template
from wagtail.contrib.settings.context_processors import SettingModuleProxy, SettingProxy
from wagtail.models import Site

from base.site_cache import default_site_settings

register = template.Library()


class _CachedModuleProxy(SettingModuleProxy):
    def get_setting(self, model_name: str) -> Any:
        if self.app_label == "base" and model_name == "sitesettings":
            return default_site_settings()
        # Any other setting model (none today) as get_settings found it: for the default site.
        if self.request_or_site is None:
            self.request_or_site = Site.objects.get(is_default_site=True)
        return super().get_setting(model_name)


class CachedSettingProxy(SettingProxy):
    """Looks like Wagtail's proxy; reads nothing until a template uses a setting."""

    def __init__(self) -> None:
        super().__init__(request_or_site=None)

    def __missing__(self, app_label: str) -> SettingModuleProxy:
        self[app_label] = value = _CachedModuleProxy(None, app_label)
        return value


@register.simple_tag
def get_site_settings() -> CachedSettingProxy:
    """The default site's settings, as ``{% get_settings use_default_site=True %}`` gives."""
    return CachedSettingProxy()
