"""Which H5P activities each lesson embeds: the LessonActivity table, kept in sync on publish.

Synced on Wagtail's ``page_published`` and when a live lesson is created in code (add_child).

An activity's xAPI IRI is ``urn:toshima-ict:h5p:<package uuid>``. Statements about one question
inside it append ``?subContentId=<id>`` to that IRI (as H5P does to its content URL).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published

from learning.models import H5PLibrary, H5PPackage, LessonActivity

if TYPE_CHECKING:
    from courses.models import LessonPage

IRI_PREFIX = "urn:toshima-ict:h5p:"
H5P_BLOCK = "h5p"
SUB_CONTENT = re.compile(r"^subContentId=[A-Za-z0-9-]{1,64}$")


def activity_iri(package: H5PPackage) -> str:
    """Return the xAPI object id of an H5P package used as an activity."""
    return f"{IRI_PREFIX}{package.uuid}"


def split_object_id(object_id: str) -> tuple[str, bool] | None:
    """Return (activity IRI, is sub-content) for an object id, or None if it is malformed."""
    base, sep, query = object_id.partition("?")
    if not sep:
        return base, False
    if not SUB_CONTENT.match(query):
        return None
    return base, True


def h5p_blocks(lesson: LessonPage) -> list[tuple[str, H5PPackage, bool]]:
    """Return (block id, package, required) for each H5P block of the lesson, in page order."""
    found = []
    for block in lesson.body:
        if block.block_type != H5P_BLOCK:
            continue
        package = block.value.get("package")
        if isinstance(package, H5PPackage):
            found.append((str(block.id), package, bool(block.value.get("required"))))
    return found


@transaction.atomic
def sync_lesson_activities(lesson: LessonPage) -> list[LessonActivity]:
    """Make the LessonActivity rows of a lesson match the H5P blocks of its body."""
    wanted = h5p_blocks(lesson)
    LessonActivity.objects.filter(lesson=lesson).exclude(
        block_id__in=[block_id for block_id, _p, _r in wanted]
    ).delete()
    rows = []
    for order, (block_id, package, required) in enumerate(wanted):
        row, _created = LessonActivity.objects.update_or_create(
            lesson=lesson,
            block_id=block_id,
            defaults={"package": package, "required": required, "sort_order": order},
        )
        rows.append(row)
    return rows


def _on_page_published(sender, instance, **kwargs) -> None:
    from courses.models import LessonPage

    if isinstance(instance, LessonPage):
        sync_lesson_activities(instance)


def _on_lesson_created(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    # Pages made in code (seed_demo, add_child) are live without a publish signal. Later saves
    # are left to page_published: a draft revision must not change the table.
    if created and not raw and instance.live:
        sync_lesson_activities(instance)


def connect() -> None:
    from courses.models import LessonPage
    from courses.page_cache import bump_content_version

    page_published.connect(_on_page_published, dispatch_uid="learning.sync_lesson_activities")
    post_save.connect(
        _on_lesson_created, sender=LessonPage, dispatch_uid="learning.sync_new_lesson_activities"
    )
    # The lesson pages read packages and required activities from the shared cache
    # (courses.page_cache): an upload, an edit or a publish makes those entries stale.
    for model in (H5PPackage, H5PLibrary, LessonActivity):
        uid = f"learning.bump_content_version.{model.__name__}"
        post_save.connect(bump_content_version, sender=model, dispatch_uid=uid)
        post_delete.connect(bump_content_version, sender=model, dispatch_uid=uid)
