"""Receiving xAPI statements from the H5P player: one service, ``ingest_statement``.

Scores come from the browser, so the server decides everything it can: the actor is the
logged-in learner (whatever was sent), the object must be an activity of the lesson, the verb
must be on the allow-list, the score must be within its bounds and its maximum must be the one
the server derived from the package's content.json (``bad_max`` otherwise). For content types
the server verifies (learning/h5p/content_types.py) the score is recomputed from the answers in
``result.response``, or for a set from the attempt's child statements; for the others the
browser's raw score is used within those bounds. The stored ``score_raw``, ``scaled`` and
``success`` are the server's verdict (``success``: scaled against the course pass mark);
``reported_raw`` and ``reported_success`` keep what the browser claimed. Statement text is
stored raw and must be escaped wherever it is shown.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, router, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.compiled_sql import CompiledRead
from base.inputs import InputError, load_json
from base.inputs import error_messages as input_messages
from learning import completion
from learning.activities import IRI_PREFIX, split_object_id
from learning.h5p import content_types
from learning.models import (
    ActivityState,
    Attempt,
    CourseCompletion,
    H5PPackage,
    LessonActivity,
    XapiStatement,
)
from learning.progress import may_take, missing_prerequisites

if TYPE_CHECKING:
    from accounts.models import User
    from courses.models import CoursePage, LessonPage

MAX_STATEMENT_BYTES = 64 * 1024
# How often a statement is tried again after losing the race to start an attempt.
ATTEMPT_TRIES = 3
# H5P.SingleChoiceSet counts an answer when it is chosen but reports it (the child
# ``answered`` statement) only after its reveal animation, ~1.3 s later; a learner who presses
# 次の問題へ at once on the last question makes the player send the set's ``completed`` first.
# An answer arriving this soon after its set's try finished, to a question that try has no
# answer for, belongs to that try (it is scored again).
LATE_ANSWER_SECONDS = 120
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

MESSAGES = {
    "not_allowed": _("このレッスンを受講できません。ログインしてください。"),
    "bad_json": _("送信された学習記録を読み取れませんでした。"),
    "too_large": _("学習記録が大きすぎます。"),
    "too_deep": input_messages["too_deep"],
    "bad_text": input_messages["bad_text"],
    "unknown_activity": _("このレッスンにない教材の学習記録です。"),
    "bad_verb": _("受け付けない種類の学習記録です。"),
    "bad_score": _("得点の値が正しくありません。"),
    "bad_max": _("満点の値が教材の満点と一致しません。この学習記録は受け付けられません。"),
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


def may_take_lesson(
    user: User, lesson: LessonPage, *, course: CoursePage | None | object = ...
) -> bool:
    """learning.progress.may_take (the one rule, which the lesson page applies too).

    ``course``: the lesson's course when already read (course_for_statement, whose
    ``has_live_prerequisites`` spares the prerequisite queries when there are none).
    """
    if course is ...:
        # Read only when the rest of the rule may pass (learning.progress.may_take checks again).
        live = user.is_authenticated and user.is_active and lesson.live
        course = lesson.course() if live else None

    def missing() -> bool:
        if getattr(course, "has_live_prerequisites", True) is False:
            return False
        return bool(missing_prerequisites(user, course))

    return may_take(user, lesson, course, missing)


def course_for_statement(user: User, lesson: LessonPage) -> CoursePage | None:
    """The lesson's course, with whether it has live prerequisites (``has_live_prerequisites``).

    The same for every learner: kept in the shared cache under the content version
    (courses.page_cache, bumped on page and curriculum changes) for live lessons. The
    learner's cycle and saved state are read with the locked attempt (_locked_last_attempt).
    """
    from courses.models import CoursePage
    from courses.page_cache import cached

    def read() -> CoursePage | None:
        return (
            CoursePage.objects.filter(path=lesson.path[: -lesson.steplen])
            .annotate(
                has_live_prerequisites=Exists(
                    CoursePage.objects.live().filter(required_for=OuterRef("pk"))
                )
            )
            .first()
        )

    return cached("statement-course", read, lesson.path) if lesson.live else read()


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


def find_activity(
    lesson: LessonPage, raw: dict, activity: LessonActivity | None = None
) -> tuple[LessonActivity, str, bool]:
    """Return the lesson's activity the statement is about, its object id and whether it is
    about a question inside it; ``activity``: one already looked up (no query then)."""
    obj = raw.get("object")
    object_id = obj.get("id") if isinstance(obj, dict) else None
    if not isinstance(object_id, str) or len(object_id) > 255:
        raise XapiError("unknown_activity")
    parts = split_object_id(object_id)
    if parts is None or not parts[0].startswith(IRI_PREFIX):
        raise XapiError("unknown_activity")
    package_uuid = parts[0].removeprefix(IRI_PREFIX)
    if not _looks_like_uuid(package_uuid):
        raise XapiError("unknown_activity")
    if activity is not None:
        if activity.lesson_id != lesson.pk or activity.package.uuid != uuid.UUID(package_uuid):
            raise XapiError("unknown_activity")
        return activity, object_id, parts[1]
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


def find_lesson_activity(lesson_id: int, raw: Any) -> LessonActivity | None:
    """The live lesson's activity a statement is about, with its lesson and package, in one
    query; None when the statement names none of them (find_activity then says why)."""
    obj = raw.get("object") if isinstance(raw, dict) else None
    object_id = obj.get("id") if isinstance(obj, dict) else None
    parts = split_object_id(object_id) if isinstance(object_id, str) else None
    if parts is None or len(object_id) > 255 or not parts[0].startswith(IRI_PREFIX):
        return None
    package_uuid = parts[0].removeprefix(IRI_PREFIX)
    if not _looks_like_uuid(package_uuid):
        return None
    return (
        LessonActivity.objects.filter(
            lesson_id=lesson_id, lesson__live=True, package__uuid=uuid.UUID(package_uuid)
        )
        .select_related("lesson", "package")
        .first()
    )


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


_ATTEMPT_FIELDS = [field.attname for field in Attempt._meta.concrete_fields]
_POINTERS = ("best", "last_finished")


def _last_attempt_query(
    no_course: bool, *, user_id: int, lesson_id: int, package_id: int, course_id: int = 0
):
    """_locked_last_attempt's read as one ``.values()`` row (base.compiled_sql)."""
    completions = CourseCompletion.objects.filter(user_id=user_id)
    if no_course:
        completions = completions.filter(course__isnull=True)
    else:
        completions = completions.filter(course_id=course_id)
    latest = completions.order_by("-completed_at")
    saved = ActivityState.objects.filter(
        user_id=user_id, lesson_id=lesson_id, package_id=package_id
    )
    pointers = [f"{pointer}__{name}" for pointer in _POINTERS for name in _ATTEMPT_FIELDS]
    return (
        Attempt.objects.select_for_update(of=("self",))
        .filter(user_id=user_id, lesson_id=lesson_id, package_id=package_id)
        .annotate(
            latest_completed_at=Subquery(latest.values("completed_at")[:1]),
            latest_fiscal_year=Subquery(latest.values("fiscal_year")[:1]),
            has_saved_state=Exists(saved),
        )
        .order_by("-number")
        .values(
            *_ATTEMPT_FIELDS,
            *pointers,
            "latest_completed_at",
            "latest_fiscal_year",
            "has_saved_state",
        )[:1]
    )


_LAST_ATTEMPT = CompiledRead(_last_attempt_query, model=Attempt, for_write=True)


def _attempt_of(row: dict, prefix: str, db: str) -> Attempt | None:
    values = [row[prefix + name] for name in _ATTEMPT_FIELDS]
    return None if values[0] is None else Attempt.from_db(db, _ATTEMPT_FIELDS, values)


def _locked_last_attempt(
    user: User, lesson: LessonPage, package: H5PPackage, course: CoursePage | None
) -> Attempt | None:
    """The learner's latest attempt of the activity, its row locked, with its pointers, the
    learner's latest completion of the course (``latest_completed_at``, ``latest_fiscal_year``,
    for completion.cycle_from) and whether a player state is saved (``has_saved_state``).

    One query whatever the learner's history, its SQL compiled once per process
    (base.compiled_sql). Statements of one learner and activity queue on this row, so a
    question's answer and its set's finishing statement are ordered. Two statements that both
    start the next attempt collide on the attempt number's unique constraint instead, and the
    loser tries again (ingest_statement).
    """
    ids = {"user_id": user.pk, "lesson_id": lesson.pk, "package_id": package.pk}
    if course is None:
        row = _LAST_ATTEMPT.run("no-course", True, **ids)
    else:
        row = _LAST_ATTEMPT.run("course", False, **ids, course_id=course.pk)
    if row is None:
        return None
    db = router.db_for_write(Attempt)
    last = _attempt_of(row, "", db)
    last.best = _attempt_of(row, "best__", db)
    last.last_finished = _attempt_of(row, "last_finished__", db)
    last.latest_completed_at = row["latest_completed_at"]
    last.latest_fiscal_year = row["latest_fiscal_year"]
    last.has_saved_state = row["has_saved_state"]
    return last


def _open_attempt(
    user: User,
    lesson: LessonPage,
    package: H5PPackage,
    course: CoursePage | None,
    last: Attempt | None,
    since: dt.datetime | None,
    *,
    late_question: str = "",
) -> Attempt:
    """Return the learner's open attempt, or a new one (not saved yet) if the limit allows.

    ``late_question``: the subContentId of a set's question answered now. If the last try
    finished moments ago without an answer to it, the answer belongs to that try (see
    LATE_ANSWER_SECONDS) and that attempt is returned, finished.
    """
    if last is not None and last.finished_at is None:
        return last
    if (
        last is not None
        and late_question
        and last.finished_at >= timezone.now() - dt.timedelta(seconds=LATE_ANSWER_SECONDS)
        and not last.statements.filter(
            top_level=False, verb="answered", object_id__endswith=f"?subContentId={late_question}"
        ).exists()
    ):
        return last
    if course is not None and course.attempt_limit:
        # The limit applies per cycle: a yearly retake starts with a fresh allowance.
        in_cycle = completion.attempts_in_cycle(user, lesson, package, last, since)
        if in_cycle >= course.attempt_limit:
            raise XapiError("attempt_limit")
    attempt = Attempt(
        user=user, lesson=lesson, package=package, number=last.number + 1 if last else 1
    )
    completion.tally(attempt, completion.counted_pair(user, lesson, package, last, since), since)
    return attempt


def _sub_key(package: H5PPackage, object_id: str) -> dict | None:
    """The answer key of the question a child statement is about, when the server has one."""
    sub_id = object_id.partition("?subContentId=")[2]
    children = (
        package.answer_key.get("children") if package.scoring == content_types.VERIFIED else None
    )
    return children.get(sub_id) if isinstance(children, dict) and sub_id else None


def check_max(
    package: H5PPackage, score: Score | None, *, top_level: bool, sub_key: dict | None
) -> None:
    """Refuse a score whose maximum is not the server's (the package's, or its question's)."""
    if score is None:
        return
    if top_level:
        expected = package.max_score if package.scored else None
    else:
        expected = sub_key["max"] if sub_key else None
    if expected is not None and not math.isclose(score.max, expected, abs_tol=1e-9):
        raise XapiError("bad_max")


def _child_scores(attempt: Attempt) -> dict[str, float]:
    """The server's score of each question's latest ``answered`` child statement in the try."""
    if attempt.pk is None:
        return {}  # a try starting with this statement has no answers yet
    rows = (
        XapiStatement.objects.filter(
            attempt=attempt, top_level=False, verb="answered", score_raw__isnull=False
        )
        .order_by("pk")
        .values_list("object_id", "score_raw")
    )
    return {object_id.partition("?subContentId=")[2]: value for object_id, value in rows}


def server_score(
    package: H5PPackage,
    raw: dict,
    score: Score | None,
    *,
    top_level: bool,
    sub_key: dict | None,
    attempt: Attempt,
) -> Score | None:
    """The score the server stands behind, or None when the statement has none.

    Verified content: recomputed from ``result.response`` (a question) or from the attempt's
    child statements (a set). Otherwise the browser's raw score, already bounded by its max.
    """
    if score is None:
        return None
    key = package.answer_key.get("key") if package.scoring == content_types.VERIFIED else None
    result = raw.get("result") if isinstance(raw.get("result"), dict) else {}
    response = result.get("response")
    if top_level and key:
        if content_types.is_set(key):
            value = content_types.set_score(key, _child_scores(attempt))
        else:
            value = content_types.score_response(key, response)
    elif not top_level and sub_key:
        value = content_types.score_response(sub_key, response)
    else:
        return score
    value = min(max(value, 0.0), score.max)
    return Score(raw=value, max=score.max, scaled=value / score.max)


@dataclass(frozen=True)
class Outcome:
    """What one accepted statement did: the stored statement, the activity's status, and
    for a statement that finished a try, whether the lesson and the course are complete."""

    statement: XapiStatement
    status: completion.ActivityStatus
    attempt_open: bool
    lesson_complete: bool | None = None
    course_complete: bool | None = None


def ingest_statement(
    user: User, lesson: LessonPage, raw: dict, *, activity: LessonActivity | None = None
) -> XapiStatement:
    """Check and store one statement; raise XapiError(code) when it is refused.

    The lesson and course rules are left to the caller (record_statement applies them).
    """
    return record_statement(user, lesson, raw, activity=activity, evaluate=False).statement


def record_statement(
    user: User,
    lesson: LessonPage,
    raw: dict,
    *,
    activity: LessonActivity | None = None,
    evaluate: bool = True,
) -> Outcome:
    """Check and store one statement and apply the completion rules, in one transaction.

    ``activity``: the lesson's activity the statement is about, when the caller has looked
    it up already (find_lesson_activity); it is checked against the statement again.
    ``evaluate``: when the statement finishes a try, evaluate (and record) the lesson and
    the course. Raise XapiError(code) when the statement is refused.
    """
    for tries_left in reversed(range(ATTEMPT_TRIES)):
        try:
            with transaction.atomic():
                return _record(user, lesson, raw, activity, evaluate=evaluate)
        except IntegrityError:
            # Another statement of the learner started the same attempt number at the same
            # moment and committed first: read the attempts again and join that one.
            if not tries_left:
                raise
    raise AssertionError("unreachable")


def _record(
    user: User, lesson: LessonPage, raw: dict, activity: LessonActivity | None, *, evaluate: bool
) -> Outcome:
    if not (user.is_authenticated and user.is_active and lesson.live):
        raise XapiError("not_allowed")
    course = course_for_statement(user, lesson)
    if not may_take_lesson(user, lesson, course=course):
        raise XapiError("not_allowed")
    if not isinstance(raw, dict):
        raise XapiError("bad_json")
    raw = dict(raw)
    raw["actor"] = learner_actor(user)
    raw.pop("authority", None)
    if len(json.dumps(raw, ensure_ascii=False).encode()) > MAX_STATEMENT_BYTES:
        raise XapiError("too_large")
    activity, object_id, sub_content = find_activity(lesson, raw, activity)
    verb = parse_verb(raw)
    score = parse_score(raw.get("result"))
    top_level = is_top_level(raw, sub_content)

    result = raw.get("result") if isinstance(raw.get("result"), dict) else {}
    sent_success = result.get("success")

    package = activity.package
    sub_key = _sub_key(package, object_id) if sub_content else None
    check_max(package, score, top_level=top_level, sub_key=sub_key)

    late_question = ""
    if (
        sub_key is not None
        and verb == "answered"
        and content_types.is_set(package.answer_key.get("key"))
    ):
        late_question = object_id.partition("?subContentId=")[2]
    last = _locked_last_attempt(user, lesson, package, course)
    if last is None:
        # The learner's first try of the activity: the cycle in a query of its own.
        since = completion.cycle_start(user, course)
    elif course is None:
        since = None
    else:
        since = completion.cycle_from((last.latest_completed_at, last.latest_fiscal_year))
    attempt = _open_attempt(user, lesson, package, course, last, since, late_question=late_question)
    verdict = server_score(
        package, raw, score, top_level=top_level, sub_key=sub_key, attempt=attempt
    )
    if verb == "failed":
        success: bool | None = False
    elif verdict is not None:
        success = verdict.scaled >= completion.pass_threshold(course) - 1e-9
    else:
        success = None
    finishes = top_level and completion.finishes_attempt(
        verb, score is not None, scored=package.scored
    )
    if finishes:
        scaled = verdict.scaled if verdict else None
        attempt.finished_at = timezone.now()
        attempt.completed = True
        attempt.passed = completion.attempt_passes(verb, scaled, course, scored=package.scored)
        attempt.score_raw = verdict.raw if verdict else None
        attempt.score_max = verdict.max if verdict else None
        attempt.scaled = scaled
    if attempt.pk is None or finishes:
        attempt.save()  # one INSERT for a try that starts (and maybe ends) here
    statement = XapiStatement.objects.create(
        user=user,
        lesson=lesson,
        package=package,
        attempt=attempt,
        verb=verb,
        object_id=object_id,
        top_level=top_level,
        score_raw=verdict.raw if verdict else None,
        score_max=verdict.max if verdict else None,
        scaled=verdict.scaled if verdict else None,
        success=success,
        reported_raw=score.raw if score else None,
        reported_success=sent_success if isinstance(sent_success, bool) else None,
        raw=raw,
    )
    if not finishes and attempt.finished_at is not None:
        _rescore_finished_set(attempt, package, course)
    method = completion.grading_method(course)
    status = completion.status_of(
        completion.counted_pair(user, lesson, package, attempt, since),
        method,
        completion.attempts_in_cycle(user, lesson, package, attempt, since),
    )
    if finishes and getattr(last, "has_saved_state", True):
        # The next try starts fresh: the player's saved state belongs to the open attempt.
        # (Known absent when read with the course: the player saves state without the
        # learner's lock, so a state saved meanwhile would have escaped the delete as well.)
        ActivityState.objects.filter(user=user, lesson=lesson, package=package).delete()
    if attempt.finished_at is None or not evaluate:
        return Outcome(statement, status, attempt_open=attempt.finished_at is None)
    # Only a statement that finishes a try can complete the lesson or the course, so the
    # others (most of them: each question, progress) skip those rules.
    latest = completion.lock_learner(user, course)
    known = {(lesson.pk, package.pk): status}
    if course is None:
        state = completion.lesson_states(user, [lesson], since, method, known=known)[lesson.pk]
        completion.record_lesson(user, lesson.pk, state, since)
        return Outcome(statement, status, False, lesson_complete=state.complete)
    verdict = completion.evaluate_course_locked(user, course, latest, lesson=lesson, known=known)
    lesson_complete = verdict.lesson_complete
    course_complete = verdict.completion_id is not None if lesson_complete else None
    return Outcome(statement, status, False, lesson_complete, course_complete)


def _rescore_finished_set(attempt: Attempt, package: H5PPackage, course: CoursePage | None) -> None:
    """A question's answer arrived after its set's try finished: score the try again."""
    finisher = (
        attempt.statements.filter(top_level=True, score_raw__isnull=False).order_by("-pk").first()
    )
    if finisher is None:
        return
    value = content_types.set_score(package.answer_key["key"], _child_scores(attempt))
    value = min(value, finisher.score_max)
    scaled = value / finisher.score_max
    passed = completion.attempt_passes(finisher.verb, scaled, course, scored=True)
    finisher.score_raw, finisher.scaled, finisher.success = value, scaled, passed
    finisher.save(update_fields=["score_raw", "scaled", "success"])
    attempt.score_raw, attempt.scaled, attempt.passed = value, scaled, passed
    attempt.save(update_fields=["score_raw", "scaled", "passed"])
