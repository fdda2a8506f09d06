"""The course page shows the learner's progress; prerequisites gate taking a course."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from learning.completion import mark_lesson_read
from learning.models import CourseCompletion
from learning.progress import course_progress, missing_prerequisites
from learning.xapi import XapiError, ingest_statement, may_take_lesson
from tests.learning.lesson_support import course, h5p_block, lesson, package, statement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def learner(make_user):
    return make_user(None)


def test_course_page_marks_completed_lessons_and_continues_at_the_next(client, learner):
    parent = course(title="スマホの基本")
    first, second = lesson(parent, "l1", title="電源を入れる"), lesson(parent, "l2", title="電話")
    mark_lesson_read(learner, first)
    client.force_login(learner)
    response = client.get(parent.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="lesson-list__done"') == 1
    assert "続きから受講する" in html and f'href="{second.url}"' in html
    progress = response.context["progress"]
    assert progress.completed_lesson_ids == {first.pk} and progress.next_lesson == second
    assert not progress.complete

    mark_lesson_read(learner, second)
    html = client.get(parent.url).content.decode()
    assert "この講座を修了しました" in html


def test_course_progress_needs_a_fixed_number_of_queries(learner, django_assert_max_num_queries):
    parent = course()
    lessons = [lesson(parent, f"l{i}") for i in range(8)]
    for page in lessons[:5]:
        mark_lesson_read(learner, page)
    with django_assert_max_num_queries(6):
        progress = course_progress(learner, parent, lessons)
    assert len(progress.completed_lesson_ids) == 5 and progress.next_lesson == lessons[5]


def test_prerequisites_must_be_completed_before_taking_the_course(client, learner):
    basics = course("basics", title="基本")
    basics_lesson = lesson(basics, "b1")
    advanced = course("advanced", title="応用")
    advanced.prerequisites.add(basics)
    advanced.save_revision().publish()
    quiz = package(title="小テスト")
    advanced_lesson = lesson(advanced, "a1", [h5p_block(quiz)])

    assert missing_prerequisites(learner, advanced) == [basics]
    assert not may_take_lesson(learner, advanced_lesson)
    with pytest.raises(XapiError) as info:
        ingest_statement(learner, advanced_lesson, statement(quiz, "answered", raw=1, max=1))
    assert info.value.code == "not_allowed"
    client.force_login(learner)
    html = client.get(advanced.url).content.decode()
    assert "次の講座を修了すると、この講座を受講できます。" in html and "未修了" in html

    mark_lesson_read(learner, basics_lesson)
    assert CourseCompletion.objects.filter(user=learner, course=basics).exists()
    assert missing_prerequisites(learner, advanced) == []
    assert may_take_lesson(learner, advanced_lesson)
    assert "修了済み" in client.get(advanced.url).content.decode()


def test_staff_course_page_asks_anonymous_visitors_to_sign_in(client):
    parent = course(audience="staff", title="情報セキュリティ")
    lesson(parent, "l1")
    html = client.get(parent.url).content.decode()
    assert "職員向けの講座です。受講するにはログインしてください。" in html
