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
from crossreg.orgs.models import Department, Division, Domain, Officer, User

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


class DivisionFactory(factory.django.DjangoModelFactory[Division]):
    class Meta:
        model = Division
        django_get_or_create = ("code",)

    code = "320902"
    name = "亭湖区"
    level = Division.Level.COUNTY


class DomainFactory(factory.django.DjangoModelFactory[Domain]):
    class Meta:
        model = Domain
        django_get_or_create = ("code",)

    code = "food"
    name = "食品安全"
    key = True


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"盐城市第{n}监管局")
    short_name = factory.Sequence(lambda n: f"监管{n}")
    role = Department.Role.SUPERVISING
    division = factory.SubFactory(DivisionFactory, code="320900", name="盐城市", level=Division.Level.CITY)


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
        uscc = next_uscc(division.code[:6], "2" if entity_type == Entity.Type.INDIVIDUAL else "1")
    return entity_create(
        actor="system:test",
        name=name,
        uscc=uscc,
        entity_type=entity_type,
        division=division,
        industry=industry,
        **extra,
    )
