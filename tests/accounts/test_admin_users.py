"""Admins create and edit staff accounts in the Wagtail admin, with the roster fields."""

import pytest

from accounts.models import Department, User
from accounts.roles import Role


@pytest.mark.django_db
def test_admin_creates_a_staff_user_with_kana_number_and_department(client, make_user):
    client.force_login(make_user(Role.ADMIN, mfa=True))
    department = Department.objects.create(code="1010", name="情報管理課")
    form_page = client.get("/admin/users/new/")
    assert form_page.status_code == 200
    assert 'name="last_name_kana"' in form_page.content.decode()

    response = client.post(
        "/admin/users/new/",
        {
            "email": "new.staff@example.jp",
            "last_name": "豊島",
            "first_name": "次郎",
            "last_name_kana": "トシマ",
            "first_name_kana": "ジロウ",
            "employee_number": "123456",
            "department": department.pk,
            "organisation": "",
            "password1": "a-very-long-pass-2026",
            "password2": "a-very-long-pass-2026",
            "groups": [],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="new.staff@example.jp")
    assert (user.last_name_kana, user.employee_number, user.department) == (
        "トシマ",
        "123456",
        department,
    )


@pytest.mark.django_db
def test_partner_trainers_without_employee_number_can_coexist(client, make_user):
    client.force_login(make_user(Role.ADMIN, mfa=True))
    for n in (1, 2):
        response = client.post(
            "/admin/users/new/",
            {
                "email": f"partner{n}@carrier.example.jp",
                "last_name": "講師",
                "first_name": str(n),
                "employee_number": "",
                "organisation": "携帯キャリアA",
                "password1": "a-very-long-pass-2026",
                "password2": "a-very-long-pass-2026",
            },
        )
        assert response.status_code == 302
    assert User.objects.filter(organisation="携帯キャリアA", employee_number=None).count() == 2


@pytest.mark.django_db
def test_trainer_cannot_open_the_user_admin(client, make_user):
    client.force_login(make_user(Role.TRAINER, mfa=True))
    response = client.get("/admin/users/new/")
    assert response.status_code in (302, 403)
    assert not response.get("Location", "").startswith("/admin/users")
