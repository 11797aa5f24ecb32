"""Factories for the web tests: a small slice of Yancheng with departments, officers and entities.

Entities are created through ``crossreg.entities.services.entity_create``, so they are normalised,
parsed and audited exactly as real ones.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import factory
from django.contrib.auth.hashers import make_password

from crossreg.entities.models import Entity, Industry
from crossreg.entities.services import entity_create
from crossreg.entities.uscc import uscc_make
from crossreg.orgs.models import Department, Division, Officer, User
from crossreg.orgs.tests.factories import DepartmentFactory, DomainFactory

PASSWORD = "Yancheng-demo-2021"
_HASHED = make_password(PASSWORD)

CITY = ("320900", "盐城市", Division.Level.CITY)
COUNTIES = (
    ("320902", "亭湖区"),
    ("320903", "盐都区"),
    ("320904", "大丰区"),
    ("320921", "响水县"),
    ("320922", "滨海县"),
    ("320923", "阜宁县"),
    ("320924", "射阳县"),
    ("320925", "建湖县"),
    ("320981", "东台市"),
)


def city_divisions() -> dict[str, Division]:
    """The city and its county-level divisions (real GB/T 2260 codes), plus one township."""
    city, _ = Division.objects.get_or_create(code=CITY[0], defaults={"name": CITY[1], "level": CITY[2]})
    out = {city.code: city}
    for code, name in COUNTIES:
        d, _ = Division.objects.get_or_create(
            code=code, defaults={"name": name, "level": Division.Level.COUNTY, "parent": city}
        )
        out[code] = d
    town, _ = Division.objects.get_or_create(
        code="320902001",
        defaults={"name": "五星街道", "level": Division.Level.STREET, "parent": out["320902"]},
    )
    out[town.code] = town
    return out


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = "王小明"
    password = _HASHED
    role = User.Role.STAFF
    department = factory.SubFactory(DepartmentFactory)


_cert = itertools.count(1)


class OfficerFactory(factory.django.DjangoModelFactory[Officer]):
    class Meta:
        model = Officer

    certificate_no = factory.LazyFunction(lambda: f"32090020{next(_cert):06d}")
    name = "李执法"
    department = factory.SubFactory(DepartmentFactory)
    division = factory.SelfAttribute("department.division")
    valid_from = dt.date(2020, 1, 1)
    valid_until = dt.date(2099, 12, 31)
    status = Officer.Status.ACTIVE


_orgcode = itertools.count(1)


def next_uscc(division6: str = "320902", type_: str = "1") -> str:
    return uscc_make("9", type_, division6, f"MA{next(_orgcode):06d}")


def entity_make(
    *,
    name: str,
    division: Division,
    entity_type: str = Entity.Type.ENTERPRISE,
    uscc: str | None = "",
    industry: Industry | None = None,
    **extra: Any,
) -> Entity:
    """One entity, through the registry's own service (normalised, parsed and audited like real ones).

    ``uscc=""`` (the default) makes a fresh valid code; ``None`` registers the entity without one.
    """
    if uscc == "":
        org_type = {Entity.Type.INDIVIDUAL: "2", Entity.Type.COOP: "3"}.get(entity_type, "1")  # type: ignore[call-overload]
        uscc = next_uscc(division.code[:6], org_type)
    return entity_create(
        actor="system:test",
        name=name,
        uscc=uscc,
        entity_type=entity_type,
        division=division,
        industry=industry,
        **extra,
    )


_DEPARTMENTS = (
    ("smr", "盐城市市场监督管理局", "市场监管", Department.Role.SUPERVISING),
    ("mem", "盐城市应急管理局", "应急管理", Department.Role.SUPERVISING),
    ("eeb", "盐城市生态环境局", "生态环境", Department.Role.SUPERVISING),
    ("hc", "盐城市卫生健康委员会", "卫健委", Department.Role.SUPERVISING),
    ("approval", "盐城市行政审批局", "审批局", Department.Role.APPROVAL),
    ("justice", "盐城市司法局", "司法局", Department.Role.JUSTICE),
    ("bigdata", "盐城市大数据管理局", "大数据局", Department.Role.BIGDATA),
)
_TRADE_NAMES = (
    "恒达",
    "鹤鸣",
    "瑞丰",
    "金海",
    "新城",
    "华盛",
    "永兴",
    "东方",
    "丹顶鹤",
    "黄海",
    "盐阜",
    "丰收",
)
_BUSINESSES = (
    ("建材", "有限公司", Entity.Type.ENTERPRISE),
    ("餐饮管理", "有限公司", Entity.Type.ENTERPRISE),
    ("化工", "有限责任公司", Entity.Type.ENTERPRISE),
    ("小吃店", "", Entity.Type.INDIVIDUAL),
    ("便利店", "", Entity.Type.INDIVIDUAL),
    ("理发店", "", Entity.Type.INDIVIDUAL),
    ("水产养殖专业合作社", "", Entity.Type.COOP),
    ("五金店", "", Entity.Type.INDIVIDUAL),
)


def demo_city(*, entities_per_county: int = 6) -> dict[str, Any]:
    """A small synthetic Yancheng: seven departments, officers, entities in every county, two users.

    The returned dict names what tests look for: ``hengda`` (盐城市恒达建材有限公司, key domain 食品安全)
    and ``heming`` (鹤鸣(盐城)餐饮管理有限公司, no USCC); the users ``staff`` (部门工作人员 of the
    market regulator) and ``root`` (system administrator). Every user's password is PASSWORD.
    """
    divisions = city_divisions()
    city = divisions["320900"]
    depts = {
        code: DepartmentFactory.create(code=code, name=name, short_name=short, role=role, division=city)
        for code, name, short, role in _DEPARTMENTS
    }
    food = DomainFactory.create(code="food", name="食品安全")
    chem = DomainFactory.create(code="hazchem", name="危险化学品")

    hengda = entity_make(name="盐城市恒达建材有限公司", division=divisions["320902"], legal_rep="张伟明")
    hengda.key_domains.add(food)
    heming = entity_make(
        name="鹤鸣(盐城)餐饮管理有限公司", division=divisions["320981"], uscc=None, legal_rep="陈静"
    )
    counties = [code for code, _ in COUNTIES]
    for i, code in enumerate(counties):
        county = divisions[code]
        # Uneven sizes, so the county bars differ as in a real city.
        for j in range(entities_per_county + (i * 5) % 11):
            trade = _TRADE_NAMES[(i + j) % len(_TRADE_NAMES)]
            words, form, etype = _BUSINESSES[(i * 3 + j) % len(_BUSINESSES)]
            prefix = county.name if etype != Entity.Type.ENTERPRISE else "盐城市" + county.name
            e = entity_make(
                name=f"{prefix}{trade}{j + 1:02d}{words}{form}",
                division=county,
                entity_type=etype,
                legal_rep="王" + "芳娟强磊"[j % 4],
                status=Entity.Status.CANCELLED if j % 9 == 8 else Entity.Status.ACTIVE,
            )
            if words == "化工":
                e.key_domains.add(chem)
    for n, dept in enumerate(depts.values()):
        for k in range(4 + n % 3):
            OfficerFactory.create(
                department=dept,
                name="赵钱孙李周吴郑王"[(n + k) % 8] + "执法",
                status=Officer.Status.SUSPENDED if k == 3 else Officer.Status.ACTIVE,
                valid_until=dt.date(2022, 12, 31) if k == 2 and n % 2 else dt.date(2099, 12, 31),
            )
    staff = UserFactory.create(
        username="smr_staff", display_name="王小明", department=depts["smr"], role=User.Role.STAFF
    )
    root = UserFactory.create(
        username="root",
        display_name="系统管理员",
        department=depts["bigdata"],
        role=User.Role.ADMIN,
        is_staff=True,
        is_superuser=True,
    )
    return {
        "divisions": divisions,
        "departments": depts,
        "hengda": hengda,
        "heming": heming,
        "staff": staff,
        "root": root,
    }


def source_record_make(entity: Entity, department: Department, key: str, *, current: bool = True) -> Any:
    """A row of ``department``'s list linked to ``entity`` (its supervisor, while ``current``)."""
    from crossreg.linking.models import SourceList, SourceRecord

    sl, _ = SourceList.objects.get_or_create(department=department, snapshot=1, defaults={"sha256": "0" * 64})
    return SourceRecord.objects.create(
        department=department,
        source_list=sl,
        last_list=sl,
        record_key=key,
        row_number=1,
        raw={},
        name=entity.name,
        content_sha1="0" * 40,
        entity=entity,
        state=SourceRecord.State.CURRENT if current else SourceRecord.State.LEFT,
    )
