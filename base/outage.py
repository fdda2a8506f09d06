"""A database outage answers 503 with ``Retry-After``, not a 500 page (issue 13).

When the database cannot be reached (Django's ``OperationalError`` or ``InterfaceError``,
raised by a view or by a middleware below, e.g. the session lookup), or the shared Redis cache
(its client's connection or timeout error):

- under /api/ and on views marked ``json_errors``: JSON ``{"code": "unavailable", "detail"}``,
  the shape of every other API error (the API's own handler for these errors in
  ``classes.api`` answers with ``outage_response`` too);
- on the H5P content origin: plain text;
- elsewhere: templates/503.html, rendered without the request's context processors (they
  would query the database) and without the database.

``server_error`` is the site's ``handler500`` (config/urls.py): Django calls it while the
exception is being handled, after logging it; any other error keeps Django's 500 page.

Recovery needs nothing here: at the end of a request that raised a database error Django
closes the connection if it is no longer usable, and the next request opens a new one
(``CONN_HEALTH_CHECKS``, on with ``conn_max_age``, also replaces a connection that died
between requests before it is used).
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from base.middleware import json_response, message_for, speaks_json

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# The shared cache (Redis, CACHE_URL) is as necessary as the database: the rate limits, site
# settings and class list are read from it, so its outage answers the same way.
OUTAGE_ERRORS = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)


def is_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


def outage_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After, in the form the request's errors take; reads no database."""
    if getattr(request, "h5p_content_host", False):
        response = HttpResponse(
            message_for("unavailable"), status=503, content_type="text/plain; charset=utf-8"
        )
    elif speaks_json(request):
        response = json_response(503, "unavailable")
    else:
        html = render_to_string("503.html", {"help_phone": settings.HELP_PHONE})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: 503 for a database outage, Django's 500 page otherwise."""
    if is_outage(sys.exc_info()[1]):
        return outage_response(request)
    return defaults.server_error(request, template_name)


def log_outage(request: HttpRequest, exc: BaseException) -> None:
    """For handlers that answer before Django logs (the API's)."""
    logger.error(
        "Database unavailable on %s %s", request.method, request.path,
        exc_info=exc, extra={"status_code": 503},
    )  # fmt: skip
