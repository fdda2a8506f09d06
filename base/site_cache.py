"""The default site and its settings (base.SiteSettings) from the shared cache.

Every page built on ``templates/base.html`` shows the site settings (ward name, help phone),
which cost two queries a request through Wagtail's ``{% get_settings use_default_site=True %}``
(the default Site, then the settings row). Both change only when an admin saves the settings
or edits a Site, so they are kept in Django's default cache (``CACHE_URL``: Redis in
production) under a version that every such change bumps, now and again after its
transaction commits: the same pattern as ``courses.page_cache`` (a separate version, so that
publishing a page does not retire the settings and saving the settings does not retire the
course pages). Nothing about a visitor is cached here.

The reader takes the version and the entry in one round trip (``get_many``) *before* it reads
the database, as ``classes.listing_cache`` does: a row read before a change commits is stored
under the version that the change's after-commit bump retires, never under the new one.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import Site

VERSION_KEY = "base:site-version"
SETTINGS_KEY = "base:site-settings:default"
# A safety net only: a bump retires the entry at once.
TIMEOUT = 60 * 60


def _new_version() -> None:
    cache.set(VERSION_KEY, str(time.time_ns()), None)


def bump_site_version(**kwargs: Any) -> None:
    """Retire the cached settings now and again once the current transaction commits.

    Now, so that the saving transaction (and a test) reads what it wrote; after the commit
    too, because a request reading between the change and its commit would otherwise store
    the old row under the version of the first bump.
    """
    _new_version()
    transaction.on_commit(_new_version)


def _version(found: dict[str, Any]) -> str:
    version = found.get(VERSION_KEY)
    if version is None:
        version = str(time.time_ns())
        # add(): two processes starting together agree on one version.
        if not cache.add(VERSION_KEY, version, None):
            version = cache.get(VERSION_KEY) or version
    return version


def default_site_settings() -> Any:
    """The default site's SiteSettings (unsaved defaults until an admin saves them).

    Raises ``Site.DoesNotExist`` without a default site, as ``get_settings`` did.
    """
    from base.models import SiteSettings

    found = cache.get_many([VERSION_KEY, SETTINGS_KEY])  # one round trip, before the database
    version = _version(found)
    entry = found.get(SETTINGS_KEY)
    if entry is not None and entry[0] == version:
        return entry[1]
    site = Site.objects.get(is_default_site=True)
    value = SiteSettings.for_site(site)
    cache.set(SETTINGS_KEY, (version, value), TIMEOUT)
    return value


def connect_signals() -> None:
    """Saving or deleting the settings or a Site (the default may move) retires the entry."""
    from base.models import SiteSettings

    for model in (SiteSettings, Site):
        uid = f"base.site_cache.{model.__name__}"
        post_save.connect(bump_site_version, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(bump_site_version, sender=model, dispatch_uid=f"{uid}.delete")
