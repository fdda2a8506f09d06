"""The lesson, course and catalogue pages read a fixed, small number of queries (issue 12).

The counts are taken on the second view, when the shared cache (locmem in tests) holds what is
the same for every visitor; the first view of each page is checked for the same HTML.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from accounts.roles import Role
from courses.choices import Audience
from courses.models import CoursePage, LessonPage
from learning.completion import tally, with_attempt
from learning.models import Attempt, LessonProgress
from learning.progress import lesson_record
from tests.learning.lesson_support import course, h5p_block, lesson, package

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10


@pytest.fixture(autouse=True)
def fresh_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def packages():
    return [package(), package("true-false-hello-world.h5p")]


@pytest.fixture
def staff_client(client, make_user):
    user = make_user(Role.STAFF)
    client.force_login(user)
    client.user = user
    return client


def _queries(client, url: str) -> tuple[int, str]:
    # The first view is routed through the tree, the second from the route cache: both fill
    # the shared cache.
    client.get(url)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _quick_lesson(parent: CoursePage, slug: str, **fields) -> LessonPage:
    """A live lesson without a revision (faster than lesson_support.lesson)."""
    return parent.add_child(instance=LessonPage(title=slug, slug=slug, **fields))


def _lesson_with_blocks(parent: CoursePage, slug: str, pkgs: list, n: int) -> LessonPage:
    return lesson(parent, slug, [h5p_block(pkgs[i % len(pkgs)]) for i in range(n)])


def test_staff_lesson_page_reads_the_same_few_queries_for_1_2_and_5_blocks(staff_client, packages):
    """A staff learner's lesson page: ≤ 10 queries, the same for 1, 2 and 5 H5P blocks."""
    parent = course(audience=Audience.STAFF)
    counts = {}
    for n in (1, 2, 5):
        page = _lesson_with_blocks(parent, f"l{n}", packages, n)
        Attempt.objects.create(
            user=staff_client.user,
            lesson=page,
            package=packages[0],
            number=1,
            finished_at=timezone.now(),
            completed=True,
            passed=True,
            scaled=1.0,
        )
        counts[n], html = _queries(staff_client, page.url)
        assert html.count("<iframe") == n and "合格" in html
    assert counts[1] == counts[2] == counts[5] <= MAX_QUERIES, counts


def test_course_page_queries_do_not_grow_with_lessons(staff_client):
    """The course page with a learner's progress: ≤ 10 queries for 2 or 8 lessons."""
    counts = {}
    for n in (2, 8):
        parent = course(f"c{n}", audience=Audience.STAFF)
        prerequisite = course(f"p{n}")
        parent.prerequisites.add(prerequisite)
        parent.save_revision().publish()
        lessons = [_quick_lesson(parent, f"l{i}") for i in range(n)]
        for page in lessons[: n // 2]:
            LessonProgress.objects.create(
                user=staff_client.user, lesson=page, completed_at=timezone.now()
            )
        counts[n], html = _queries(staff_client, CoursePage.objects.get(pk=parent.pk).url)
        assert html.count('class="lesson-list__done"') == n // 2
        assert "（未修了）" in html
    assert counts[2] == counts[8] <= MAX_QUERIES, counts


def test_catalogue_queries_do_not_grow_with_courses(staff_client):
    """The catalogue: ≤ 10 queries for 2 or 8 courses, some summing their lessons' times."""
    counts = {}
    for n in (2, 8):
        for i in range(n):
            parent = course(f"c{n}-{i}", topic="B01", estimated_minutes=None if i % 2 else 30)
            _quick_lesson(parent, "l1", estimated_minutes=7)
            _quick_lesson(parent, "l2", estimated_minutes=8)
        catalogue = parent.get_parent()
        counts[n], html = _queries(staff_client, catalogue.url)
        assert "目安 15 分" in html and "目安 30 分" in html
    assert counts[2] == counts[8] <= MAX_QUERIES, counts


def test_a_published_change_shows_on_the_next_view(staff_client, packages):
    """The shared cache never outlives a change: the next lesson's title and the package's."""
    parent = course(audience=Audience.STAFF)
    first = _lesson_with_blocks(parent, "l1", packages, 1)
    second = lesson(parent, "l2", title="二回目")
    _queries(staff_client, first.url)

    second.title = "改題した二回目"
    second.save_revision().publish()
    packages[0].title = "新しい題名"
    packages[0].save()
    html = staff_client.get(first.url).content.decode()
    assert "改題した二回目" in html and "新しい題名" in html


def test_an_unpublished_lesson_is_not_served_from_the_route_cache(staff_client, packages):
    parent = course(audience=Audience.STAFF)
    page = _lesson_with_blocks(parent, "l1", packages, 1)
    url = page.url
    _queries(staff_client, url)
    page.unpublish()
    assert staff_client.get(url).status_code == 404


def test_a_view_restriction_applies_after_the_page_was_cached(client, packages):
    """A page cached as unrestricted is restricted as soon as a restriction is added."""
    parent = course()
    page = _lesson_with_blocks(parent, "l1", packages, 1)
    assert client.get(page.url).status_code == 200
    assert client.get(page.url).status_code == 200
    PageViewRestriction.objects.create(page=parent, restriction_type=PageViewRestriction.LOGIN)
    response = client.get(page.url)
    assert response.status_code == 302 and "login" in response["Location"]


def _tried(user, page, pkg, scores: list[float]) -> None:
    """Finished attempts with their counted-attempt pointers, as learning.xapi stores them."""
    pair: tuple = (None, None)
    previous = None
    for number, scaled in enumerate(scores, start=1):
        if previous is not None:
            pair = with_attempt(pair, previous)
        attempt = Attempt(
            user=user,
            lesson=page,
            package=pkg,
            number=number,
            finished_at=timezone.now(),
            completed=True,
            passed=scaled >= 0.8,
            scaled=scaled,
        )
        tally(attempt, pair, None)
        attempt.save()
        previous = attempt


def test_the_lesson_page_does_not_grow_with_the_learners_attempts(
    staff_client, packages, monkeypatch
):
    """The lesson page reads the latest attempt and its stored pointers, not every attempt:
    the same queries, and at most three attempt rows (latest, best, last finished) per
    activity, for 2 or 40 attempts."""
    parent = course(audience=Audience.STAFF)
    built = []
    from_db = Attempt.from_db.__func__

    def counting(cls, *args, **kwargs):
        built.append(1)
        return from_db(cls, *args, **kwargs)

    monkeypatch.setattr(Attempt, "from_db", classmethod(counting))
    counts = {}
    for n in (2, 40):
        page = _lesson_with_blocks(parent, f"l{n}", packages, 2)
        # The best try in the middle, a worse one last: the best counts (GradingMethod.BEST).
        scores = [0.5] * (n // 2) + [0.9] + [0.6] * (n - n // 2 - 1)
        _tried(staff_client.user, page, packages[0], scores)
        counts[n], html = _queries(staff_client, page.url)
        assert "合格" in html
        built.clear()
        status = lesson_record(staff_client.user, page).statuses[packages[0].pk]
        assert (status.attempts, status.passed, status.scaled) == (n, True, 0.9)
        assert len(built) <= 3, len(built)
    assert counts[2] == counts[40] <= MAX_QUERIES, counts
