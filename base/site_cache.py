"""The default site and its settings (base.SiteSettings) from the shared cache.

Every page built on ``templates/base.html`` shows the site settings (ward name, help phone),
which cost two queries a request through Wagtail's ``{% get_settings use_default_site=True %}``
(the default Site, then the settings row). Both change only when an admin saves the settings
or edits a Site, so they are kept in Django's default cache (``CACHE_URL``: Redis in
production) as a ``base.versioned_cache`` set of their own, which every such change bumps now
and again after its transaction commits (a separate version, so that publishing a page does
not retire the settings and saving the settings does not retire the course pages). Nothing
about a visitor is cached here.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from wagtail.models import Site

from base.versioned_cache import VersionedCache

_SITE = VersionedCache("base:site")
VERSION_KEY = _SITE.version_key
_SETTINGS = "settings"
_DEFAULT = ("default",)
SETTINGS_KEY = _SITE.key(_SETTINGS, _DEFAULT)
# A safety net only: a bump retires the entry at once.
TIMEOUT = 60 * 60


def bump_site_version(**kwargs: Any) -> None:
    """Retire the cached settings now and again once the current transaction commits (why
    both: ``VersionedCache.bump``)."""
    _SITE.bump()


def default_site_settings() -> Any:
    """The default site's SiteSettings (unsaved defaults until an admin saves them).

    Raises ``Site.DoesNotExist`` without a default site, as ``get_settings`` did.
    """
    from base.models import SiteSettings

    def read() -> Any:
        return SiteSettings.for_site(Site.objects.get(is_default_site=True))

    return _SITE.cached(_SETTINGS, _DEFAULT, read, TIMEOUT)


def connect_signals() -> None:
    """Saving or deleting the settings or a Site (the default may move) retires the entry."""
    from base.models import SiteSettings

    for model in (SiteSettings, Site):
        uid = f"base.site_cache.{model.__name__}"
        post_save.connect(bump_site_version, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(bump_site_version, sender=model, dispatch_uid=f"{uid}.delete")
