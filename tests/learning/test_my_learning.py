"""マイ学習: courses in progress with 続きから, completions, certificates, bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from learning.fiscal import fiscal_year
from learning.models import ActivityState, Attempt, CourseCompletion, LessonProgress
from learning.my_learning import learner_overview
from tests.gates.support import sign_in
from tests.learning.lesson_support import course, lesson, package

pytestmark = pytest.mark.django_db

MY_URL = "/learning/my/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def learner(make_user):
    return make_user(None)


def _read(user, page, when=None) -> LessonProgress:
    when = when or timezone.now()
    return LessonProgress.objects.create(user=user, lesson=page, read_at=when)


def _done(user, page, when=None) -> LessonProgress:
    when = when or timezone.now()
    return LessonProgress.objects.create(user=user, lesson=page, read_at=when, completed_at=when)


def _complete(user, page, when=None, code=None, score=None) -> CourseCompletion:
    when = when or timezone.now()
    return CourseCompletion.objects.create(
        user=user,
        course=page,
        course_title=page.title,
        completed_at=when,
        fiscal_year=fiscal_year(when),
        score=score,
        certificate_code=code,
    )


def _page(client, user) -> str:
    response = sign_in(client, user).get(MY_URL)
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_the_url_is_learning_my():
    assert reverse("learning:my_learning") == MY_URL


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(MY_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_course_in_progress_resumes_at_the_first_lesson_not_done(client, learner):
    page = course("basics", title="スマホの基本")
    first, second, third = (lesson(page, f"l{n}", title=f"レッスン{n}") for n in (1, 2, 3))
    _done(learner, first)
    _read(learner, third)  # read, but its activities (if any) are not passed: not done

    html = _page(client, learner)
    section = _section(html, "in-progress-title")
    assert "スマホの基本" in section
    assert "レッスン 1 / 3 修了" in section
    assert f'href="{second.url}"' in section
    assert "続きから受講する" in section
    assert "次のレッスン：レッスン2" in section


def test_completed_courses_show_date_score_and_certificate(client, learner):
    page = course("sec", title="情報セキュリティ研修", certificate=True)
    only = lesson(page, "l1")
    _done(learner, only)
    when = timezone.now()
    _complete(learner, page, when, code="ACDEFGHJKM", score=87.5)

    html = _page(client, learner)
    assert "情報セキュリティ研修" not in _section(html, "in-progress-title")
    completed = _section(html, "completed-title")
    assert "情報セキュリティ研修" in completed
    assert "87.5%" in completed
    assert f'datetime="{timezone.localdate(when):%Y-%m-%d}"' in completed
    assert f"（{fiscal_year(when)}年度）" in completed
    certificates = _section(html, "certificates-title")
    assert reverse("learning:certificate_pdf", args=["ACDEFGHJKM"]) in certificates
    assert reverse("certificate_verify", args=["ACDEFGHJKM"]) in certificates
    assert "ACDEF-GHJKM" in certificates


def test_a_completion_without_certificate_is_listed_but_offers_no_download(client, learner):
    page = course("free", title="自由な講座")
    _complete(learner, page, score=None)
    html = _page(client, learner)
    assert "自由な講座" in _section(html, "completed-title")
    assert "問題のない講座です" in _section(html, "completed-title")
    assert "/pdf/" not in html
    assert "修了証はまだありません" in _section(html, "certificates-title")


def test_last_years_completion_counts_again_only_with_new_work(client, learner):
    """Recertification: after the fiscal year of a completion, new work is a new course run."""
    page = course("yearly", title="毎年の研修")
    first, second = lesson(page, "l1"), lesson(page, "l2")
    last_year = timezone.now() - dt.timedelta(days=400)
    _done(learner, first, last_year)
    _done(learner, second, last_year)
    _complete(learner, page, last_year + dt.timedelta(minutes=1))

    html = _page(client, learner)
    assert "毎年の研修" not in _section(html, "in-progress-title")
    assert "毎年の研修" in _section(html, "completed-title")

    LessonProgress.objects.filter(user=learner, lesson=first).update(
        read_at=timezone.now(), completed_at=timezone.now()
    )
    section = _section(_page(client, learner), "in-progress-title")
    assert "毎年の研修" in section
    assert "レッスン 1 / 2 修了" in section, "last year's lesson completions do not count"
    assert f'href="{second.url}"' in section


def test_attempts_and_saved_states_count_as_activity(client, learner):
    pkg = package()
    quiz = course("quiz", title="クイズの講座")
    started = lesson(quiz, "q1")
    Attempt.objects.create(user=learner, lesson=started, package=pkg, number=1)
    paused = course("paused", title="途中の講座")
    halfway = lesson(paused, "p1")
    ActivityState.objects.create(user=learner, lesson=halfway, package=pkg, state="{}")

    section = _section(_page(client, learner), "in-progress-title")
    assert "クイズの講座" in section
    assert "途中の講座" in section
    assert f'href="{started.url}"' in section


def test_only_the_learners_own_records_are_shown(client, learner, make_user):
    other = make_user(None)
    page = course("theirs", title="他の人の講座", certificate=True)
    only = lesson(page, "l1")
    _done(other, only)
    _complete(other, page, code="ACDEFGHJKM")
    html = _page(client, learner)
    assert "他の人の講座" not in html
    assert "ACDEF" not in html


def test_empty_sections_link_to_the_catalogue(client, learner):
    page = course("any", title="講座")
    lesson(page, "l1")
    catalogue = page.get_parent()
    html = _page(client, learner)
    assert "受講中の講座はありません。" in html
    assert "修了した講座はまだありません。" in html
    assert html.count(f'href="{catalogue.url}"') >= 2


def test_courses_not_live_any_more_are_left_out_of_in_progress(client, learner):
    page = course("gone", title="公開をやめた講座")
    only = lesson(page, "l1")
    _read(learner, only)
    page.unpublish()
    assert "公開をやめた講座" not in _page(client, learner)


def test_the_header_links_to_my_learning_for_signed_in_people(client, learner):
    assert f'href="{MY_URL}"' not in client.get("/").content.decode()
    assert f'href="{MY_URL}"' in sign_in(client, learner).get("/").content.decode()


def _busy_learner(user, first: int, courses: int, lessons: int) -> None:
    """Give the learner activity of every kind in many courses and lessons."""
    pkg = package(title=f"p{first}")
    for c in range(first, first + courses):
        page = course(f"c{c}", title=f"講座{c}", certificate=True)
        pages = [lesson(page, f"c{c}l{n}") for n in range(lessons)]
        _done(user, pages[0])
        for n, lesson_page in enumerate(pages[1:], start=1):
            Attempt.objects.create(user=user, lesson=lesson_page, package=pkg, number=1)
            ActivityState.objects.create(user=user, lesson=lesson_page, package=pkg, state="{}")
            if n % 2:
                _read(user, lesson_page)
        if c % 3 == 0:
            _complete(user, page, code=f"CODE{c:06d}", score=90.0)


def _count_queries(client, user) -> int:
    sign_in(client, user)
    client.get(MY_URL)  # warm Wagtail's site-root cache, as on a live server
    with CaptureQueriesContext(connection) as queries:
        assert client.get(MY_URL).status_code == 200
    client.logout()
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_courses_and_lessons(
    client, make_user, django_assert_max_num_queries
):
    small, big = make_user(None), make_user(None)
    _busy_learner(small, 0, courses=1, lessons=2)
    # Six courses of four lessons already multiply any per-course or per-lesson query (each page
    # is published through a revision, so more only costs time).
    _busy_learner(big, 100, courses=6, lessons=4)
    overview = learner_overview(big)
    assert len(overview.in_progress) == 4 and len(overview.certificates) == 2
    few = _count_queries(client, small)
    assert _count_queries(client, big) == few
    sign_in(client, big)
    with django_assert_max_num_queries(15):
        client.get(MY_URL)


def test_learner_overview_reads_in_seven_queries(learner, django_assert_num_queries):
    page = course("x", title="講座")
    pages = [lesson(page, f"x{n}") for n in range(4)]
    for lesson_page in pages[:2]:
        _done(learner, lesson_page)
    with django_assert_num_queries(7):
        overview = learner_overview(learner)
        assert [item.course.pk for item in overview.in_progress] == [page.pk]
        assert overview.in_progress[0].resume.pk == pages[2].pk
