"""Test data for clues: a small city with an environment bureau, a monitored factory, a device,
a sustained-exceedance rule; and a test-only stand-in for inspections.task_create until the
architecture branch lands it (tests only, never product code)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from crossreg.clues import services
from crossreg.clues.models import RuleVersion
from crossreg.orgs.models import Domain, User
from crossreg.web.tests.factories import UserFactory, demo_city

TOKEN = "dev-token-1"
MN = "32090200000001"


def clue_city() -> dict[str, Any]:
    city = demo_city(entities_per_county=1)
    depts = city["departments"]
    env = Domain.objects.get_or_create(code="environment", defaults={"name": "生态环境", "key": True})[0]
    food = Domain.objects.get(code="food")
    depts["eeb"].domains.add(env)
    depts["smr"].domains.add(food)
    factory = city["hengda"]
    device = services.device_register(
        actor="system:test",
        mn=MN,
        name="恒达废水排放口",
        entity=factory,
        department=depts["eeb"],
        domain=env,
        measures=["w01018", "w21003"],
        site="DW001",
        lat=33.35,
        lng=120.16,
        reviewed_on=dt.date(2025, 1, 1),
        review_valid_until=dt.date(2099, 12, 31),
        location_published_url="https://sthjj.yancheng.gov.cn/devices/DW001",
        token=TOKEN,
    )
    rule = services.rule_publish(
        actor="system:test",
        code="cod-sustained",
        name="COD 持续超标 30 分钟",
        kind=RuleVersion.Kind.SUSTAINED,
        domain=env,
        risk_type="pollution_discharge",
        severity="high",
        params={"pollutant": "w01018", "limit": 50, "minutes": 30, "gap_minutes": 5},
    )
    city["eeb_staff"] = UserFactory.create(
        username="eeb_staff", department=depts["eeb"], role=User.Role.STAFF
    )
    city.update({"env": env, "food": food, "device": device, "rule": rule, "factory": factory})
    return city


def now_local() -> dt.datetime:
    return timezone.localtime()
