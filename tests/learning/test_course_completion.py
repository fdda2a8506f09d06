"""Course completions: recorded once per fiscal year, certificate codes, yearly retakes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone

from learning.completion import (
    CERTIFICATE_ALPHABET,
    evaluate_activity,
    evaluate_course,
    evaluate_lesson,
    mark_lesson_read,
)
from learning.fiscal import fiscal_year, fiscal_year_dates, fiscal_year_span
from learning.models import ActivityState, Attempt, CourseCompletion
from learning.xapi import XapiError, ingest_statement
from tests.learning.lesson_support import course, h5p_block, lesson, package, single_choice_set_run

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


class Clock:
    """A settable timezone.now() for the completion rules and auto_now_add fields."""

    def __init__(self, monkeypatch) -> None:
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, *args: int) -> None:
        self.now = dt.datetime(*args, tzinfo=TOKYO)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def learner(make_user):
    return make_user(None)


@pytest.fixture
def quiz_set():
    return package("single-choice-set.h5p", title="クイズ")


def _send(user, page, statements) -> None:
    for data in statements:
        ingest_statement(user, page, data)


def test_fiscal_year_runs_from_april_to_march_in_tokyo_time():
    assert fiscal_year(dt.date(2026, 3, 31)) == 2025
    assert fiscal_year(dt.date(2026, 4, 1)) == 2026
    # 31 March 23:30 JST is 14:30 UTC; 1 April 00:10 JST is still 31 March in UTC.
    assert fiscal_year(dt.datetime(2026, 3, 31, 14, 30, tzinfo=dt.UTC)) == 2025
    assert fiscal_year(dt.datetime(2026, 3, 31, 15, 10, tzinfo=dt.UTC)) == 2026
    assert fiscal_year_dates(2026) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    start, end = fiscal_year_span(2026)
    assert start == dt.datetime(2026, 4, 1, tzinfo=TOKYO)
    assert end == dt.datetime(2027, 4, 1, tzinfo=TOKYO)


def test_completion_is_recorded_with_score_fiscal_year_and_certificate_code(
    clock, learner, quiz_set
):
    clock.set(2026, 3, 31, 23, 30)
    parent = course(certificate=True, pass_mark=60)
    _send(learner, lesson(parent, "l1", [h5p_block(quiz_set)]), single_choice_set_run(quiz_set, 2))
    reading = lesson(parent, "l2")
    assert evaluate_course(learner, parent) is None
    assert mark_lesson_read(learner, reading)
    done = CourseCompletion.objects.get()
    assert (done.user, done.course, done.course_title) == (learner, parent, parent.title)
    assert done.fiscal_year == 2025  # 31 March JST belongs to the year that is ending
    assert done.score == pytest.approx(66.7)
    assert len(done.certificate_code) == 10
    assert set(done.certificate_code) <= set(CERTIFICATE_ALPHABET)
    assert evaluate_course(learner, parent) == done


def test_no_certificate_code_when_the_course_issues_none(learner):
    parent = course(certificate=False)
    mark_lesson_read(learner, lesson(parent, "l1"))
    assert CourseCompletion.objects.get().certificate_code is None
    assert CourseCompletion.objects.get().score is None


def test_one_completion_per_fiscal_year_however_often_it_is_evaluated(clock, learner, quiz_set):
    clock.set(2026, 5, 1, 10)
    parent = course()
    page = lesson(parent, "l1", [h5p_block(quiz_set)])
    _send(learner, page, single_choice_set_run(quiz_set, 3))
    first = evaluate_course(learner, parent)
    clock.set(2026, 9, 1, 10)
    _send(learner, page, single_choice_set_run(quiz_set, 3))
    assert evaluate_course(learner, parent) == first
    assert CourseCompletion.objects.count() == 1


def test_next_fiscal_year_needs_the_course_taken_again(clock, learner, quiz_set):
    clock.set(2026, 3, 20, 10)
    parent = course(certificate=True)
    quiz_lesson = lesson(parent, "l1", [h5p_block(quiz_set)])
    reading = lesson(parent, "l2")
    _send(learner, quiz_lesson, single_choice_set_run(quiz_set, 3))
    mark_lesson_read(learner, reading)
    last_year = CourseCompletion.objects.get()
    assert last_year.fiscal_year == 2025

    clock.set(2026, 4, 1, 9)
    # Last year's work does not count for the new year.
    assert evaluate_course(learner, parent) is None
    assert not evaluate_activity(learner, quiz_lesson, quiz_set).passed
    assert not evaluate_lesson(learner, reading)
    _send(learner, quiz_lesson, single_choice_set_run(quiz_set, 3))
    assert evaluate_course(learner, parent) is None  # the reading lesson is not re-read yet
    assert mark_lesson_read(learner, reading)
    this_year = CourseCompletion.objects.exclude(pk=last_year.pk).get()
    assert this_year.fiscal_year == 2026
    assert this_year.certificate_code != last_year.certificate_code
    assert CourseCompletion.objects.filter(user=learner).count() == 2


def test_attempt_limit_starts_afresh_in_the_next_cycle(clock, learner, quiz_set):
    clock.set(2025, 10, 1, 10)
    parent = course(attempt_limit=1)
    page = lesson(parent, "l1", [h5p_block(quiz_set)])
    _send(learner, page, single_choice_set_run(quiz_set, 3))
    assert evaluate_course(learner, parent) is not None
    with pytest.raises(XapiError):
        ingest_statement(learner, page, single_choice_set_run(quiz_set, 3)[0])

    clock.set(2026, 4, 2, 10)
    _send(learner, page, single_choice_set_run(quiz_set, 3))
    assert Attempt.objects.filter(user=learner).count() == 2
    assert evaluate_course(learner, parent).fiscal_year == 2026


def test_saved_player_state_is_cleared_when_the_attempt_finishes(learner, quiz_set):
    page = lesson(course(), "l1", [h5p_block(quiz_set)])
    run = single_choice_set_run(quiz_set, 3)
    _send(learner, page, run[:1])
    ActivityState.objects.create(user=learner, lesson=page, package=quiz_set, state='{"a":1}')
    _send(learner, page, run[1:-1])
    assert ActivityState.objects.filter(user=learner).exists()
    _send(learner, page, run[-1:])
    assert not ActivityState.objects.filter(user=learner).exists()
