"""LessonActivity: the table of H5P activities per lesson, kept in sync on publish."""

from __future__ import annotations

import pytest

from courses.models import LessonPage
from learning.activities import activity_iri, split_object_id, sync_lesson_activities
from learning.models import LessonActivity
from tests.learning.lesson_support import course, h5p_block, lesson, package

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _rows(page) -> list[tuple]:
    return list(
        LessonActivity.objects.filter(lesson=page)
        .order_by("sort_order")
        .values_list("package_id", "required", "sort_order")
    )


def test_publishing_a_lesson_records_its_h5p_blocks():
    quiz, reading = package(title="クイズ"), package(title="読み物")
    page = lesson(
        course(),
        "l1",
        [
            {"type": "heading", "value": {"text": "はじめに", "size": "h2"}},
            h5p_block(quiz),
            h5p_block(reading, required=False),
        ],
    )
    assert _rows(page) == [(quiz.pk, True, 0), (reading.pk, False, 1)]
    block_ids = [str(b.id) for b in page.body if b.block_type == "h5p"]
    assert sorted(LessonActivity.objects.values_list("block_id", flat=True)) == sorted(block_ids)


def test_adding_and_removing_blocks_then_publishing_updates_the_table():
    first, second = package(title="一つ目"), package(title="二つ目")
    page = lesson(course(), "l1", [h5p_block(first)])
    assert _rows(page) == [(first.pk, True, 0)]

    page.body.append(("h5p", {"package": second, "required": True, "caption": ""}))
    page.save_revision().publish()
    assert _rows(page) == [(first.pk, True, 0), (second.pk, True, 1)]

    page.refresh_from_db()
    page.body = [h5p_block(second)]
    page.save_revision().publish()
    assert _rows(page) == [(second.pk, True, 0)]

    page.refresh_from_db()
    page.body = []
    page.save_revision().publish()
    assert _rows(page) == []


def test_a_draft_revision_does_not_change_the_table():
    first, second = package(title="一つ目"), package(title="二つ目")
    page = lesson(course(), "l1", [h5p_block(first)])
    page.body = [h5p_block(second)]
    page.save_revision()  # saved, not published
    assert _rows(page) == [(first.pk, True, 0)]


def test_a_live_lesson_created_in_code_is_synced():
    """seed_demo and fixtures build live pages with add_child, which sends no publish signal."""
    pkg = package()
    parent = course()
    page = parent.add_child(instance=LessonPage(title="l1", slug="l1", body=[h5p_block(pkg)]))
    assert _rows(page) == [(pkg.pk, True, 0)]


def test_sync_function_can_be_called_directly():
    pkg = package()
    page = lesson(course(), "l1")
    page.body = [h5p_block(pkg)]
    page.save()
    assert _rows(page) == []
    sync_lesson_activities(page)
    assert _rows(page) == [(pkg.pk, True, 0)]


def test_activity_iri_is_derived_from_the_package_uuid():
    pkg = package()
    assert activity_iri(pkg) == f"urn:toshima-ict:h5p:{pkg.uuid}"
    assert split_object_id(activity_iri(pkg)) == (activity_iri(pkg), False)
    assert split_object_id(activity_iri(pkg) + "?subContentId=abc-123") == (activity_iri(pkg), True)
    assert split_object_id(activity_iri(pkg) + "?other=1") is None
