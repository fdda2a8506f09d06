"""The benchmarks send what the platform accepts: their statements and lesson set-up are real."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest

from accounts.roles import Role
from courses.choices import Audience
from demo.h5p import DIST
from learning.activities import activity_iri
from learning.h5p.storage import import_package
from learning.models import Attempt, LessonProgress, XapiStatement
from learning.player import make_launch
from tests.learning.lesson_support import course, h5p_block, lesson

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import xapi_ingest  # noqa: E402

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _content() -> dict:
    with zipfile.ZipFile(DIST / xapi_ingest.PACKAGE_FILE) as zf:
        return json.loads(zf.read("content/content.json"))


@pytest.mark.parametrize(("correct", "passed"), [(5, True), (3, False)])
def test_the_benchmark_statements_are_accepted_and_decide_the_lesson(
    media, client, make_user, correct, passed
):
    pkg = import_package(DIST / xapi_ingest.PACKAGE_FILE, title="quiz", trusted=True)
    page = lesson(course(audience=Audience.STAFF, pass_mark=80), "l1", [h5p_block(pkg)])
    user = make_user(Role.STAFF)
    client.force_login(user)
    run = xapi_ingest.quiz_run(activity_iri(pkg), _content(), pkg.title, correct)
    assert len(run) == 6  # five answered questions, one completed
    for statement in run:
        response = client.post(
            f"/learning/lessons/{page.pk}/xapi/",
            json.dumps(statement),
            "application/json",
            HTTP_X_H5P_LAUNCH=make_launch(user, page, pkg),
        )
        assert response.status_code == 201, response.content
    assert XapiStatement.objects.filter(user=user, top_level=True).count() == 1
    assert XapiStatement.objects.filter(user=user, top_level=False).count() == 5
    attempt = Attempt.objects.get(user=user)
    assert (attempt.completed, attempt.passed) == (True, passed)
    assert response.json()["lesson_complete"] is passed
    progress = LessonProgress.objects.filter(user=user, lesson=page).first()
    assert (progress is not None and progress.completed_at is not None) is passed
