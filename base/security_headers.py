"""Content-Security-Policy and Permissions-Policy on every response.

The policies are data in the settings (``SECURITY_CSP``, ``SECURITY_CSP_EXTRA``,
``PERMISSIONS_POLICY``, ``PERMISSIONS_POLICY_EXTRA``); docs/operations.md "Security headers"
lists the values per page type and why. This middleware only assembles them:

- ``frame-src`` gets the origin the H5P player is framed from (``H5P_CONTENT_ORIGIN``; without
  one the app itself, plus the development split's ``localhost`` of learning/h5p/serving.py).
- ``frame-ancestors`` follows ``X-Frame-Options`` (``SAMEORIGIN`` → ``'self'``, else
  ``'none'``), so Wagtail's preview frames keep working and every other page stays unframed.
- Origins of ``STATIC_URL`` and ``MEDIA_URL`` are added where static files and media load,
  when they live on another host (a CDN or S3-compatible storage).
- A response that already has a ``Content-Security-Policy`` keeps it: the H5P player page and
  the package files set stricter, sandboxing policies of their own.

It sits first in ``MIDDLEWARE``, so errors, redirects and refusals of the middleware below it
carry the headers too.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CSP_HEADER = "Content-Security-Policy"
PERMISSIONS_HEADER = "Permissions-Policy"
# learning.h5p.serving.DEV_CONTENT_HOSTNAME: in development the player comes from localhost
# on the app's port (base imports no project app, hence the name here).
DEV_CONTENT_SOURCE = "localhost:*"
STATIC_DIRECTIVES = ("script-src", "style-src", "img-src", "font-src")
MEDIA_DIRECTIVES = ("img-src", "media-src")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _add(policy: dict[str, list[str]], directive: str, sources: list[str]) -> None:
    current = policy.setdefault(directive, [])
    current.extend(source for source in sources if source not in current)


def frame_sources() -> list[str]:
    """Where app pages may load frames from: the H5P player's origin."""
    if settings.H5P_CONTENT_ORIGIN:
        return [settings.H5P_CONTENT_ORIGIN]
    sources = ["'self'"]
    if settings.H5P_DEV_CONTENT_ORIGIN:
        sources.append(DEV_CONTENT_SOURCE)
    return sources


def csp_for(path: str, x_frame_options: str | None) -> str:
    """The Content-Security-Policy value of an app response for ``path``."""
    policy = {directive: list(sources) for directive, sources in settings.SECURITY_CSP.items()}
    static_origin, media_origin = _origin(settings.STATIC_URL), _origin(settings.MEDIA_URL)
    for directive in STATIC_DIRECTIVES if static_origin else ():
        _add(policy, directive, [static_origin])
    for directive in MEDIA_DIRECTIVES if media_origin else ():
        _add(policy, directive, [media_origin])
    _add(policy, "frame-src", frame_sources())
    for prefix, extra in settings.SECURITY_CSP_EXTRA.items():
        if path.startswith(prefix):
            for directive, sources in extra.items():
                _add(policy, directive, sources)
    framed = (x_frame_options or "").upper() == "SAMEORIGIN"
    policy["frame-ancestors"] = ["'self'"] if framed else ["'none'"]
    return "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in policy.items())


def permissions_policy_for(view_name: str | None) -> str:
    """The Permissions-Policy value; features of ``PERMISSIONS_POLICY_EXTRA`` for that view."""
    features = dict(settings.PERMISSIONS_POLICY)
    if view_name:
        features.update(settings.PERMISSIONS_POLICY_EXTRA.get(view_name, {}))
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in features.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if CSP_HEADER not in response:
            response[CSP_HEADER] = csp_for(request.path_info, response.get("X-Frame-Options"))
        if PERMISSIONS_HEADER not in response:
            match = getattr(request, "resolver_match", None)
            response[PERMISSIONS_HEADER] = permissions_policy_for(
                match.view_name if match else None
            )
        return response
