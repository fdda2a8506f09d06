"""The site settings (base.SiteSettings) outside templates: mails, certificates, views."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from wagtail.models import Site

from base.models import SiteSettings
from base.site_cache import default_site_settings


def site_settings(request: HttpRequest | None = None) -> SiteSettings | None:
    if request is None:
        # Mails and certificates: the default site's, from the shared cache (base.site_cache).
        try:
            return default_site_settings()
        except Site.DoesNotExist:
            return None
    site = Site.find_for_request(request)
    site = site or Site.objects.filter(is_default_site=True).first()
    return SiteSettings.for_site(site) if site else None


def help_phone(request: HttpRequest | None = None) -> str:
    current = site_settings(request)
    return current.help_phone if current else settings.HELP_PHONE


def ward_name(request: HttpRequest | None = None) -> str:
    current = site_settings(request)
    return current.ward_name if current else settings.WARD_NAME
