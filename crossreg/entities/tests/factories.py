"""factory_boy factories for the entity registry and the orgs objects its tests need."""

from __future__ import annotations

import itertools
from typing import Any

import factory
from django.contrib.auth.hashers import make_password

from crossreg.entities.models import Entity, Industry
from crossreg.entities.names import normalize_name, parse_name
from crossreg.entities.uscc import uscc_make
from crossreg.orgs.models import ApiToken, User
from crossreg.orgs.services import token_hash
from crossreg.orgs.tests.factories import DepartmentFactory, DivisionFactory

_orgcode = itertools.count(1)


def next_uscc(division6: str = "320902", type_: str = "1") -> str:
    """A fresh valid USCC (both check characters right) in a division."""
    return uscc_make("9", type_, division6, f"MA{next(_orgcode):06d}")


PASSWORD = "pw-entities-1"
_HASHED = make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"ent-user{n}")
    display_name = "王小明"
    role = User.Role.STAFF
    department = factory.SubFactory(DepartmentFactory)
    password = _HASHED


class ApiTokenFactory(factory.django.DjangoModelFactory[ApiToken]):
    """A token; the secret is ``token.secret`` (only on the factory-built object)."""

    class Meta:
        model = ApiToken

    name = factory.Sequence(lambda n: f"system {n}")
    department = factory.SubFactory(DepartmentFactory)
    secret = factory.Sequence(lambda n: f"crg_testsecret{n:08d}")
    prefix = factory.LazyAttribute(lambda o: o.secret[-12:])
    secret_sha256 = factory.LazyAttribute(lambda o: token_hash(o.secret))
    scopes = factory.LazyFunction(lambda: ["entities:read"])

    @classmethod
    def _create(cls, model_class: type[ApiToken], *args: Any, **kwargs: Any) -> ApiToken:
        secret = kwargs.pop("secret")
        token = super()._create(model_class, *args, **kwargs)
        token.secret = secret
        return token


class IndustryFactory(factory.django.DjangoModelFactory[Industry]):
    """Industries are loaded by migration; this fetches (or creates) one."""

    class Meta:
        model = Industry
        django_get_or_create = ("code",)

    code = "62"
    section = "H"
    name = "餐饮业"


class EntityFactory(factory.django.DjangoModelFactory[Entity]):
    """An entity written directly (for reads); use services.entity_create to test writes."""

    class Meta:
        model = Entity

    name = factory.Sequence(lambda n: f"盐城市鹤鸣{n}餐饮管理有限公司")
    name_norm = factory.LazyAttribute(lambda o: normalize_name(o.name))
    name_region = factory.LazyAttribute(lambda o: parse_name(o.name).region)
    trade_name = factory.LazyAttribute(lambda o: parse_name(o.name).trade_name)
    industry_words = factory.LazyAttribute(lambda o: parse_name(o.name).industry_words)
    org_form = factory.LazyAttribute(lambda o: parse_name(o.name).org_form)
    branch = factory.LazyAttribute(lambda o: parse_name(o.name).branch)
    uscc = factory.LazyAttribute(
        lambda o: next_uscc(o.division.code[:6], "2" if o.entity_type == Entity.Type.INDIVIDUAL else "1")
    )
    entity_type = Entity.Type.ENTERPRISE
    division = factory.SubFactory(DivisionFactory)
    industry = factory.LazyFunction(lambda: Industry.objects.get(code="62"))
    legal_rep = "张三丰"
    address = "盐城市亭湖区解放南路1号"
