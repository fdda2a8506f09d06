"""Template helpers for the public class pages: Japanese dates, reference codes, form fields."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.conf import settings
from django.forms import BoundField
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.formats import date_format
from django.utils.safestring import SafeString

from classes.models import ClassSession

register = template.Library()


@register.filter
def jdate(value: datetime) -> str:
    """2026年1月6日（火）"""
    return date_format(timezone.localtime(value), "WEEKDAY_DATE_FORMAT")  # config/formats


@register.filter
def jtime(value: datetime) -> str:
    """10:00"""
    return format_date(timezone.localtime(value), "G:i")


@register.filter
def when(session: ClassSession) -> str:
    """2026年1月6日（火）10:00〜12:00"""
    return f"{jdate(session.starts_at)}{jtime(session.starts_at)}〜{jtime(session.ends_at)}"


@register.filter
def spaced(value: str) -> str:
    """A reference code read letter by letter by screen readers: "A C E F G H"."""
    return " ".join(value)


@register.simple_tag
def field_widget(field: BoundField, describedby: str = "") -> SafeString:
    """Render a widget, adding ``describedby`` before Django's help-text and error ids."""
    ids = " ".join(part for part in (describedby, field.aria_describedby) if part)
    return field.as_widget(attrs={"aria-describedby": ids} if ids else None)


@register.filter
def field_anchor(field: BoundField) -> str:
    """The id an error-summary link points at: the input itself, or a group's first choice."""
    if field.use_fieldset:
        return f"{field.auto_id}_0"
    return field.id_for_label or field.auto_id


@register.simple_tag
def retention_days(name: str) -> int:
    """A retention period from settings, for the privacy notice: ``{% retention_days "X" %}``.

    Only the ``*_RETENTION_DAYS`` settings (``base.retention``) can be read this way.
    """
    if not name.endswith("_RETENTION_DAYS"):
        raise template.TemplateSyntaxError(f"{name} is not a retention setting")
    return int(getattr(settings, name))
