"""できることチェック: can-do items from the curriculum, asked at a series' first and last session.

The items are the objectives of the ``CurriculumUnit`` rows whose ``course_code`` is the series'
``curriculum_code``. Answers are kept per registration; the pre→post change is read per person
(``person_key``), because a session-by-session booking gives one registration per session.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.audit import log_action
from classes.availability import series_sessions
from classes.models import ClassSeries, ClassSession, Registration, SkillCheck
from courses.models import CurriculumUnit

error_messages = {
    "phase_invalid": _("時期は「初回」か「最終回」を選んでください。"),
    "unit_invalid": _("この教室のチェック項目ではない項目が含まれています。"),
    "not_confirmed": _("予約が確定している方だけ記録できます。"),
}


class SkillCheckError(Exception):
    """An answer could not be recorded; ``code`` keys ``error_messages``."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)

    @property
    def message(self) -> str:
        return str(error_messages[self.code])


def skill_items(series: ClassSeries) -> list[CurriculumUnit]:
    """The can-do items of a series, in curriculum order (none without a curriculum code)."""
    if not series.curriculum_code:
        return []
    return list(
        CurriculumUnit.objects.filter(course_code=series.curriculum_code).order_by(
            "sort_order", "pk"
        )
    )


def phases_for(session: ClassSession) -> list[str]:
    """The checks offered at a session: pre at the series' first, post at its last session.

    A series of one session offers both.
    """
    scheduled = series_sessions(session.series)
    phases = []
    first, last = scheduled.first(), scheduled.last()
    if first is not None and first.pk == session.pk:
        phases.append(SkillCheck.Phase.PRE.value)
    if last is not None and last.pk == session.pk:
        phases.append(SkillCheck.Phase.POST.value)
    return phases


def record_skill_checks(
    registration: Registration, phase: str, answers: dict[int, bool], by=None, *, request=None
) -> list[SkillCheck]:
    """Save one participant's answers for one phase; answering again overwrites.

    Audited as ``classes.skills.recorded`` (``by``, the ``request``'s address).
    """
    if phase not in SkillCheck.Phase.values:
        raise SkillCheckError("phase_invalid")
    if registration.status != Registration.Status.CONFIRMED:
        raise SkillCheckError("not_confirmed")
    allowed = {unit.pk for unit in skill_items(registration.series)}
    if not set(answers) <= allowed:
        raise SkillCheckError("unit_invalid")
    now = timezone.now()
    saved = []
    with transaction.atomic(durable=True):
        for unit_id, can_do in answers.items():
            check, _created = SkillCheck.objects.update_or_create(
                registration=registration,
                phase=phase,
                unit_id=unit_id,
                defaults={"can_do": bool(can_do), "recorded_at": now, "recorded_by": by},
            )
            saved.append(check)
        log_action(
            "classes.skills.recorded",
            user=by,
            obj=registration,
            data={"phase": phase, "items": len(saved)},
            request=request,
        )
    return saved


def skill_answers(
    series: ClassSeries, person_keys: list[str]
) -> dict[str, dict[str, dict[int, bool]]]:
    """Answers by person, phase and item: ``{person_key: {"pre": {unit_id: can_do}}}``."""
    answers: dict[str, dict[str, dict[int, bool]]] = defaultdict(lambda: defaultdict(dict))
    checks = (
        SkillCheck.objects.filter(
            registration__series=series, registration__person_key__in=person_keys
        )
        .order_by("recorded_at", "pk")
        .values_list("registration__person_key", "phase", "unit_id", "can_do")
    )
    # Later answers win when one person answered under two registrations.
    for person_key, phase, unit_id, can_do in checks:
        answers[person_key][phase][unit_id] = can_do
    return answers
