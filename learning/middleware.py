"""Split the H5P content origin from the app by Host (learning/h5p/serving.py).

- On the content host only the player page and package files are served (and, in
  development, static files); everything else is 404. No cookie leaves with its responses.
- On the app host the content paths are 404 while a separate content origin is in use.
- Package files are never served raw from MEDIA_URL (the development media view would).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseRedirect

from learning.h5p import serving

NOT_FOUND = "Not Found"


def _not_found() -> HttpResponse:
    # Plain text: the site's 404 template needs the session and the page tree.
    response = HttpResponseNotFound(NOT_FOUND, content_type="text/plain; charset=utf-8")
    response["Content-Security-Policy"] = serving.FILE_CSP
    return response


class H5PContentHostMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        media = settings.MEDIA_URL if settings.MEDIA_URL.startswith("/") else ""
        self.raw_media_prefix = f"{media}h5p/" if media else None
        static = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else ""
        self.static_prefix = static or None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if self.raw_media_prefix and path.startswith(self.raw_media_prefix):
            return _not_found()
        content_path = path.startswith(serving.CONTENT_PATH_PREFIX)
        if serving.is_content_host(request):
            request.h5p_content_host = True
            if not content_path and not (
                settings.DEBUG and self.static_prefix and path.startswith(self.static_prefix)
            ):
                app_url = serving.dev_app_url(request)
                if app_url is not None and request.method in ("GET", "HEAD"):
                    # Development: someone opened the app at localhost; send them to the app.
                    return HttpResponseRedirect(app_url)
                return _not_found()
            response = self.get_response(request)
            if response.status_code == 404 or response.status_code >= 500:
                # Not the site's error pages: they would run as a normal document here.
                return _not_found()
            for name in list(response.cookies):
                del response.cookies[name]
            return response
        if content_path and serving.content_origin(request):
            return _not_found()
        return self.get_response(request)
