import pytest

from accounts.models import Department
from accounts.roles import Role, has_role, roles_of


@pytest.fixture
def tree(db):
    bureau = Department.objects.create(code="01", name="政策経営部", kind="division")
    section = Department.objects.create(code="0101", name="情報管理課", parent=bureau)
    team = Department.objects.create(code="010101", name="システム係", parent=section)
    other = Department.objects.create(code="02", name="区民部")
    return bureau, section, team, other


def test_path_holds_codes_from_the_root(tree):
    bureau, section, team, _other = tree
    assert team.path == "01/0101/010101"
    assert team.depth == 2
    assert set(bureau.subtree()) == {bureau, section, team}
    assert set(section.subtree()) == {section, team}


def test_moving_a_department_moves_its_subtree(tree):
    _bureau, section, team, other = tree
    section.parent = other
    section.save()
    team.refresh_from_db()
    assert team.path == "02/0101/010101"
    assert set(other.subtree()) == {other, section, team}


def test_a_department_cannot_go_under_its_own_descendant(tree):
    bureau, _section, team, _other = tree
    bureau.parent = team
    with pytest.raises(ValueError):
        bureau.save()


def test_prefix_codes_do_not_leak_into_subtree(db):
    one = Department.objects.create(code="1", name="A")
    Department.objects.create(code="10", name="B")  # path "10" starts with "1" but is no child
    assert list(one.subtree()) == [one]


@pytest.mark.django_db
def test_roles_come_from_groups_and_superuser_is_admin(make_user):
    trainer = make_user(Role.TRAINER)
    assert roles_of(trainer) == {Role.TRAINER}
    assert has_role(trainer, Role.TRAINER, Role.ADMIN)
    assert not has_role(trainer, Role.ADMIN)
    superuser = make_user(None, is_superuser=True)
    assert roles_of(superuser) == {Role.ADMIN}
    trainer.is_active = False
    del trainer._roles_cache
    assert roles_of(trainer) == frozenset()
