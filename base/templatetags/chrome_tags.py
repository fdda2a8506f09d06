"""``{% chrome "header" %}…{% endchrome %}``: the site header and footer of ``base.html``,
rendered once per process for each combination of what they show, then reused.

The header and footer were a sixth of a lesson page's time, yet they differ between visitors
only in a few things, all of which are in the key: the language, the text size, whether the
visitor is signed in and sees the staff menu, the site settings' values (so an edit shows on
the next view, in every process, without a message between them) and the script prefix. What
belongs to one request — the CSRF token of each form and the page's own path in ``next`` — is
rendered as a marker and filled in per response, so nothing about a visitor is kept.
With DEBUG on (template edits show at once) the fragment is rendered every time.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

# Markers that survive HTML escaping unchanged and that no real token or path can contain.
CSRF_MARKER = "csrfChromeMarker7Q2vXk"
PATH_MARKER = "/chrome-next-path-marker-7Q2vXk/"
MAX_ENTRIES = 256
_rendered: dict[tuple, str] = {}


def clear(**kwargs: Any) -> None:
    """Forget every rendered fragment. Nothing in production needs to (the key is complete);
    a test's changed setting (URLs, languages, templates) may change what the fragment shows."""
    _rendered.clear()


setting_changed.connect(clear, dispatch_uid="base.chrome_tags.clear")


def _site_settings_values(context: template.Context) -> tuple | None:
    """Every stored value of the default site's settings, as the fragment reads them."""
    proxy = context.get("settings")
    try:
        site_settings = proxy["base"]["SiteSettings"]
    except (KeyError, TypeError):
        return None
    fields = site_settings._meta.concrete_fields
    return tuple(getattr(site_settings, field.attname) for field in fields)


class ChromeNode(template.Node):
    def __init__(self, name: str, nodelist: template.NodeList) -> None:
        self.name = name
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        request = context.get("request")
        token = context.get("csrf_token")
        token = "" if token is None else str(token)
        path = request.get_full_path() if request is not None else ""
        values = _site_settings_values(context)
        if settings.DEBUG or request is None or token in ("", "NOTPROVIDED") or values is None:
            with context.push(next_path=path):
                return mark_safe(self.nodelist.render(context))
        user = context.get("user")
        signed_in = bool(user is not None and user.is_authenticated)
        key: Any = (
            self.name,
            get_language(),
            context.get("text_size"),
            signed_in,
            signed_in and bool(context.get("user_has_staff_pages")),
            values,
            get_script_prefix(),
        )
        html = _rendered.get(key)
        if html is None:
            with context.push(csrf_token=CSRF_MARKER, next_path=PATH_MARKER):
                html = self.nodelist.render(context)
            if len(_rendered) >= MAX_ENTRIES:
                _rendered.clear()
            _rendered[key] = html
        return mark_safe(
            html.replace(CSRF_MARKER, escape(token)).replace(PATH_MARKER, escape(path))
        )


@register.tag("chrome")
def do_chrome(parser: template.base.Parser, token: template.base.Token) -> ChromeNode:
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('usage: {% chrome "name" %}…{% endchrome %}')
    nodelist = parser.parse(("endchrome",))
    parser.delete_first_token()
    return ChromeNode(bits[1][1:-1], nodelist)
