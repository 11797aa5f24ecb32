"""Fixtures shared by the organisation tests."""

from __future__ import annotations

import pytest

from crossreg.orgs.models import Department, Division, User


@pytest.fixture
def admin_and_dept() -> tuple[User, Department]:
    """A department (市场监督管理局) and its department administrator."""
    city = Division.objects.create(code="320900", name="盐城市", level="city")
    dept = Department.objects.create(code="scjg", name="市场监督管理局", short_name="市场监管", division=city)
    admin = User.objects.create_user(username="adm", password="x", role="dept_admin", department=dept)
    return admin, dept
