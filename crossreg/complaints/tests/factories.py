"""Test data: the web demo city plus complaint handlers, a 12345 desk, finance and a leader;
routing rules derived from the departments' domains. The clues and cases services are the real ones."""

from __future__ import annotations

from typing import Any

from crossreg.orgs.models import User
from crossreg.web.tests.factories import UserFactory, demo_city

PHONE = "13912345678"
NAME = "孙悦然"


def complaints_city() -> dict[str, Any]:
    from crossreg.complaints.services import routing_rules_derive
    from crossreg.entities.models import Industry
    from crossreg.web.tests.factories import entity_make

    city = demo_city(entities_per_county=2)
    d = city["departments"]
    from crossreg.orgs.models import Domain

    food = Domain.objects.get(code="food")
    chem = Domain.objects.get(code="hazchem")
    d["smr"].domains.add(food)
    d["mem"].domains.add(chem)
    restaurant = entity_make(
        name="盐城市鹤鸣小厨餐饮有限公司",
        division=city["divisions"]["320902"],
        industry=Industry.objects.filter(code="62").first(),
        address="盐城市亭湖区解放南路18号",
        legal_rep="周立",
    )
    users = {
        "staff": city["staff"],
        "head": UserFactory.create(username="smr_head", department=d["smr"], role=User.Role.DEPT_HEAD),
        "mem_staff": UserFactory.create(username="mem_staff", department=d["mem"], role=User.Role.STAFF),
        "hotline": UserFactory.create(username="hotline1", department=None, role=User.Role.HOTLINE),
        "finance": UserFactory.create(username="finance1", department=d["bigdata"], role=User.Role.FINANCE),
        "leader": UserFactory.create(username="leader1", department=d["bigdata"], role=User.Role.LEADER),
        "officer": UserFactory.create(username="smr_officer", department=d["smr"], role=User.Role.OFFICER),
    }
    rs = routing_rules_derive(actor="system:test")
    return {**city, "users": users, "restaurant": restaurant, "food": food, "chem": chem, "ruleset": rs}
