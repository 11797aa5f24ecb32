"""Test data: the web demo city plus complaint handlers, a 12345 desk, finance and a leader;
routing rules derived from the departments' domains; local fakes of the clues and cases services
(installed only when those apps have not landed — tests only, never product code)."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from typing import Any

import pytest

from crossreg.orgs.models import User
from crossreg.web.tests.factories import UserFactory, demo_city

PHONE = "13912345678"
NAME = "孙悦然"


@dataclass
class Recorder:
    """What the fake clue and case services were asked (idempotent as the contracts promise)."""

    clues: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    sources: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)


def install_fakes(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    rec = Recorder()

    def clue_raise(*, actor: Any, source: str, source_ref: str, **kw: Any) -> Any:
        key = (source, source_ref)
        rec.clues.setdefault(key, {"actor": actor, **kw, "pk": len(rec.clues) + 1})
        return types.SimpleNamespace(pk=rec.clues[key]["pk"])

    def case_source_register(
        *, actor: Any, department: Any, entity: Any, kind: str, ref: str, **kw: Any
    ) -> Any:
        key = (department.pk, kind, ref)
        rec.sources.setdefault(key, {"entity": entity.pk, **kw, "pk": len(rec.sources) + 1})
        return types.SimpleNamespace(pk=rec.sources[key]["pk"])

    for app, name, fn in (
        ("clues", "clue_raise", clue_raise),
        ("cases", "case_source_register", case_source_register),
    ):
        try:
            __import__(f"crossreg.{app}.services")
        except ImportError:
            pkg = types.ModuleType(f"crossreg.{app}")
            mod = types.ModuleType(f"crossreg.{app}.services")
            pkg.services = mod  # type: ignore[attr-defined]
            monkeypatch.setitem(sys.modules, f"crossreg.{app}", pkg)
            monkeypatch.setitem(sys.modules, f"crossreg.{app}.services", mod)
        monkeypatch.setattr(sys.modules[f"crossreg.{app}.services"], name, fn, raising=False)
    return rec


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
