"""Test data for credit: the web demo city with the demo model published."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from crossreg.credit import services
from crossreg.credit.demo import DEMO_SPEC
from crossreg.credit.models import ModelVersion
from crossreg.orgs.models import User
from crossreg.orgs.tests.factories import DepartmentFactory
from crossreg.web.tests.factories import UserFactory, demo_city

EFFECTIVE = dt.date(2024, 1, 1)


def spec(**changes: Any) -> dict[str, Any]:
    s = copy.deepcopy(DEMO_SPEC)
    s.update(changes)
    return s


def publish_demo_model(department: Any, *, effective_from: dt.date = EFFECTIVE) -> ModelVersion:
    v = services.model_create(
        actor="system:test",
        code="public",
        name="公共信用综合评价",
        kind="public",
        department=department,
        spec=spec(),
    )
    v = services.model_version_transition(actor="system:test", version=v, action="submit")
    return services.model_version_transition(
        actor="system:reviewer", version=v, action="publish", effective_from=effective_from
    )


def credit_city() -> dict[str, Any]:
    city = demo_city()
    depts = city["departments"]
    fgw = DepartmentFactory.create(
        code="fgw", name="盐城市发展和改革委员会", short_name="发改委", division=depts["smr"].division
    )
    depts["fgw"] = fgw
    city["credit_user"] = UserFactory.create(username="fgw_credit", department=fgw, role=User.Role.CREDIT)
    city["fgw_staff"] = UserFactory.create(username="fgw_staff", department=fgw, role=User.Role.STAFF)
    city["head"] = UserFactory.create(username="smr_head", department=depts["smr"], role=User.Role.DEPT_HEAD)
    city["leader"] = UserFactory.create(username="leader", department=depts["bigdata"], role=User.Role.LEADER)
    return city
