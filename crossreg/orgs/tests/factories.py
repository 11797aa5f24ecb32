"""factory_boy factories for organisations, shared by every app's tests."""

from __future__ import annotations

import factory

from crossreg.orgs.models import Department, Division, Domain


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
