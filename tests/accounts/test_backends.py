"""The signed-in user is read with their roles and second factor in one query
(accounts.backends), and a change of role or factor shows on the very next request."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from accounts.backends import has_second_factor
from accounts.roles import GROUP_NAMES, Role, roles_of

pytestmark = pytest.mark.django_db


def _signed_in_user(client):
    request = RequestFactory().get("/")
    request.session = client.session
    return get_user(request)


def test_the_user_comes_with_roles_and_second_factor_in_one_query(
    client, make_user, django_assert_num_queries
):
    person = make_user(Role.COUNTER, mfa=True)
    person.groups.add(Group.objects.get(name=GROUP_NAMES[Role.TRAINER]))
    client.force_login(person)
    session = client.session
    assert session["_auth_user_id"] == str(person.pk)  # read the session before counting
    request = RequestFactory().get("/")
    request.session = session
    with django_assert_num_queries(1):
        user = get_user(request)
        assert user.pk == person.pk
        assert roles_of(user) == {Role.COUNTER, Role.TRAINER}
        assert has_second_factor(user)


def test_a_user_without_roles_or_factor_reads_as_such(client, make_user):
    person = make_user(None)
    client.force_login(person)
    user = _signed_in_user(client)
    assert roles_of(user) == frozenset()
    assert not has_second_factor(user)


def test_a_superuser_is_an_admin(client, make_user):
    person = make_user(None, is_superuser=True)
    client.force_login(person)
    assert roles_of(_signed_in_user(client)) == {Role.ADMIN}


def test_a_removed_role_counts_no_more_on_the_next_request(client, make_user):
    person = make_user(Role.COUNTER, mfa=True)
    client.force_login(person)
    assert client.get(reverse("accounts:staff_home")).status_code == 200
    person.groups.clear()
    assert client.get(reverse("accounts:staff_home")).status_code == 403
    person.groups.add(Group.objects.get(name=GROUP_NAMES[Role.COUNTER]))
    assert client.get(reverse("accounts:staff_home")).status_code == 200


def test_a_removed_second_factor_counts_no_more_on_the_next_request(client, make_user, settings):
    settings.MFA_REQUIRED_ROLES = ["counter"]
    person = make_user(Role.COUNTER, mfa=True)
    client.force_login(person)
    assert client.get(reverse("accounts:staff_home")).status_code == 200
    Authenticator.objects.filter(user=person).delete()
    response = client.get(reverse("accounts:staff_home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")


def test_a_deactivated_user_is_signed_out(client, make_user):
    person = make_user(Role.COUNTER, mfa=True)
    client.force_login(person)
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert not _signed_in_user(client).is_authenticated
