"""Courses, lessons with H5P blocks, and xAPI statements shaped like the real H5P ones."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse

from courses.models import CourseIndexPage, CoursePage, LessonPage
from learning.activities import activity_iri
from learning.h5p.storage import import_package
from learning.models import H5PPackage
from learning.player import make_launch
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
    response: str | None = None,
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
        if response is not None:
            data["result"]["response"] = response
    return data


def single_choice_set_run(pkg: H5PPackage, correct: int) -> list[dict]:
    """The SingleChoiceSet shape, as H5P.SingleChoiceSet 1.11 sends it for this package.

    One ``answered`` child per question (parent context, the question's real subContentId,
    response "0" = the first, correct answer, "1" = a wrong one), then one top-level
    ``completed`` with the total and no responses.
    """
    questions = pkg.answer_key["key"]["questions"]
    children = [
        statement(
            pkg,
            "answered",
            raw=int(i < correct),
            max=1,
            success=i < correct,
            sub=sub_id,
            parent=True,
            response="0" if i < correct else "1",
        )
        for i, sub_id in enumerate(questions)
    ]
    total = len(questions)
    top = statement(pkg, "completed", raw=correct, max=total, success=correct == total)
    return [*children, top]


def true_false_answer(pkg: H5PPackage, right: bool = True) -> dict:
    """The one ``answered`` statement of H5P.TrueFalse 1.6: response "true"/"false"."""
    solution = pkg.answer_key["key"]["correct"]
    chosen = solution if right else ("true" if solution == "false" else "false")
    return statement(pkg, "answered", raw=int(right), max=1, success=right, response=chosen)


def post_statement(
    client: Any, page: LessonPage, pkg: H5PPackage, data: Any, *, launch: bool = True
):
    """POST a statement as the lesson page's host script does (with the learner's launch)."""
    headers = {}
    if launch:
        user = get_user_model().objects.get(pk=client.session["_auth_user_id"])
        headers["HTTP_X_H5P_LAUNCH"] = make_launch(user, page, pkg)
    body = data if isinstance(data, bytes) else json.dumps(data)
    return client.post(
        reverse("learning:xapi", args=[page.pk]), body, content_type="application/json", **headers
    )
