"""Learning endpoints.

On the app: xAPI statements and saved state from the lesson page's H5P host script, and the
読みました button. On the content origin (learning/h5p/serving.py): the H5P player page and the
package files it loads; these set no cookies and carry no secrets.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods, require_POST

from base.inputs import InputError, load_json
from base.middleware import json_errors
from base.ratelimit import hit, parse_rate
from courses.models import LessonPage
from learning import completion, player
from learning.activities import IRI_PREFIX, activity_iri, split_object_id
from learning.h5p import serving
from learning.models import H5PPackage, LessonActivity
from learning.xapi import (
    XapiError,
    find_lesson_activity,
    may_take_lesson,
    parse_body,
    record_statement,
)

LAUNCH_HEADER = "HTTP_X_H5P_LAUNCH"

DEFAULT_XAPI_RATE = "120/m"


# Page ids are 32-bit integers; a longer number in the URL would overflow the database driver.
MAX_PAGE_ID = 2**31 - 1


def _find_live_lesson(lesson_id: int) -> LessonPage | None:
    if not 0 < lesson_id <= MAX_PAGE_ID:
        return None
    return LessonPage.objects.live().filter(pk=lesson_id).first()


def _live_lesson(lesson_id: int) -> LessonPage:
    lesson = _find_live_lesson(lesson_id)
    if lesson is None:
        raise Http404
    return lesson


def _error(error: XapiError) -> JsonResponse:
    return JsonResponse({"code": error.code, "detail": error.detail}, status=error.status)


@json_errors
@require_POST
def xapi_statement(request: HttpRequest, lesson_id: int) -> JsonResponse:
    """Receive one xAPI statement and answer with progress.

    Needs the session, the CSRF token and the launch (header ``X-H5P-Launch``, 403 without
    it) made for this learner, lesson and the statement's activity.
    """
    if not request.user.is_authenticated:
        return _error(XapiError("not_allowed"))
    rate = parse_rate(getattr(settings, "XAPI_RATE_LIMIT", DEFAULT_XAPI_RATE))
    if hit("xapi", str(request.user.pk), rate) is not None:
        return _error(XapiError("rate_limited"))
    try:
        raw, body_error = parse_body(request.body), None
    except XapiError as error:
        raw, body_error = None, error
    # The lesson, the activity and its package in one query; a missing lesson answers 404
    # before a bad body, as before.
    activity = find_lesson_activity(lesson_id, raw) if 0 < lesson_id <= MAX_PAGE_ID else None
    lesson = activity.lesson if activity is not None else _find_live_lesson(lesson_id)
    if lesson is None:
        return JsonResponse(
            {"code": "not_found", "detail": _("レッスンが見つかりません。")}, status=404
        )
    if body_error is not None:
        return _error(body_error)
    try:
        _check_statement_launch(request.META.get(LAUNCH_HEADER, ""), request, lesson, raw)
    except player.PlayerError as error:
        return _player_error(error, 403)
    try:
        outcome = record_statement(request.user, lesson, raw, activity=activity)
    except XapiError as error:
        return _error(error)
    # The rules ran in the statement's transaction: lesson and course are evaluated only
    # when it finished a try (null means unchanged).
    code = player.status_code(outcome.status)
    return JsonResponse(
        {
            "completed": outcome.status.completed,
            "passed": outcome.status.passed,
            "status": code,
            "label": player.status_label(code),
            # False once a top-level statement has finished the try (its saved state is gone).
            "attempt_open": outcome.attempt_open,
            "lesson_complete": outcome.lesson_complete,
            "course_complete": outcome.course_complete,
        },
        status=201,
    )


def _player_error(error: player.PlayerError, status: int) -> JsonResponse:
    return JsonResponse({"code": error.code, "detail": error.detail}, status=status)


def _check_statement_launch(
    token: str, request: HttpRequest, lesson: LessonPage, raw: dict
) -> None:
    """A statement sent with a launch must be about that launch's learner, lesson and package."""
    launch = player.read_launch(token)
    if launch.user_id != request.user.pk:
        raise player.PlayerError("launch_other")
    obj = raw.get("object")
    object_id = obj.get("id") if isinstance(obj, dict) else None
    parts = split_object_id(object_id) if isinstance(object_id, str) else None
    base = parts[0].removeprefix(IRI_PREFIX) if parts else ""
    try:
        same_package = uuid.UUID(base).hex == launch.package_uuid
    except ValueError:
        same_package = False
    if launch.lesson_id != lesson.pk or not same_package:
        raise player.PlayerError("launch_bad")


@json_errors
@require_POST
def save_state(request: HttpRequest, lesson_id: int, package: uuid.UUID) -> HttpResponse:
    """Store the H5P player's state for resuming (JSON ``{"state": "<json text>"|null}``).

    Needs the session, the CSRF token and the launch (header ``X-H5P-Launch``) made for this
    learner, lesson and package. Answers 204, or JSON with a Japanese message.
    """
    if not request.user.is_authenticated:
        return _error(XapiError("not_allowed"))
    rate = parse_rate(settings.H5P_STATE_RATE_LIMIT)
    if hit("h5p-state", str(request.user.pk), rate) is not None:
        return _error(XapiError("rate_limited"))
    # The JSON wrapper escapes the state text, so allow it some room beyond the state's bound.
    max_body = settings.H5P_STATE_MAX_BYTES * 2 + 1024
    if len(request.body) > max_body:
        return _player_error(player.PlayerError("state_too_large"), 413)
    try:
        data = load_json(request.body, max_bytes=max_body)
    except InputError as exc:
        return JsonResponse({"code": exc.code, "detail": exc.detail}, status=400)
    lesson = _find_live_lesson(lesson_id)
    activity = (
        LessonActivity.objects.filter(lesson=lesson, package__uuid=package)
        .select_related("package")
        .first()
        if lesson is not None
        else None
    )
    if activity is None:
        return JsonResponse(
            {"code": "not_found", "detail": _("レッスンが見つかりません。")}, status=404
        )
    if not may_take_lesson(request.user, lesson):
        return _error(XapiError("not_allowed"))
    try:
        player.check_launch(
            request.META.get(LAUNCH_HEADER, ""), request.user, lesson, activity.package
        )
        if not isinstance(data, dict) or "state" not in data:
            raise player.PlayerError("state_bad")
        player.save_state(request.user, lesson, activity.package, data["state"])
    except player.PlayerError as error:
        status = {"state_too_large": 413, "state_bad": 400}.get(error.code, 403)
        return _player_error(error, status)
    return HttpResponse(status=204)


@require_POST
@login_required
def mark_read(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """The 読みました button: completes a lesson without required activities."""
    lesson = _live_lesson(lesson_id)
    if not may_take_lesson(request.user, lesson):
        messages.error(request, _("このレッスンを受講できません。"))
        return redirect(lesson.url)
    if completion.mark_lesson_read(request.user, lesson):
        messages.success(request, _("このレッスンを修了しました。"))
    else:
        messages.info(
            request, _("読んだことを記録しました。問題に合格するとレッスンを修了します。")
        )
    return redirect(lesson.url)


# --- The content origin: player page and package files ----------------------------------


def _options(request: HttpRequest) -> HttpResponse | None:
    """Answer a CORS preflight for the opaque player; None for other methods."""
    if request.method != "OPTIONS":
        return None
    response = HttpResponse(status=204)
    if serving.needs_cors(request):
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        response["Access-Control-Max-Age"] = "3600"
    return response


@xframe_options_exempt
@require_http_methods(["GET", "HEAD"])
def h5p_player(request: HttpRequest, package: uuid.UUID) -> HttpResponse:
    """The page inside the lesson's iframe that runs h5p-standalone for one package.

    ``origin`` names the lesson page's origin (it must be an allowed app origin: the CSP's
    frame-ancestors and the target of postMessage); ``launch`` is the signed launch of a
    signed-in learner, absent for visitors (the player then records nothing).
    """
    pkg = get_object_or_404(H5PPackage, uuid=package)
    allowed = serving.allowed_app_origins(request)
    app_origin = request.GET.get("origin", "")
    error = ""
    if app_origin not in allowed:
        error = _("この教材はこのページの中では表示できません。")
        app_origin = allowed[0] if allowed else "'none'"
    launch = request.GET.get("launch", "")
    if launch and not error:
        try:
            found = player.read_launch(launch)
            if found.package_uuid != pkg.uuid.hex:
                raise player.PlayerError("launch_bad")
        except player.PlayerError as exc:
            error = exc.detail
    separate = serving.is_content_host(request)
    base = reverse("learning:h5p_json", args=[pkg.uuid]).rsplit("/", 1)[0]
    config = {
        "channel": serving.CHANNEL,
        "appOrigin": app_origin,
        "launch": launch,
        "id": pkg.uuid.hex,
        "h5pJsonPath": base,
        "contentJsonPath": f"{base}/content",
        "librariesPath": f"{base}/libraries",
        "frameJs": static("vendor/h5p-standalone/frame.bundle.js"),
        "frameCss": static("vendor/h5p-standalone/styles/h5p.css"),
        "xAPIObjectIRI": activity_iri(pkg),
        "opaque": not separate,
    }
    response = render(
        request,
        "learning/h5p_player.html",
        {"package": pkg, "config": config, "error": error},
        status=403 if error else 200,
    )
    response["Content-Security-Policy"] = serving.player_csp(app_origin, separate=separate)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET", "HEAD", "OPTIONS"])
def h5p_json(request: HttpRequest, package: uuid.UUID) -> HttpResponse:
    """The package's h5p.json (kept in the database, not as a file)."""
    preflight = _options(request)
    if preflight is not None:
        return preflight
    pkg = get_object_or_404(H5PPackage, uuid=package)
    response = JsonResponse(pkg.h5p_json)
    return serving.add_file_headers(response, request)


@require_http_methods(["GET", "HEAD", "OPTIONS"])
def h5p_content_file(request: HttpRequest, package: uuid.UUID, path: str) -> HttpResponse:
    """A file of the package's own content folder."""
    preflight = _options(request)
    if preflight is not None:
        return preflight
    return serving.open_file(serving.content_file_name(package, path), request)


@require_http_methods(["GET", "HEAD", "OPTIONS"])
def h5p_library_file(
    request: HttpRequest, package: uuid.UUID, folder: str, path: str
) -> HttpResponse:
    """A file of a library the package uses (others answer 404)."""
    preflight = _options(request)
    if preflight is not None:
        return preflight
    return serving.open_file(serving.library_file_name(package, folder, path), request)
