"""Learning endpoints: xAPI statements from the H5P player and the 読みました button."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from classes.ratelimit import hit, parse_rate
from courses.models import LessonPage
from learning import completion
from learning.xapi import XapiError, ingest_statement, may_take_lesson, parse_body

DEFAULT_XAPI_RATE = "120/m"


def _live_lesson(lesson_id: int) -> LessonPage:
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None:
        raise Http404
    return lesson


def _error(error: XapiError) -> JsonResponse:
    return JsonResponse({"code": error.code, "detail": error.detail}, status=error.status)


@require_POST
def xapi_statement(request: HttpRequest, lesson_id: int) -> JsonResponse:
    """Receive one xAPI statement (JSON body, session + CSRF token) and answer with progress."""
    if not request.user.is_authenticated:
        return _error(XapiError("not_allowed"))
    rate = parse_rate(getattr(settings, "XAPI_RATE_LIMIT", DEFAULT_XAPI_RATE))
    if hit("xapi", str(request.user.pk), rate) is not None:
        return _error(XapiError("rate_limited"))
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None:
        return JsonResponse(
            {"code": "not_found", "detail": _("レッスンが見つかりません。")}, status=404
        )
    try:
        statement = ingest_statement(request.user, lesson, parse_body(request.body))
    except XapiError as error:
        return _error(error)
    status = completion.evaluate_activity(request.user, lesson, statement.package)
    course = lesson.course()
    return JsonResponse(
        {
            "completed": status.completed,
            "passed": status.passed,
            "lesson_complete": completion.evaluate_lesson(request.user, lesson),
            "course_complete": course is not None
            and completion.evaluate_course(request.user, course) is not None,
        },
        status=201,
    )


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
