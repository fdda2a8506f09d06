"""Fixtures of the classes world (tests/analytics/classes_support.py), for the 教室の出席 and
export tests. A module with a world of its own (reach, open data, training) defines its own
``world``, which wins over this one."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from tests.analytics.classes_support import World, build


@pytest.fixture
def trainer(make_user):
    """The own trainer of the world: S1 is theirs."""
    return make_user(Role.TRAINER, mfa=True)


@pytest.fixture
def other_trainer(make_user):
    return make_user(Role.TRAINER, mfa=True)


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, mfa=True)


@pytest.fixture
def world(trainer, other_trainer) -> World:
    return build(trainer, other_trainer)
