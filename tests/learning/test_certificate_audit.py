"""An admin downloading someone else's certificate PDF leaves one audit record; the owner none."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.roles import Role
from base.models import AuditEntry
from learning.fiscal import fiscal_year
from learning.models import CourseCompletion
from tests.gates.support import sign_in
from tests.learning.lesson_support import course

pytestmark = pytest.mark.django_db

CODE = "ACDEFGHJKM"
COMPLETED_AT = dt.datetime(2026, 5, 1, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=9)))


@pytest.fixture
def completion(make_user) -> CourseCompletion:
    page = course("sec", title="情報セキュリティ研修", certificate=True)
    return CourseCompletion.objects.create(
        user=make_user(None, last_name="豊島", first_name="花子"),
        course=page,
        course_title=page.title,
        completed_at=COMPLETED_AT,
        fiscal_year=fiscal_year(COMPLETED_AT),
        score=92.5,
        certificate_code=CODE,
    )


def test_admin_download_is_audited_once(client, make_user, completion):
    admin = make_user(Role.ADMIN, mfa=True)
    response = sign_in(client, admin).get(reverse("learning:certificate_pdf", args=[CODE]))
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="learning.certificate.downloaded")
    assert (entry.user, entry.obj) == (admin, completion)
    assert entry.ip == "127.0.0.1"
    assert AuditEntry.objects.count() == 1


def test_owner_download_records_nothing(client, completion):
    response = sign_in(client, completion.user).get(
        reverse("learning:certificate_pdf", args=[CODE])
    )
    assert response.status_code == 200
    assert not AuditEntry.objects.exists()
