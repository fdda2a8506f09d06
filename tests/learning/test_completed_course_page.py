"""After completing a course its page offers to look again and the certificate (issue 14).

It said 続きから受講する although nothing was left to continue.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from learning.completion import mark_lesson_read
from tests.learning.lesson_support import course, lesson

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


def test_completed_course_offers_review_and_certificate_not_continue(client, make_user):
    learner = make_user(None)
    parent = course(title="情報セキュリティの基本", certificate=True, pass_mark=80)
    first, second = lesson(parent, "l1"), lesson(parent, "l2")
    client.force_login(learner)
    mark_lesson_read(learner, first)
    assert "続きから受講する" in client.get(parent.url).content.decode()

    mark_lesson_read(learner, second)
    response = client.get(parent.url)
    html = response.content.decode()
    completion = response.context["progress"].completion
    assert completion is not None and completion.certificate_code
    assert "続きから受講する" not in html
    assert "もう一度見る" in html and f'href="{first.url}"' in html
    certificate = reverse("learning:my_learning") + f"#certificate-{completion.pk}"
    assert "修了証を見る" in html and f'href="{certificate}"' in html


def test_completed_course_without_certificate_offers_only_review(client, make_user):
    learner = make_user(None)
    parent = course(title="スマホの基本", certificate=False)
    only = lesson(parent, "l1")
    client.force_login(learner)
    mark_lesson_read(learner, only)
    html = client.get(parent.url).content.decode()
    assert "もう一度見る" in html and "続きから受講する" not in html
    assert "修了証を見る" not in html
