"""The H5P player on a lesson page: launch tokens, activity status, saved state (resume).

A *launch* is a signed, short-lived token the lesson page makes for a signed-in learner and
one activity (user, lesson, package). The player echoes it in every message; the host page
checks it and sends it with every statement and state save (header ``X-H5P-Launch``). The
state and xAPI endpoints require it (403 without it) and refuse a launch made for someone
else, another lesson or another package (a page left open on a shared PC after the next
person signed in) or older than ``H5P_LAUNCH_MAX_AGE``.

Saved state is the H5P user-data protocol's ``state`` (``getCurrentState()`` as JSON text),
bounded in size, cleared when an attempt finishes so the next try starts fresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from base.inputs import InputError, load_json
from learning import completion
from learning.activities import activity_iri, h5p_blocks
from learning.h5p.serving import CHANNEL, player_setup, request_origin
from learning.models import ActivityState, Attempt, H5PPackage
from learning.progress import UNANSWERED, LessonRecord, lesson_record

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User
    from courses.models import LessonPage

LAUNCH_SALT = "learning.h5p.launch"

STATUS_LABELS = {
    "unanswered": _("未回答"),
    "passed": _("合格"),
    "failed": _("不合格"),
    "done": _("修了"),
}

SAVE_ERROR = _(
    "学習の記録を保存できませんでした。通信の状態を確かめてから、もう一度お試しください。"
)

error_messages = {
    "launch_missing": _("教材の起動情報がありません。ページを再読み込みしてください。"),
    "launch_bad": _("教材の起動情報が正しくありません。ページを再読み込みしてください。"),
    "launch_expired": _("教材を開いてから時間がたちすぎました。ページを再読み込みしてください。"),
    "launch_other": _("この教材は別の人のログインで開かれました。ページを再読み込みしてください。"),
    "state_too_large": _("途中の状態が大きすぎるため保存できませんでした。"),
    "state_bad": _("途中の状態を読み取れませんでした。"),
}


class PlayerError(Exception):
    """A refused launch or state; ``code`` is a key of ``error_messages``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def detail(self) -> str:
        return str(error_messages[self.code])


@dataclass(frozen=True)
class Launch:
    user_id: int
    lesson_id: int
    package_uuid: str


def make_launch(user: User, lesson: LessonPage, package: H5PPackage) -> str:
    """Return a signed launch token for one learner, lesson and activity."""
    return signing.dumps(
        {"u": user.pk, "l": lesson.pk, "p": package.uuid.hex}, salt=LAUNCH_SALT, compress=False
    )


def read_launch(token: str) -> Launch:
    """Check the signature and age of a launch token; raise PlayerError otherwise.

    The age limit is ``settings.H5P_LAUNCH_MAX_AGE`` (seconds); a missing token is
    ``launch_missing``.
    """
    if not token:
        raise PlayerError("launch_missing")
    if not isinstance(token, str) or len(token) > 512:
        raise PlayerError("launch_bad")
    try:
        data = signing.loads(token, salt=LAUNCH_SALT, max_age=settings.H5P_LAUNCH_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise PlayerError("launch_expired") from exc
    except signing.BadSignature as exc:
        raise PlayerError("launch_bad") from exc
    if not isinstance(data, dict):
        raise PlayerError("launch_bad")
    try:
        return Launch(int(data["u"]), int(data["l"]), str(data["p"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise PlayerError("launch_bad") from exc


def check_launch(token: str, user: User, lesson: LessonPage, package: H5PPackage) -> Launch:
    """Return the launch when it was made for this user, lesson and package."""
    launch = read_launch(token)
    if launch.user_id != user.pk:
        raise PlayerError("launch_other")
    if launch.lesson_id != lesson.pk or launch.package_uuid != package.uuid.hex:
        raise PlayerError("launch_bad")
    return launch


# --- Status -----------------------------------------------------------------------------


def status_code(status: completion.ActivityStatus) -> str:
    """未回答 / 合格 / 不合格 / 修了 (passed without a score: informational content)."""
    if not status.completed:
        return "unanswered"
    if status.passed:
        return "passed" if status.scaled is not None else "done"
    return "failed"


def status_label(code: str) -> str:
    return str(STATUS_LABELS[code])


# --- Saved state ------------------------------------------------------------------------


def _open_attempt_exists_or_none(user: User, lesson: LessonPage, package: H5PPackage) -> bool:
    last = (
        Attempt.objects.filter(user=user, lesson=lesson, package=package)
        .order_by("-number")
        .only("finished_at")
        .first()
    )
    return last is None or last.finished_at is None


def check_state(text: Any) -> str | None:
    """Return a state to store (JSON text, bounded), or None to clear it."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise PlayerError("state_bad")
    if len(text.encode()) > settings.H5P_STATE_MAX_BYTES:
        raise PlayerError("state_too_large")
    try:
        load_json(text)
    except InputError as exc:
        raise PlayerError("state_bad") from exc
    return text


@transaction.atomic
def save_state(user: User, lesson: LessonPage, package: H5PPackage, text: str | None) -> bool:
    """Store (or with None clear) the learner's player state; return whether it is kept.

    A state arriving while the learner's last attempt is finished and none is open belongs to
    the finished try (the player's last save): it is not kept, so the next visit starts fresh.
    """
    state = check_state(text)
    if state is None or not _open_attempt_exists_or_none(user, lesson, package):
        clear_state(user, lesson, package)
        return False
    ActivityState.objects.update_or_create(
        user=user, lesson=lesson, package=package, defaults={"state": state}
    )
    return True


def clear_state(user: User, lesson: LessonPage, package: H5PPackage) -> None:
    ActivityState.objects.filter(user=user, lesson=lesson, package=package).delete()


def resume_state(user: User, lesson: LessonPage, package: H5PPackage) -> str | None:
    """Return the saved state to resume with, only while an attempt is open (or not begun)."""
    saved = ActivityState.objects.filter(user=user, lesson=lesson, package=package).first()
    if saved is None or not _open_attempt_exists_or_none(user, lesson, package):
        return None
    return saved.state


# --- The lesson page --------------------------------------------------------------------


@dataclass
class ActivityPlayer:
    """What the H5P block template needs to embed one activity."""

    block_id: str
    package: H5PPackage
    required: bool
    player_url: str
    sandbox: str
    config: dict
    status: str = ""
    status_label: str = ""


def lesson_players(
    request: HttpRequest, lesson: LessonPage, record: LessonRecord | None = None
) -> dict[str, ActivityPlayer]:
    """Return the player of each H5P block of the lesson, keyed by block id.

    ``record`` is the learner's state in the lesson (learning.progress.lesson_record), read once
    for all blocks; building the players then makes no query of its own.
    """
    user = request.user
    if record is None:
        record = lesson_record(user, lesson)
    learner = record.learner
    setup = player_setup(request)
    app_origin = request_origin(request)
    players: dict[str, ActivityPlayer] = {}
    if learner:
        # The same for every block of the page.
        csrf = get_token(request)
        xapi_url = reverse("learning:xapi", args=[lesson.pk])
        labels = {key: str(label) for key, label in STATUS_LABELS.items()}
    for block_id, package, required in h5p_blocks(lesson):
        launch = make_launch(user, lesson, package) if learner else ""
        query = {"origin": app_origin}
        if launch:
            query["launch"] = launch
        path = reverse("learning:h5p_player", args=[package.uuid])
        config: dict[str, Any] = {
            "channel": CHANNEL,
            "origin": setup.origin,
            "launch": launch,
            "recording": learner,
            "iri": activity_iri(package),
        }
        player = ActivityPlayer(
            block_id=block_id,
            package=package,
            required=required,
            player_url=f"{setup.base}{path}?{urlencode(query)}",
            sandbox=setup.sandbox,
            config=config,
        )
        if learner:
            code = status_code(record.statuses.get(package.pk, UNANSWERED))
            player.status = code
            player.status_label = status_label(code)
            config.update(
                csrf=csrf,
                saveError=str(SAVE_ERROR),
                xapiUrl=xapi_url,
                stateUrl=reverse("learning:state", args=[lesson.pk, package.uuid]),
                state=record.resume.get(package.pk),
                labels=labels,
            )
        players[block_id] = player
    return players
