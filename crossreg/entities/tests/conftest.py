from __future__ import annotations

import pytest

from crossreg.entities.tests.factories import DepartmentFactory, DivisionFactory, UserFactory
from crossreg.orgs.models import Division, User


@pytest.fixture
def yancheng(db: None) -> dict[str, Division]:
    city = DivisionFactory.create(code="320900", name="盐城市", level=Division.Level.CITY)
    out = {"320900": city}
    for code, name in (("320902", "亭湖区"), ("320903", "盐都区"), ("320981", "东台市")):
        out[code] = DivisionFactory.create(code=code, name=name, level=Division.Level.COUNTY, parent=city)
    return out


@pytest.fixture
def staff(yancheng: dict[str, Division]) -> User:
    return UserFactory.create(
        role=User.Role.STAFF, department=DepartmentFactory.create(division=yancheng["320900"])
    )


@pytest.fixture
def officer_user(yancheng: dict[str, Division]) -> User:
    return UserFactory.create(
        role=User.Role.OFFICER, department=DepartmentFactory.create(division=yancheng["320900"])
    )
