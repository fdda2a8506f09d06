"""The staff menu (業務メニュー) and マイ学習 lead admins and managers to the training reports."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Department
from accounts.roles import Role

pytestmark = pytest.mark.django_db


def _menu(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("accounts:staff_home"))
    assert response.status_code == 200
    return response.content.decode()


def test_training_report_door_for_admins_and_department_managers_only(client, make_user):
    report = reverse("training:report")
    my_learning = reverse("learning:my_learning")

    counter = make_user(Role.COUNTER, mfa=True)
    html = _menu(client, counter)
    assert f'href="{report}"' not in html
    assert f'href="{my_learning}"' in html
    counter_manager = make_user(Role.COUNTER, mfa=True)
    Department.objects.create(code="D1", name="情報政策課").managers.add(counter_manager)
    assert f'href="{report}"' in _menu(client, counter_manager)

    admin = make_user(Role.ADMIN, mfa=True)
    assert f'href="{report}"' in _menu(client, admin)


def test_my_learning_links_managers_to_their_report_even_without_requirements(client, make_user):
    report = reverse("training:report")
    staff, manager = make_user(Role.STAFF), make_user(Role.STAFF)
    Department.objects.create(code="D2", name="区民ひろば課").managers.add(manager)
    client.force_login(staff)
    assert f'href="{report}"' not in client.get(reverse("learning:my_learning")).content.decode()
    client.force_login(manager)
    assert f'href="{report}"' in client.get(reverse("learning:my_learning")).content.decode()
