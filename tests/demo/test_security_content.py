"""情報セキュリティ研修 has real lessons (issue 14: 14 of 15 were one sentence and a button).

Every lesson teaches (objective, what to do, what not to do, a worked example) and ends with a
scored check it cannot be completed without; seeding again writes nothing new, and a lesson
seeded before the text existed gets it unless an editor has changed it.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils.html import strip_tags

from accounts.roles import Role
from courses.models import CoursePage, LessonPage
from demo.courses import SECURITY_SLUG, security_units
from learning.completion import mark_lesson_read
from learning.models import LessonActivity, LessonProgress

pytestmark = pytest.mark.django_db

MIN_CHARACTERS = 450  # of teaching text (Japanese: characters, not words) per lesson
HEADINGS = ("この単元の目標", "すること", "してはいけないこと", "事例で考える")


def _security_lessons() -> list[LessonPage]:
    course = CoursePage.objects.get(slug=SECURITY_SLUG)
    return list(course.lessons())


def _text(lesson: LessonPage) -> str:
    parts = []
    for block in lesson.body:
        if block.block_type == "paragraph":
            parts.append(strip_tags(block.value.source))
        elif block.block_type == "callout":
            parts.append(block.value["text"])
    return re.sub(r"\s+", "", "".join(parts))


def _raw(lesson: LessonPage) -> list[tuple[str, object]]:
    lesson.refresh_from_db()
    return [(b["type"], b["value"]) for b in lesson.body.raw_data]


def test_the_lesson_data_covers_every_unit_with_two_or_three_questions():
    units = security_units()
    assert sorted(units) == [f"S{n:02d}" for n in range(1, 16)]
    for code, unit in units.items():
        assert unit["intro"] and len(unit["do"]) >= 2 and len(unit["dont"]) >= 2, code
        assert unit["example"]["situation"] and len(unit["example"]["response"]) >= 2, code
        if code != "S15":  # S15 ends with the five-question 理解度テスト
            assert 2 <= len(unit["check"]) <= 3, code
        for question in unit["check"]:
            assert len(question["answers"]) >= 3
            assert len(set(question["answers"])) == len(question["answers"])


def test_every_security_lesson_teaches_and_needs_its_scored_check(client, make_user):
    call_command("seed_demo", allow_production_demo=True)
    lessons = _security_lessons()
    assert len(lessons) == 15
    for lesson in lessons:
        headings = [b.value["text"] for b in lesson.body if b.block_type == "heading"]
        for wanted in HEADINGS:
            assert any(h.startswith(wanted) for h in headings), (lesson.slug, wanted)
        assert len(_text(lesson)) >= MIN_CHARACTERS, (lesson.slug, len(_text(lesson)))
        activities = list(LessonActivity.objects.filter(lesson=lesson).select_related("package"))
        assert len(activities) == 1, lesson.slug
        assert activities[0].required and activities[0].package.scored
        assert activities[0].package.scoring == "verified"
        assert activities[0].package.max_score >= 2
    assert CoursePage.objects.get(slug=SECURITY_SLUG).total_minutes() >= 225

    # 読みました alone no longer finishes a lesson: its check must be passed.
    learner = make_user(Role.STAFF)
    first = lessons[0]
    mark_lesson_read(learner, first)
    row = LessonProgress.objects.get(user=learner, lesson=first)
    assert row.read_at is not None and row.completed_at is None

    client.force_login(learner)
    html = client.get(first.url).content.decode()
    assert "事例で考える" in html and "してはいけないこと" in html


def test_seeding_again_changes_nothing_and_fills_an_old_one_sentence_lesson():
    call_command("seed_demo", allow_production_demo=True)
    lessons = {lesson.slug: lesson for lesson in _security_lessons()}
    before = {slug: _raw(lesson) for slug, lesson in lessons.items()}

    # As seeded before issue 14: one sentence, its check, a tip; nobody has edited it.
    old = lessons["s02"]
    check = [b for b in old.body.raw_data if b["type"] == "h5p"]
    old.body = [
        {"type": "heading", "value": {"text": "この単元の目標", "size": "h2"}},
        {"type": "paragraph", "value": "<p>分類を判断できる。</p>"},
        *check,
        {"type": "callout", "value": {"kind": "tip", "text": "わからないときは聞いてください。"}},
    ]
    old.save(update_fields=["body"], clean=False)
    # An editor's lesson stays as the editor left it.
    edited = lessons["s03"]
    edited.body = [{"type": "paragraph", "value": "<p>編集者の文章</p>"}]
    edited.save_revision().publish()

    call_command("seed_demo", allow_production_demo=True)
    after = {slug: _raw(lesson) for slug, lesson in lessons.items()}
    assert after["s02"] == before["s02"]
    assert after["s03"] == [("paragraph", "<p>編集者の文章</p>")]
    assert {k: v for k, v in after.items() if k != "s03"} == {
        k: v for k, v in before.items() if k != "s03"
    }
