"""User.department_since: the day someone joined their current department (training due dates)."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Department, User
from accounts.roster import import_roster, parse_roster

pytestmark = pytest.mark.django_db

HEADER = "職員番号,氏名,氏名カナ,メールアドレス,所属コード,所属名"


@pytest.fixture
def clock(monkeypatch):
    """A settable 'today' for the model's and the roster import's date of joining."""
    state = {"today": dt.date(2026, 4, 1)}

    def localdate(*_args, **_kwargs) -> dt.date:
        return state["today"]

    monkeypatch.setattr("accounts.models.timezone.localdate", localdate)
    monkeypatch.setattr("accounts.roster.timezone.localdate", localdate)
    return state


@pytest.fixture
def departments():
    return (
        Department.objects.create(code="10", name="情報管理課"),
        Department.objects.create(code="20", name="区民活動推進課"),
    )


def test_new_user_with_a_department_starts_today_and_without_one_has_none(clock, departments):
    with_department = User.objects.create_user("a@example.jp", department=departments[0])
    without = User.objects.create_user("b@example.jp")
    assert with_department.department_since == dt.date(2026, 4, 1)
    assert without.department_since is None


def test_moving_restarts_the_date_other_changes_keep_it(clock, departments):
    user = User.objects.create_user("a@example.jp", department=departments[0])
    clock["today"] = dt.date(2026, 6, 1)
    user.last_name = "豊島"
    user.save()
    assert User.objects.get(pk=user.pk).department_since == dt.date(2026, 4, 1)

    clock["today"] = dt.date(2026, 7, 15)
    user = User.objects.get(pk=user.pk)
    user.department = departments[1]
    user.save(update_fields=["department"])  # the date is added to update_fields
    assert User.objects.get(pk=user.pk).department_since == dt.date(2026, 7, 15)

    user.department = None
    user.save()
    assert User.objects.get(pk=user.pk).department_since is None


def test_a_date_given_by_the_caller_wins(clock, departments):
    user = User.objects.create_user(
        "a@example.jp", department=departments[0], department_since=dt.date(2020, 4, 1)
    )
    assert user.department_since == dt.date(2020, 4, 1)
    user.department = departments[1]
    user.department_since = dt.date(2026, 3, 1)
    user.save()
    assert User.objects.get(pk=user.pk).department_since == dt.date(2026, 3, 1)


def test_a_deferred_load_costs_no_query_and_saving_other_fields_keeps_the_date(
    clock, departments, django_assert_num_queries
):
    User.objects.create_user("a@example.jp", department=departments[0])
    with django_assert_num_queries(1):
        user = User.objects.only("pk", "email").get(email="a@example.jp")
    clock["today"] = dt.date(2026, 9, 1)
    user.email = "a2@example.jp"
    user.save(update_fields=["email"])
    assert User.objects.get(pk=user.pk).department_since == dt.date(2026, 4, 1)


def test_roster_import_sets_the_date_for_new_people_and_for_movers_only(clock):
    rows = [
        "1001,豊島 太郎,トシマ タロウ,taro@example.jp,10,情報管理課",
        "1002,池袋 花子,イケブクロ ハナコ,hanako@example.jp,10,情報管理課",
    ]
    import_roster(parse_roster("\n".join([HEADER, *rows])))
    assert set(User.objects.values_list("department_since", flat=True)) == {dt.date(2026, 4, 1)}

    clock["today"] = dt.date(2026, 10, 1)
    rows = [
        "1001,豊島 太郎,トシマ タロウ,taro@example.jp,20,区民活動推進課",  # moves
        "1002,池袋 花子,イケブクロ ハナコ,hanako-new@example.jp,10,情報管理課",  # new address
    ]
    import_roster(parse_roster("\n".join([HEADER, *rows])))
    since = dict(User.objects.values_list("employee_number", "department_since"))
    assert since == {"1001": dt.date(2026, 10, 1), "1002": dt.date(2026, 4, 1)}
