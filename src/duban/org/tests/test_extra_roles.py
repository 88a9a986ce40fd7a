"""One account per person: a user may hold further roles beside the primary one."""

from __future__ import annotations

import pytest

from duban.org.models import User
from duban.org.roles import PROJECT_OFFICE_ROLES, SUPERVISION_ROLES, UNIT_ROLES, Role
from duban.org.services import user_create
from duban.testing.personas import build_district

pytestmark = pytest.mark.django_db


def test_extra_roles_count_everywhere_the_primary_one_does(client):
    d = build_district()
    clerk = user_create(
        username="fgj-clerk",
        role=Role.HANDLER,
        unit=d.housing,
        password="pass-12345",
        extra_roles=[Role.PROJECT_OFFICE],
    )
    assert clerk.roles == {Role.HANDLER, Role.PROJECT_OFFICE}
    assert clerk.has_role(UNIT_ROLES) and clerk.has_role(PROJECT_OFFICE_ROLES)
    assert clerk.has_role(Role.PROJECT_OFFICE)
    assert not clerk.has_role(SUPERVISION_ROLES)
    # The project office works district-wide, so the clerk's scope is the district.
    assert clerk.scope_path == d.district.path
    assert list(User.objects.with_role(Role.PROJECT_OFFICE)) == [clerk]
    assert list(User.objects.with_role(Role.HANDLER)) == [clerk]


def test_a_plain_user_holds_only_the_primary_role():
    d = build_district()
    handler = user_create(username="h", role=Role.HANDLER, unit=d.binhu)
    assert handler.roles == {Role.HANDLER}
    assert handler.extra_roles == ""
    assert handler.scope_path == d.binhu.path
    assert not User.objects.with_role(Role.LEADER).exists()


def test_the_primary_role_is_not_repeated_among_the_extra_ones():
    d = build_district()
    leader = user_create(
        username="l", role=Role.LEADER, unit=d.district, extra_roles=[Role.LEADER, Role.SUPERVISOR]
    )
    assert leader.extra_roles == ",supervisor,"
