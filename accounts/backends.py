"""Authentication backends that load the signed-in user with their roles in one query.

Every request reads the user (Django's session authentication calls ``get_user``) and then
the MFA rule (accounts.middleware) reads the roles and whether a second factor is set up: both
come as flags in the user's own query (``accounts.roles.with_role_flags``,
``SECOND_FACTOR_FLAG``) and fill per-object caches (``roles_of``, ``has_second_factor``). The
user object lives for one request, so a role or factor added or removed takes effect on the
next one. The query's SQL is compiled once per process (base.compiled_sql).
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import Exists, OuterRef

from accounts.roles import ROLE_FLAGS, prime_roles, with_role_flags
from base.compiled_sql import CompiledRead

# The second factors accounts.middleware's MFA rule accepts (allauth's authenticator types).
SECOND_FACTOR_TYPES = ("totp", "webauthn")
SECOND_FACTOR_FLAG = "has_second_factor"


def has_second_factor(user) -> bool:
    """Whether the user has set up a second factor (read with the user when signed in)."""
    primed = getattr(user, "_second_factor_cache", None)
    if primed is not None:
        return primed
    from allauth.mfa.utils import is_mfa_enabled

    return is_mfa_enabled(user, list(SECOND_FACTOR_TYPES))


def _user_read(pk: int):
    from allauth.mfa.models import Authenticator

    model = get_user_model()
    fields = [field.attname for field in model._meta.concrete_fields]
    factor = Authenticator.objects.filter(user_id=OuterRef("pk"), type__in=SECOND_FACTOR_TYPES)
    users = with_role_flags(model._default_manager.filter(pk=pk))
    return users.annotate(**{SECOND_FACTOR_FLAG: Exists(factor)}).values(
        *fields, *ROLE_FLAGS.values(), SECOND_FACTOR_FLAG
    )


_USER_WITH_ROLES = CompiledRead(_user_read, model=get_user_model())


def load_user_with_roles(user_id: Any):
    """The user with ``pk`` ``user_id`` with their roles primed, or None."""
    model = get_user_model()
    try:
        pk = model._meta.pk.to_python(user_id)
    except (ValidationError, TypeError, ValueError):  # a session holding no id
        return None
    if not isinstance(pk, int):
        return None
    row = _USER_WITH_ROLES.run("user-with-roles", pk=pk)
    if row is None:
        return None
    fields = [field.attname for field in model._meta.concrete_fields]
    user = model.from_db(router.db_for_read(model), fields, [row[name] for name in fields])
    prime_roles(user, row)
    user._second_factor_cache = bool(row[SECOND_FACTOR_FLAG])
    return user


class RolesMixin:
    def get_user(self, user_id: Any):
        user = load_user_with_roles(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(RolesMixin, DjangoModelBackend):
    """Django's ModelBackend, the user read with their roles."""


class AuthenticationBackend(RolesMixin, AllauthBackend):
    """allauth's backend (e-mail and password), the user read with their roles."""
