"""Receiving xAPI statements from the H5P player: one service, ``ingest_statement``.

Scores are self-reported by the browser, so the server decides everything it can: the actor
is the logged-in learner (whatever was sent), the object must be an activity of the lesson,
the verb must be on the allow-list, the score must be within its bounds, ``scaled`` is
recomputed as raw/max and ``success`` derived from the course pass mark when absent.
Statement text is stored raw and must be escaped wherever it is shown.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role, has_role
from base.inputs import InputError, load_json
from base.inputs import error_messages as input_messages
from courses.choices import Audience
from learning import completion
from learning.activities import IRI_PREFIX, split_object_id
from learning.models import ActivityState, Attempt, LessonActivity, XapiStatement
from learning.progress import missing_prerequisites

if TYPE_CHECKING:
    from accounts.models import User
    from courses.models import LessonPage

MAX_STATEMENT_BYTES = 64 * 1024
VERB_PREFIX = "http://adlnet.gov/expapi/verbs/"
ALLOWED_VERBS = frozenset(
    {
        "answered",
        "completed",
        "passed",
        "failed",
        "attempted",
        "interacted",
        "progressed",
        "experienced",
    }
)
STAFF_COURSE_ROLES = tuple(Role)

MESSAGES = {
    "not_allowed": _("このレッスンを受講できません。ログインしてください。"),
    "bad_json": _("送信された学習記録を読み取れませんでした。"),
    "too_large": _("学習記録が大きすぎます。"),
    "too_deep": input_messages["too_deep"],
    "bad_text": input_messages["bad_text"],
    "unknown_activity": _("このレッスンにない教材の学習記録です。"),
    "bad_verb": _("受け付けない種類の学習記録です。"),
    "bad_score": _("得点の値が正しくありません。"),
    "attempt_limit": _("受験回数の上限に達しました。これ以上は記録されません。"),
    "rate_limited": _("短い時間に送信が多すぎます。しばらく待ってからもう一度お試しください。"),
}
STATUS = {
    "not_allowed": 403,
    "too_large": 413,
    "attempt_limit": 409,
    "rate_limited": 429,
}


class XapiError(Exception):
    """A refused statement; ``code`` is a key of MESSAGES."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def detail(self) -> str:
        return str(MESSAGES[self.code])

    @property
    def status(self) -> int:
        return STATUS.get(self.code, 400)


@dataclass(frozen=True)
class Score:
    raw: float
    max: float
    scaled: float


def may_take_lesson(user: User, lesson: LessonPage) -> bool:
    """Logged-in, active learners may take live lessons; staff courses need a staff role, and
    a course with prerequisites needs them completed first."""
    if not (user.is_authenticated and user.is_active and lesson.live):
        return False
    course = lesson.course()
    if course is None or not course.live:
        return False
    if course.audience == Audience.STAFF and not has_role(user, *STAFF_COURSE_ROLES):
        return False
    return not missing_prerequisites(user, course)


def parse_body(body: bytes) -> dict:
    """Parse a request body into a statement dict through ``base.inputs.load_json``.

    Bounded in size (413 ``too_large``) and depth (``too_deep``); no NaN/Infinity
    (``bad_json``), no NUL or lone surrogate (``bad_text``); the top level must be an object.
    """
    try:
        data = load_json(body, max_bytes=MAX_STATEMENT_BYTES)
    except InputError as exc:
        raise XapiError(exc.code) from exc
    if not isinstance(data, dict):
        raise XapiError("bad_json")
    return data


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def parse_verb(raw: dict) -> str:
    verb = raw.get("verb")
    verb_id = verb.get("id") if isinstance(verb, dict) else None
    if not isinstance(verb_id, str) or not verb_id.startswith(VERB_PREFIX):
        raise XapiError("bad_verb")
    name = verb_id.removeprefix(VERB_PREFIX)
    if name not in ALLOWED_VERBS:
        raise XapiError("bad_verb")
    return name


def parse_score(result: Any) -> Score | None:
    """Return the checked score of a statement's result, or None when it has none."""
    if not isinstance(result, dict) or result.get("score") is None:
        return None
    score = result["score"]
    if not isinstance(score, dict):
        raise XapiError("bad_score")
    raw, top = _number(score.get("raw")), _number(score.get("max"))
    low = _number(score.get("min")) if "min" in score else 0.0
    if raw is None or top is None or low is None:
        raise XapiError("bad_score")
    if not (top > 0 and 0 <= raw <= top and low <= raw):
        raise XapiError("bad_score")
    return Score(raw=raw, max=top, scaled=raw / top)


def is_top_level(raw: dict, sub_content: bool) -> bool:
    context = raw.get("context")
    activities = context.get("contextActivities") if isinstance(context, dict) else None
    has_parent = isinstance(activities, dict) and bool(activities.get("parent"))
    return not sub_content and not has_parent


def find_activity(lesson: LessonPage, raw: dict) -> tuple[LessonActivity, str, bool]:
    obj = raw.get("object")
    object_id = obj.get("id") if isinstance(obj, dict) else None
    if not isinstance(object_id, str) or len(object_id) > 255:
        raise XapiError("unknown_activity")
    parts = split_object_id(object_id)
    if parts is None or not parts[0].startswith(IRI_PREFIX):
        raise XapiError("unknown_activity")
    package_uuid = parts[0].removeprefix(IRI_PREFIX)
    activity = (
        LessonActivity.objects.filter(lesson=lesson, package__uuid__iexact=package_uuid)
        .select_related("package")
        .first()
        if _looks_like_uuid(package_uuid)
        else None
    )
    if activity is None:
        raise XapiError("unknown_activity")
    return activity, object_id, parts[1]


def _looks_like_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def learner_actor(user: User) -> dict:
    """The actor we store: the platform account, never what the browser sent."""
    return {
        "objectType": "Agent",
        "account": {"homePage": "urn:toshima-ict:user", "name": str(user.pk)},
    }


def _open_attempt(user: User, lesson: LessonPage, activity: LessonActivity) -> Attempt:
    """Return the learner's open attempt, starting one if allowed by the attempt limit."""
    # Lock the learner's own row: two statements arriving together could otherwise both
    # start attempt 1 and one would fail on the unique constraint. One learner's statements
    # are few, so serialising them costs nothing.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    attempts = Attempt.objects.select_for_update().filter(
        user=user, lesson=lesson, package=activity.package
    )
    last = attempts.order_by("-number").first()
    if last is not None and last.finished_at is None:
        return last
    course = lesson.course()
    count = last.number if last is not None else 0
    if course is not None and course.attempt_limit:
        # The limit applies per cycle: a yearly retake starts with a fresh allowance.
        since = completion.cycle_start(user, course)
        in_cycle = attempts.filter(started_at__gt=since).count() if since else count
        if in_cycle >= course.attempt_limit:
            raise XapiError("attempt_limit")
    return Attempt.objects.create(
        user=user, lesson=lesson, package=activity.package, number=count + 1
    )


@transaction.atomic
def ingest_statement(user: User, lesson: LessonPage, raw: dict) -> XapiStatement:
    """Check and store one statement; raise XapiError(code) when it is refused."""
    if not may_take_lesson(user, lesson):
        raise XapiError("not_allowed")
    if not isinstance(raw, dict):
        raise XapiError("bad_json")
    raw = dict(raw)
    raw["actor"] = learner_actor(user)
    raw.pop("authority", None)
    if len(json.dumps(raw, ensure_ascii=False).encode()) > MAX_STATEMENT_BYTES:
        raise XapiError("too_large")
    activity, object_id, sub_content = find_activity(lesson, raw)
    verb = parse_verb(raw)
    score = parse_score(raw.get("result"))
    course = lesson.course()
    top_level = is_top_level(raw, sub_content)

    sent_success = (
        raw.get("result", {}).get("success") if isinstance(raw.get("result"), dict) else None
    )
    if verb == "failed":
        success: bool | None = False
    elif isinstance(sent_success, bool):
        success = sent_success
    elif score is not None:
        success = score.scaled >= completion.pass_threshold(course) - 1e-9
    else:
        success = None

    attempt = _open_attempt(user, lesson, activity)
    statement = XapiStatement.objects.create(
        user=user,
        lesson=lesson,
        package=activity.package,
        attempt=attempt,
        verb=verb,
        object_id=object_id,
        top_level=top_level,
        score_raw=score.raw if score else None,
        score_max=score.max if score else None,
        scaled=score.scaled if score else None,
        success=success,
        raw=raw,
    )
    if top_level and completion.finishes_attempt(verb, score is not None):
        scaled = score.scaled if score else None
        if score is None and verb not in completion.INFORMATIONAL_VERBS:
            # answered/passed without a score: completed, but nothing to pass with.
            passed = False
        else:
            passed = completion.attempt_passes(verb, scaled, course)
        attempt.finished_at = timezone.now()
        attempt.completed = True
        attempt.passed = passed
        attempt.score_raw = score.raw if score else None
        attempt.score_max = score.max if score else None
        attempt.scaled = scaled
        attempt.save()
        # The next try starts fresh: the player's saved state belongs to the open attempt.
        ActivityState.objects.filter(user=user, lesson=lesson, package=activity.package).delete()
    return statement
