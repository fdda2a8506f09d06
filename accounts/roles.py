"""Roles are Django groups with fixed Japanese names; code refers to them by ``Role``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User


class Role(models.TextChoices):
    STAFF = "staff", _("職員")
    TRAINER = "trainer", _("講師")
    COUNTER = "counter", _("窓口")
    ADMIN = "admin", _("管理者")


# Group names are data shown in the admin, so they stay Japanese whatever the UI language.
GROUP_NAMES: dict[Role, str] = {
    Role.STAFF: "職員",
    Role.TRAINER: "講師",
    Role.COUNTER: "窓口",
    Role.ADMIN: "管理者",
}
ROLE_BY_GROUP_NAME = {name: role for role, name in GROUP_NAMES.items()}

# Roles that work on the staff pages (rosters, bookings on behalf, administration).
STAFF_PAGE_ROLES = frozenset({Role.TRAINER, Role.COUNTER, Role.ADMIN})


def role_group_choices() -> models.Q:
    """``limit_choices_to`` for a foreign key or many-to-many to ``auth.Group``: roles only.

    Named in migrations (training, and learning's 0004), so it stays at this path.
    """
    return models.Q(name__in=list(GROUP_NAMES.values()))


# The annotation with_role_flags gives each user for each role: whether they have it.
ROLE_FLAGS: dict[Role, str] = {role: f"has_role_{role.value}" for role in Role}


def _roles(group_names: Iterable[str], is_superuser: bool) -> frozenset[Role]:
    roles = {ROLE_BY_GROUP_NAME[n] for n in group_names if n in ROLE_BY_GROUP_NAME}
    if is_superuser:
        roles.add(Role.ADMIN)
    return frozenset(roles)


def with_role_flags(users: QuerySet) -> QuerySet:
    """``users`` with one boolean per role (ROLE_FLAGS), read in the users' own query."""
    from django.contrib.auth import get_user_model

    membership = get_user_model().groups.through.objects
    return users.annotate(
        **{
            flag: Exists(membership.filter(user_id=OuterRef("pk"), group__name=GROUP_NAMES[role]))
            for role, flag in ROLE_FLAGS.items()
        }
    )


def prime_roles(user: User, flags: Mapping[str, Any]) -> None:
    """Fill the cache roles_of reads from with_role_flags' flags (``flags``: the user's row).

    The cache lives on the user object, so on one request: a changed role shows on the next.
    """
    names = [GROUP_NAMES[role] for role, flag in ROLE_FLAGS.items() if flags[flag]]
    user._roles_cache = _roles(names, user.is_superuser)


def roles_of(user: User) -> frozenset[Role]:
    """Return the user's roles, cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_roles_cache", None)
    if cached is None:
        cached = _roles(user.groups.values_list("name", flat=True), user.is_superuser)
        user._roles_cache = cached
    return cached


def has_role(user: User, *roles: Role | str) -> bool:
    return bool(roles_of(user) & {Role(r) for r in roles})
