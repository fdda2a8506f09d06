"""JSON API under /api/ (django-ninja); schema at /api/openapi.json.

The endpoints only read input and call ``classes.services``: the same validation and the
same seat allocation as the booking forms. Public endpoints take no cookies; check-in takes a
staff token (``Authorization: Bearer``), never the session, so no endpoint needs CSRF
protection. Every answer is JSON, errors included: ``{"code": ..., "detail": ...}``.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time
from typing import Annotated, Literal

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from pydantic import BeforeValidator

from accounts.roles import Role, has_role
from accounts.tokens import BearerToken
from base.inputs import InputError, load_json
from base.outage import RedisConnectionError, RedisTimeoutError, log_outage, outage_response
from classes import abuse, services
from classes.availability import availability
from classes.models import ClassSession, Level, Registration
from classes.services import BookingError, BookingRequest, error_messages

logger = logging.getLogger(__name__)

# Messages of the API itself; the booking rules' messages are classes.services.error_messages.
api_messages = {
    "invalid": _("入力内容に誤りがあります。各項目のメッセージを確認してください。"),
    "malformed": _("送信された内容を読み取れません。JSON のオブジェクトで送ってください。"),
    "unsupported_media_type": _(
        "送信する内容は JSON（Content-Type: application/json）にしてください。"
    ),
    "wrong_type": _("この項目の形式が正しくありません。"),
    "session_not_found": _("この教室の回は見つかりません。"),
    "rate_limited": _(
        "短い時間に多くの申込がありました。しばらく待ってからもう一度お試しください。"
    ),
    "unauthorized": _("職員用の API トークンが必要です（Authorization: Bearer ...）。"),
    "forbidden": _("この回の受付をする権限がありません。"),
    "not_found": _("お探しのものは見つかりません。"),
    "server_error": _("サーバーで問題が起きました。時間をおいてもう一度お試しください。"),
}

# HTTP status for each booking-rule code that is not a field error.
STATUS_FOR_CODE = {
    "duplicate": 409,
    "cancelled": 409,
    "started": 409,
    "not_bookable": 409,
    "wrong_target": 409,
    "already_cancelled": 409,
    "not_confirmed": 409,
    "not_session_day": 409,
    "not_found": 404,
    "not_on_session": 404,
    "busy": 503,
    "too_many_bookings": 409,
}
BOOKING_FIELDS = (
    "name",
    "name_kana",
    "phone",
    "age_band",
    "area",
    "device",
    "wants_loaner",
    "email",
    "consent",
)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message, *, retry_after: int | None = None):
        self.status = status
        self.code = code
        self.message = str(message)
        self.retry_after = retry_after
        super().__init__(code)

    @classmethod
    def from_booking_error(cls, exc: BookingError) -> ApiError:
        status = STATUS_FOR_CODE.get(exc.code, 409)
        return cls(status, exc.code, exc.message, retry_after=1 if status == 503 else None)


class _MalformedBody(ValueError):
    pass


class _JsonParser(Parser):
    """JSON bodies only: anything else is 415, so no web page can book through a CORS simple
    request (``text/plain``, form encodings), which browsers send cross-site without asking."""

    def parse_body(self, request: HttpRequest) -> dict:
        if (request.content_type or "").lower() != "application/json":
            raise ApiError(415, "unsupported_media_type", api_messages["unsupported_media_type"])
        try:
            data = load_json(request.body, max_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        except InputError as exc:
            if exc.code == "bad_json":
                raise _MalformedBody(exc.code) from exc
            # NUL or a lone surrogate, nesting too deep, too large: base.inputs' own answer.
            raise ApiError(413 if exc.code == "too_large" else 422, exc.code, exc.detail) from exc
        if not isinstance(data, dict):
            raise _MalformedBody("The body must be a JSON object.")
        return data


class _Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Toshima ICT API",
    version="1",
    description=(
        "スマホ教室の開催回・申込・取消・受付の API です。エラーは "
        '`{"code": ..., "detail": ...}` の形で、日本語のメッセージを返します。'
    ),
    urls_namespace="api",
    # The interactive docs page loads Swagger UI from a CDN; the schema alone is served.
    docs_url=None,
    parser=_JsonParser(),
    renderer=_Renderer(),
)


# --- Rate limit ---------------------------------------------------------------------------

# Fail at start-up rather than on the first booking when a limit is malformed.
abuse.validate_settings()


def _check_rate(request: HttpRequest, policy: abuse.Policy, phone: str) -> None:
    """The residents' rate-limit policy (classes.abuse), shared with the booking pages."""
    try:
        abuse.check(request, policy, phone=phone)
    except abuse.RateLimited as exc:
        raise ApiError(
            429, "rate_limited", api_messages["rate_limited"], retry_after=exc.wait
        ) from exc


# --- Schemas ------------------------------------------------------------------------------


class ErrorOut(Schema):
    code: str = Field(description="Stable error code, e.g. duplicate, cancelled, not_found.")
    detail: str = Field(description="Message for people, in Japanese.")


class FieldErrorOut(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    code: Literal["invalid"]
    detail: list[FieldErrorOut]
    errors: dict[str, list[str]] = Field(description="Messages by input field, in Japanese.")


# A 422 is field errors (``invalid``), or a body refused as a whole: not a JSON object
# (``malformed``), NUL or a lone surrogate in it (``bad_text``), nested too deep (``too_deep``).
UnprocessableOut = ValidationErrorOut | ErrorOut


class VenueOut(Schema):
    id: int
    name: str
    address: str
    area: str


class SessionOut(Schema):
    id: int
    series_id: int
    title: str
    level: Literal["first", "basic", "advanced"]
    booking_mode: Literal["series", "session"] = Field(
        description="series: one booking holds a seat in every session of the class."
    )
    venue: VenueOut
    starts_at: datetime
    ends_at: datetime
    capacity: int = Field(
        description="Seats. For whole-series classes, the smallest session's capacity."
    )
    seats_left: int
    waitlisted: int
    covers_iphone: bool
    covers_android: bool
    loaner_phones: bool


def _calendar_date(value: object) -> object:
    """Let only YYYY-MM-DD through: pydantic would also read a number as a Unix time."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("expected YYYY-MM-DD")
    return value


class SessionFilters(Schema):
    area: str | None = Field(None, description="町名 of the venue, e.g. 駒込")
    venue: int | None = Field(None, description="Venue id")
    level: Literal["first", "basic", "advanced"] | None = None
    device: Literal["iphone", "android"] | None = Field(None, description="Device covered")
    # from=0 was read as 1970-01-01 and answered with every session.
    date_from: Annotated[date, BeforeValidator(_calendar_date)] | None = Field(
        None, alias="from", description="First day, YYYY-MM-DD"
    )


class BookingIn(Schema):
    name: str = Field(description="お名前", examples=["豊島 花子"])
    name_kana: str = Field(description="ふりがな", examples=["としま はなこ"])
    phone: str = Field(
        description="Any common Japanese format; full-width digits are fine.",
        examples=["03-3981-1111"],
    )
    age_band: Literal[tuple(Registration.AgeBand.values)]  # type: ignore[valid-type]
    area: str = Field(description="町名", examples=["駒込"])
    device: Literal[tuple(Registration.Device.values)]  # type: ignore[valid-type]
    # Strict: JSON true or false only; 0, 1 and "yes" were read as booleans (found by
    # schemathesis), so a consent could be given without a true.
    wants_loaner: bool = Field(False, strict=True)
    email: str | None = Field("", description="Optional.", examples=["hanako@example.jp"])
    sms_consent: bool = Field(
        False,
        description=(
            "SMSでのお知らせを希望する（携帯電話の番号のときだけ）. Without an e-mail address, "
            "the booking's news then comes by SMS instead of a phone call; a number that is "
            "not a mobile one is refused (422, sms_consent)."
        ),
        strict=True,
    )
    consent: bool = Field(
        description="Consent to the privacy notice; must be true.", examples=[True], strict=True
    )


class BookingOut(Schema):
    reference: str
    status: Literal["confirmed", "waitlisted"]
    waitlist_position: int | None


class CancelIn(Schema):
    phone: str = Field(description="The number given when booking.", examples=["03-3981-1111"])


class CancelOut(Schema):
    reference: str
    status: Literal["cancelled"]
    promoted: bool = Field(description="Whether the freed seat went to someone waiting.")


class CheckInIn(Schema):
    session_id: int


class CheckInOut(Schema):
    reference: str
    name_initial: str
    status: Literal["present", "late"]
    checked_in: int
    booked: int


# --- Endpoints ----------------------------------------------------------------------------


def _upcoming_sessions() -> QuerySet[ClassSession]:
    """Scheduled sessions of published classes, with their seat counts in the same query."""
    return (
        ClassSession.objects.upcoming()
        .public()
        .select_related("series", "venue")
        .with_availability()
        .order_by("starts_at", "pk")
    )


def _session_out(session: ClassSession) -> dict:
    series = session.series
    venue = session.venue
    return {
        "id": session.pk,
        "series_id": series.pk,
        "title": series.title,
        "level": series.level,
        "booking_mode": series.booking_mode,
        "venue": {"id": venue.pk, "name": venue.name, "address": venue.address, "area": venue.area},
        "starts_at": timezone.localtime(session.starts_at),
        "ends_at": timezone.localtime(session.ends_at),
        "capacity": session.seat_capacity,
        "seats_left": session.seats_left,
        "waitlisted": session.waiting,
        "covers_iphone": series.covers_iphone,
        "covers_android": series.covers_android,
        "loaner_phones": series.loaner_phones,
    }


@api.get(
    "/sessions",
    response={200: list[SessionOut], 400: ErrorOut, 422: ValidationErrorOut},
    summary="Upcoming class sessions",
    tags=["classes"],
)
def list_sessions(request: HttpRequest, filters: Query[SessionFilters]) -> list[dict]:
    """Scheduled sessions of published classes that have not started, soonest first."""
    sessions = _upcoming_sessions()
    if filters.area:
        sessions = sessions.filter(venue__area=filters.area)
    if filters.venue is not None:
        sessions = sessions.filter(venue_id=filters.venue)
    if filters.level:
        sessions = sessions.filter(series__level=Level(filters.level))
    if filters.device == "iphone":
        sessions = sessions.filter(series__covers_iphone=True)
    elif filters.device == "android":
        sessions = sessions.filter(series__covers_android=True)
    # Only sessions still to come are listed, so an earlier day changes nothing; skipping it
    # also keeps from=0001-01-01 from overflowing when the local midnight turns into UTC.
    if filters.date_from is not None and filters.date_from > timezone.localdate():
        tz = timezone.get_current_timezone()
        sessions = sessions.filter(starts_at__gte=datetime.combine(filters.date_from, time.min, tz))
    return [_session_out(session) for session in sessions]


@api.post(
    "/sessions/{int:session_id}/bookings",
    response={
        201: BookingOut,
        400: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        422: UnprocessableOut,
        429: ErrorOut,
        503: ErrorOut,
    },
    summary="Book a session (or a whole-series class through one of its sessions)",
    tags=["classes"],
)
def create_booking(request: HttpRequest, session_id: int, payload: BookingIn):
    """Book a seat, or a waitlist place when the class is full.

    409 with code ``duplicate`` when the same person (phone number and name) already holds a
    booking; ``cancelled`` / ``started`` when the session cannot be booked any more;
    ``too_many_bookings`` when the phone number already holds the most live bookings allowed.
    415 for a body that is not ``application/json``; 429 (with ``Retry-After``) over the
    bookings allowed per client address or per phone number in a window.
    """
    target = services.published_booking_target(session_id)
    if target is None:
        raise ApiError(404, "session_not_found", api_messages["session_not_found"])
    booking = BookingRequest(**{**payload.dict(), "email": payload.email or ""})
    errors = booking.validate()
    if errors:
        return Status(422, _field_errors({name: exc.message for name, exc in errors.items()}))
    _check_rate(request, abuse.BOOKING, booking.phone)
    try:
        registration = services.allocate_seat(
            target,
            booking,
            channel=Registration.Channel.API,
            client_hash=abuse.request_client_hash(request),
        )
    except BookingError as exc:
        raise ApiError.from_booking_error(exc) from exc
    return Status(
        201,
        {
            "reference": registration.reference,
            "status": registration.status,
            # Counted under the seat lock with the booking: no second query.
            "waitlist_position": registration.waitlist_position_at_booking,
        },
    )


@api.post(
    "/bookings/{reference}/cancel",
    response={
        200: CancelOut,
        400: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        422: UnprocessableOut,
        429: ErrorOut,
    },
    summary="Cancel a booking with its reference code and phone number",
    tags=["classes"],
)
def cancel_booking(request: HttpRequest, reference: str, payload: CancelIn):
    """Cancel a confirmed or waitlisted booking; a freed seat goes to the first waiting.

    A wrong reference and a wrong phone number get the same 404, so neither can be guessed
    on its own. Counted as a look-up (per client address and per phone number, 429 over it).
    """
    _check_rate(request, abuse.LOOKUP, payload.phone)
    try:
        registration = services.find_registration(reference, payload.phone)
        promoted = services.cancel_registration(registration)
    except BookingError as exc:
        raise ApiError.from_booking_error(exc) from exc
    return Status(
        200,
        {
            "reference": registration.reference,
            "status": Registration.Status.CANCELLED,
            "promoted": promoted is not None,
        },
    )


@api.post(
    "/bookings/{reference}/check-in",
    response={
        200: CheckInOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        422: UnprocessableOut,
    },
    summary="Check a participant in by reference code (staff token)",
    tags=["staff"],
    auth=BearerToken(),
)
def check_in_booking(request: HttpRequest, reference: str, payload: CheckInIn):
    """Record arrival at a session: 出席, or 遅刻 ten minutes after the start.

    Allowed for the session's trainers and for admins.
    """
    user = request.auth
    session = ClassSession.objects.select_related("series").filter(pk=payload.session_id).first()
    if session is None:
        raise ApiError(404, "session_not_found", api_messages["session_not_found"])
    allowed = has_role(user, Role.ADMIN) or (
        has_role(user, Role.TRAINER) and session.trainers.filter(pk=user.pk).exists()
    )
    if not allowed:
        raise ApiError(403, "forbidden", api_messages["forbidden"])
    try:
        attendance = services.check_in(session, reference, by=user, request=request)
    except BookingError as exc:
        raise ApiError.from_booking_error(exc) from exc
    registration = attendance.registration
    counts = availability(session)  # the counts every page shows (with_availability)
    checked_in, booked = counts.checked_in, counts.confirmed
    return Status(
        200,
        {
            "reference": registration.reference,
            "name_initial": registration.name[:1],
            "status": attendance.status,
            "checked_in": checked_in,
            "booked": booked,
        },
    )


# --- Errors -------------------------------------------------------------------------------


def _error(
    request: HttpRequest, status: int, code: str, message, headers: dict | None = None
) -> HttpResponse:
    response = api.create_response(request, {"code": code, "detail": str(message)}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_errors(messages: dict[str, str], types: dict[str, str] | None = None) -> dict:
    types = types or {}
    return {
        "code": "invalid",
        "detail": [
            {"loc": ["body", name], "msg": message, "type": types.get(name, "invalid")}
            for name, message in messages.items()
        ],
        "errors": {name: [message] for name, message in messages.items()},
    }


def _message_for(error: dict, name: str) -> tuple[str, str]:
    """Japanese message and code for one pydantic error on input field ``name``."""
    kind = error.get("type", "")
    if kind == "missing":
        code = "consent_required" if name == "consent" else "required"
        return str(error_messages[code]), code
    if kind in ("literal_error", "enum"):
        return str(error_messages["choice_invalid"]), "choice_invalid"
    return str(api_messages["wrong_type"]), "wrong_type"


@api.exception_handler(ValidationError)
def _on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    messages: dict[str, str] = {}
    types: dict[str, str] = {}
    details = []
    for error in exc.errors:
        loc = [part for part in error.get("loc", ()) if part != "payload"]
        if loc and loc[0] == "body" and len(loc) == 1:
            # The body is not an object at all (a list, a string, nothing).
            return _error(request, 422, "malformed", api_messages["malformed"])
        name = str(loc[1]) if len(loc) > 1 else "body"
        message, code = _message_for(error, name)
        messages.setdefault(name, message)
        types.setdefault(name, code)
        details.append({"loc": loc, "msg": message, "type": code})
    body = _field_errors(messages, types)
    body["detail"] = details
    return api.create_response(request, body, status=422)


@api.exception_handler(ApiError)
def _on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return _error(request, exc.status, exc.code, exc.message, headers)


@api.exception_handler(HttpError)
def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, Throttled):
        # The operation adds Retry-After from the throttle's wait().
        return _error(request, 429, "rate_limited", api_messages["rate_limited"])
    if isinstance(exc, AuthenticationError):
        headers = {"WWW-Authenticate": "Bearer"}
        return _error(request, 401, "unauthorized", api_messages["unauthorized"], headers)
    if isinstance(exc.__cause__, ApiError):  # raised by the parser (415)
        return _on_api_error(request, exc.__cause__)
    if isinstance(exc.__cause__, _MalformedBody):
        return _error(request, 422, "malformed", api_messages["malformed"])
    # A refusal that names its reason (accounts.tokens.TokenRefused: "mfa_required") keeps it.
    return _error(request, exc.status_code, getattr(exc, "code", "error"), exc.message)


@api.exception_handler(Http404)
def _on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", api_messages["not_found"])


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
@api.exception_handler(RedisConnectionError)
@api.exception_handler(RedisTimeoutError)
def _on_database_outage(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The database or the shared cache cannot be reached: 503 with Retry-After
    (base.outage), not a 500."""
    log_outage(request, exc)
    return outage_response(request)


@api.exception_handler(Exception)
def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logging.getLogger("django.request").error(
        "API error on %s", request.path, exc_info=exc, extra={"status_code": 500}
    )
    return _error(request, 500, "server_error", api_messages["server_error"])
