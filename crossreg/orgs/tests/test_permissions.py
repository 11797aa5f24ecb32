from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from crossreg.orgs.models import Department, Division, User
from crossreg.orgs.permissions import Capability, user_can
from crossreg.orgs.selectors import department_visible_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def depts() -> tuple[Department, Department]:
    city = Division.objects.create(code="320900", name="盐城市", level="city")
    a = Department.objects.create(code="scjg", name="市场监督管理局", short_name="市场监管", division=city)
    b = Department.objects.create(code="hbj", name="生态环境局", short_name="生态环境", division=city)
    return a, b


def _user(name: str, role: str, dept: Department | None) -> User:
    return User.objects.create_user(username=name, password="x", role=role, department=dept)


@pytest.mark.parametrize(
    ("role", "capability", "own", "other"),
    [
        ("staff", Capability.EDIT_ENTITY, True, False),
        ("staff", Capability.VIEW_DEPARTMENT_DATA, True, False),
        ("staff", Capability.LEGALITY_REVIEW, False, False),
        ("officer", Capability.INSPECT, True, False),
        ("officer", Capability.EDIT_ENTITY, False, False),
        ("justice", Capability.LEGALITY_REVIEW, True, False),
        ("approval", Capability.CONVENE_REVIEW, True, False),
        ("leader", Capability.VIEW_DEPARTMENT_DATA, True, True),
        ("leader", Capability.EDIT_ENTITY, False, False),
        ("bigdata", Capability.VIEW_DEPARTMENT_DATA, True, True),
        ("admin", Capability.MANAGE_DEPARTMENT, True, True),
    ],
)
def test_capability_table(
    depts: tuple[Department, Department], role: str, capability: Capability, own: bool, other: bool
) -> None:
    mine, theirs = depts
    user = _user(f"u_{role}", role, mine)
    assert user_can(user, capability, mine) is own
    assert user_can(user, capability, theirs) is other


def test_anonymous_and_inactive_get_nothing(depts: tuple[Department, Department]) -> None:
    mine, _ = depts
    assert not user_can(AnonymousUser(), Capability.VIEW_REGISTRY)  # type: ignore[arg-type]
    user = _user("gone", "staff", mine)
    user.is_active = False
    assert not user_can(user, Capability.VIEW_REGISTRY, mine)


def test_department_scoping_of_reads(depts: tuple[Department, Department]) -> None:
    mine, theirs = depts
    assert list(department_visible_list(user=_user("s", "staff", mine))) == [mine]
    assert set(department_visible_list(user=_user("l", "leader", mine))) == {mine, theirs}
