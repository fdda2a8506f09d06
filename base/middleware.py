"""The edge: input no page can use is refused before any view or database query sees it.

``InputGuardMiddleware`` answers, changing nothing:

- 400 ``bad_text`` for NUL or a lone surrogate (``base.inputs.is_clean_text``) in the path,
  a query-string key or value, or a form field's name or value (urlencoded or multipart).
  Uploaded files are not looked at. Django decodes broken UTF-8 in the
  path, query and forms with replacement characters, so lone surrogates arrive only through
  JSON bodies, which ``base.inputs.load_json`` checks in each JSON parser.
- 413 ``too_large`` for a body over DATA_UPLOAD_MAX_MEMORY_SIZE: by Content-Length before
  reading, by the bytes actually read, and for multipart forms by their text fields (files
  are not counted, as in Django).
- Cookies holding NUL are ignored, as if absent (the session cookie is looked up in the
  database; refusing would lock the browser out of the site).
- 400 ``too_many_fields`` beyond DATA_UPLOAD_MAX_NUMBER_FIELDS or _FILES, 400 ``bad_request``
  for a body that cannot be read (malformed Content-Length or multipart).

Refusals are JSON ``{"code", "detail"}`` under /api/ and on views marked with ``json_errors``
(the learning endpoints the H5P player posts to), plain text on the H5P content origin, and
otherwise the standalone templates/400.html page. Under /api/ every other error is JSON too:
an unknown path is a JSON 404 (not the site's page, nor Django's slash redirect), and an HTML
error from below (405 for a wrong method, 500 …) is replaced by JSON with the same status.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

from base import inputs

logger = logging.getLogger(__name__)

# Mounted there by config/urls.py.
API_PREFIX = "/api/"

error_messages = {
    "too_many_fields": _(
        "送信された項目またはファイルが多すぎます。 / The request has too many fields or files."
    ),
    "bad_request": _("送信された内容を読み取れません。 / The request could not be read."),
    "not_found": _("お探しのものは見つかりません。 / Not found."),
    "method_not_allowed": _(
        "この URL はこの方法（HTTP メソッド）では使えません。"
        " / This URL does not accept this HTTP method."
    ),
    "forbidden": _("この操作はできません。 / This is not allowed."),
    "unsupported_media_type": _(
        "この形式の内容は受け付けていません。 / This content type is not accepted."
    ),
    "rate_limited": _(
        "短い時間に多くの送信がありました。しばらく待ってからもう一度お試しください。"
        " / Too many requests; please wait a moment and try again."
    ),
    "server_error": _(
        "サーバーで問題が起きました。時間をおいてもう一度お試しください。"
        " / Something went wrong on the server; please try again later."
    ),
    # A database outage (base.outage), answered 503 with Retry-After.
    "unavailable": _(
        "ただいまご利用いただけません。30秒ほど待ってから、もう一度お試しください。"
        " / The service is temporarily unavailable; please try again in about 30 seconds."
    ),
    "error": _("要求を処理できませんでした。 / The request could not be handled."),
}

# Codes for the statuses an error from below the API may have, when it is not JSON yet.
CODE_FOR_STATUS = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "unavailable",
}
# Headers an error keeps when its body is replaced by JSON.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class Refusal(Exception):
    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


def message_for(code: str) -> str:
    """The bilingual message of an edge code (base.inputs' codes included)."""
    return str(inputs.error_messages.get(code) or error_messages[code])


def json_errors(view: Callable) -> Callable:
    """Mark a view whose errors are JSON, the edge's refusals included."""
    view.json_errors = True  # type: ignore[attr-defined]
    return view


class InputGuardMiddleware:
    """Refuse unusable input with a clear message; keep every error under /api/ JSON.

    Placed after the H5P content-host split (which marks its requests) and before the
    session middleware, whose cookie lookup is the first database query of a request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            self.check(request)
        except Refusal as refusal:
            logger.info("Refused %s %r: %s", request.method, request.path, refusal.code)
            return self.refuse(request, refusal.status, refusal.code)
        response = self.get_response(request)
        if response.status_code >= 400 and self.speaks_json(request) and not _is_json(response):
            return self.json_error(response)
        return response

    # --- Checks -----------------------------------------------------------------------------

    def check(self, request: HttpRequest) -> None:
        """Raise Refusal for the first problem found: text, then an unknown API path, then body."""
        try:
            _drop_unusable_cookies(request)
            _check_names(request.path_info, *_pairs(request.GET.lists()))
            if request.path_info.startswith(API_PREFIX) and not _is_api_route(request.path_info):
                raise Refusal(404, "not_found")
            self.read_body(request)
            if request.method == "POST":
                # Uploaded files' own names need no check: Django drops unprintable characters.
                _check_names(*_pairs(request.POST.lists()), *request.FILES.keys())
        except RequestDataTooBig as exc:
            raise Refusal(413, "too_large") from exc
        except (TooManyFieldsSent, TooManyFilesSent) as exc:
            raise Refusal(400, "too_many_fields") from exc
        except (MultiPartParserError, UnreadablePostError, BadRequest, SuspiciousOperation) as exc:
            raise Refusal(400, "bad_request") from exc

    def read_body(self, request: HttpRequest) -> None:
        """Read the body within DATA_UPLOAD_MAX_MEMORY_SIZE, and the form fields it holds."""
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError as exc:
            raise Refusal(400, "bad_request") from exc
        multipart = request.content_type == "multipart/form-data"
        if limit is not None and length > limit and not multipart:
            raise Refusal(413, "too_large")
        if not multipart or limit is None or length <= limit:
            # Read now, within the limit, so a view may still use request.body after the form
            # is parsed (a larger multipart upload is parsed from the stream instead).
            request.body  # noqa: B018
        if request.method == "POST" and request.content_type in FORM_TYPES:
            request.POST  # noqa: B018

    # --- Answers ----------------------------------------------------------------------------

    def speaks_json(self, request: HttpRequest) -> bool:
        return speaks_json(request)

    def refuse(self, request: HttpRequest, status: int, code: str) -> HttpResponse:
        detail = message_for(code)
        if getattr(request, "h5p_content_host", False):
            # Never the site's page on the content origin (see learning.middleware).
            return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")
        if self.speaks_json(request):
            return json_response(status, code)
        html = render_to_string("400.html", {"detail": detail, "status": status})
        return HttpResponse(html, status=status)

    def json_error(self, response: HttpResponse) -> HttpResponse:
        status = response.status_code
        code = CODE_FOR_STATUS.get(status) or ("server_error" if status >= 500 else "error")
        replacement = json_response(status, code)
        for name in KEPT_HEADERS:
            if name in response:
                replacement[name] = response[name]
        return replacement


def speaks_json(request: HttpRequest) -> bool:
    """Whether errors on this request are JSON: the API, and views marked json_errors."""
    if request.path_info.startswith(API_PREFIX):
        return True
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
    return getattr(match.func, "json_errors", False)


def json_response(status: int, code: str) -> JsonResponse:
    """The edge's JSON error: ``{"code", "detail"}`` with the bilingual message."""
    return JsonResponse(
        {"code": code, "detail": message_for(code)},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


@functools.lru_cache(maxsize=1024)
def _is_api_route(path: str) -> bool:
    """Whether ``path`` is one of the API's routes. Kept per path (the handler resolves the
    path again; resolving twice was a tenth of an API booking's middleware CPU); forgotten
    when the URL configuration changes (``_forget_routes``)."""
    try:
        route = resolve(path).route
    except Resolver404:
        return False
    return route.startswith(API_PREFIX.lstrip("/"))


@receiver(setting_changed)
def _forget_routes(setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _is_api_route.cache_clear()


def _pairs(lists: Iterable[tuple[str, list[str]]]) -> Iterable[str]:
    for key, values in lists:
        yield key
        yield from values


def _drop_unusable_cookies(request: HttpRequest) -> None:
    """Treat a cookie holding NUL as absent (a quoted ``\\000`` in the Cookie header is one).

    Refusing the request instead would lock its browser out of every page until the cookie
    is cleared, which a person cannot be asked to do (and another site could set it).
    """
    for name, value in list(request.COOKIES.items()):
        if not (inputs.is_clean_text(name) and inputs.is_clean_text(value)):
            del request.COOKIES[name]


def _check_names(*texts: str) -> None:
    for text in texts:
        if not inputs.is_clean_text(text):
            raise Refusal(400, "bad_text")
