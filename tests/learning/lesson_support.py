"""Courses, lessons with H5P blocks, and xAPI statements shaped like the real H5P ones."""

from __future__ import annotations

from typing import Any

from courses.models import CourseIndexPage, CoursePage, LessonPage
from learning.activities import activity_iri
from learning.h5p.storage import import_package
from learning.models import H5PPackage
from tests.gates.support import ensure_home_page
from tests.learning.h5p_support import FIXTURES

VERBS = "http://adlnet.gov/expapi/verbs/"
FORGED_ACTOR = {"objectType": "Agent", "mbox": "mailto:someone-else@example.jp", "name": "他人"}


def package(name: str = "minimal-valid-greetingcard.h5p", title: str = "") -> H5PPackage:
    return import_package(FIXTURES / name, title=title or name, trusted=True)


def course(slug: str = "c1", **fields) -> CoursePage:
    home = ensure_home_page()
    catalogue = CourseIndexPage.objects.child_of(home).first() or home.add_child(
        instance=CourseIndexPage(title="オンライン教材", slug="courses")
    )
    fields.setdefault("title", slug)
    return catalogue.add_child(instance=CoursePage(slug=slug, **fields))


def h5p_block(pkg: H5PPackage, required: bool = True) -> dict:
    return {"type": "h5p", "value": {"package": pkg.pk, "required": required, "caption": ""}}


def lesson(parent: CoursePage, slug: str, blocks: list[dict] | None = None, **fields) -> LessonPage:
    """Create a lesson and publish it through a revision, as the editors do."""
    fields.setdefault("title", slug)
    page = parent.add_child(instance=LessonPage(slug=slug, body=blocks or [], **fields))
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def statement(
    pkg: H5PPackage,
    verb: str = "answered",
    *,
    raw: float | None = None,
    max: float | None = None,
    scaled: Any = "auto",
    success: bool | None = None,
    sub: str | None = None,
    parent: bool = False,
) -> dict:
    """Return a statement as h5p-standalone sends it (forged actor included)."""
    object_id = activity_iri(pkg) + (f"?subContentId={sub}" if sub else "")
    data: dict[str, Any] = {
        "actor": FORGED_ACTOR,
        "verb": {"id": VERBS + verb, "display": {"en-US": verb}},
        "object": {"id": object_id, "objectType": "Activity"},
        "context": {"contextActivities": {"category": [{"id": "http://h5p.org/libraries/x"}]}},
    }
    if parent:
        data["context"]["contextActivities"]["parent"] = [{"id": activity_iri(pkg)}]
    if raw is not None or max is not None:
        score = {"min": 0, "raw": raw, "max": max}
        if scaled == "auto":
            scaled = round(raw / max, 4) if max else 0
        if scaled is not None:
            score["scaled"] = scaled
        data["result"] = {"score": score, "completion": True}
        if success is not None:
            data["result"]["success"] = success
    return data


def single_choice_set_run(pkg: H5PPackage, correct: int, total: int = 3) -> list[dict]:
    """The SingleChoiceSet shape: 3 child answered (parent context, subContentId), 1 completed."""
    children = [
        statement(
            pkg,
            "answered",
            raw=int(i < correct),
            max=1,
            success=i < correct,
            sub=f"q-{i}",
            parent=True,
        )
        for i in range(total)
    ]
    top = statement(pkg, "completed", raw=correct, max=total, success=correct == total)
    return [*children, top]
