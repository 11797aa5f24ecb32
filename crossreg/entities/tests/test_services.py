"""entity_create / entity_update: validation, duplicates, regions, flags, audit, all-or-nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from crossreg.core.errors import Conflict, Forbidden, Invalid
from crossreg.entities.models import Entity
from crossreg.entities.selectors import EntityNotFound
from crossreg.entities.services import entity_create, entity_update
from crossreg.entities.tests.factories import ApiTokenFactory, next_uscc
from crossreg.entities.uscc import registration_no_make, uscc_check_char
from crossreg.ledger.models import Entry
from crossreg.orgs.models import Division, User
from crossreg.orgs.tests.factories import DomainFactory

pytestmark = pytest.mark.django_db


def _audit(pk: int, action: str = "entity.create") -> list[Entry]:
    return list(Entry.objects.filter(subject_type="entity", subject_id=str(pk), action=action))


def test_create_normalises_parses_and_audits(staff: User, yancheng: dict[str, Division]) -> None:
    code = next_uscc("320902")
    full_width = code.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"})
    e = entity_create(
        actor=staff,
        name="鹤鸣（盐城）餐饮管理有限责任公司",
        division="320902",
        uscc=f" {full_width[:6]}-{full_width[6:]} ",
        industry="62",
        legal_rep="张三",
        registered_on="2019-05-01",
    )
    e.refresh_from_db()
    assert e.uscc == code
    assert e.entity_type == Entity.Type.ENTERPRISE  # inferred from 91
    assert (e.name_region, e.trade_name, e.industry_words, e.org_form) == (
        "盐城",
        "鹤鸣",
        "餐饮管理",
        "有限责任公司",
    )
    assert e.name_norm == "鹤鸣(盐城)餐饮管理有限公司"
    assert e.registered_on == dt.date(2019, 5, 1)
    assert not e.uscc_orgcode_warning and not e.uscc_missing
    [entry] = _audit(e.pk)
    assert entry.actor == f"user:{staff.username}"
    assert entry.payload["uscc"] == code
    assert entry.payload["legal_rep"] == "(changed)"  # personal data stays out of the ledger


def test_invalid_uscc_names_the_field_and_writes_nothing(staff: User, yancheng: dict[str, Division]) -> None:
    with pytest.raises(Invalid) as exc:
        entity_create(
            actor=staff, name="盐城市恒达贸易有限公司", division="320902", uscc="91110000600037341N"
        )
    [problem] = exc.value.problems
    assert problem.field == "uscc"
    assert "expected 'L', got 'N'" in problem.message
    assert Entity.objects.count() == 0 and Entry.objects.count() == 0


def test_registration_number_in_the_uscc_field_is_explained(
    staff: User, yancheng: dict[str, Division]
) -> None:
    reg = registration_no_make("320902", "00000042")
    with pytest.raises(Invalid) as exc:
        entity_create(actor=staff, name="盐城市恒达贸易有限公司", division="320902", uscc=reg)
    assert exc.value.problems[0].field == "uscc"
    assert "registration number" in exc.value.problems[0].message
    e = entity_create(
        actor=staff,
        name="盐城市恒达贸易有限公司",
        division="320902",
        entity_type="enterprise",
        registration_no=reg,
    )
    assert e.registration_no == reg and e.uscc is None


def test_duplicate_uscc_is_refused_with_a_link_and_nothing_written(
    staff: User, yancheng: dict[str, Division]
) -> None:
    code = next_uscc("320902")
    first = entity_create(actor=staff, name="盐城市恒达贸易有限公司", division="320902", uscc=code)
    entries = Entry.objects.count()
    with pytest.raises(Conflict) as exc:
        entity_create(actor=staff, name="盐城恒达贸易有限责任公司", division="320903", uscc=code.lower())
    [problem] = exc.value.problems
    assert problem.field == "uscc" and problem.code == "duplicate"
    assert problem.link == f"/entities/{first.pk}/"
    assert exc.value.status == 409
    assert Entity.objects.count() == 1 and Entry.objects.count() == entries


def test_unknown_region_is_refused(staff: User, yancheng: dict[str, Division]) -> None:
    with pytest.raises(Invalid) as exc:
        entity_create(actor=staff, name="盐城市恒达贸易有限公司", division="320999", uscc=next_uscc("320902"))
    assert [(p.field, p.code) for p in exc.value.problems] == [("division", "unknown")]
    assert "320999" in exc.value.problems[0].message
    assert Entity.objects.count() == 0 and Entry.objects.count() == 0


def test_several_problems_are_reported_together(staff: User, yancheng: dict[str, Division]) -> None:
    with pytest.raises(Invalid) as exc:
        entity_create(
            actor=staff, name="  ", division="999999", uscc="12345", industry="99", lat=123.0, status="gone"
        )
    fields = {p.field for p in exc.value.problems}
    assert {"name", "division", "uscc", "industry", "lat", "status"} <= fields


def test_no_uscc_is_allowed_but_flagged(staff: User, yancheng: dict[str, Division]) -> None:
    e = entity_create(
        actor=staff, name="亭湖区张三小吃店", division="320902", entity_type="individual", uscc=""
    )
    assert e.uscc is None and e.uscc_missing
    assert _audit(e.pk)[0].payload["uscc_missing"] is True
    # Two entities without a USCC do not collide.
    entity_create(actor=staff, name="亭湖区李四小吃店", division="320902", entity_type="individual")
    assert Entity.objects.filter(uscc__isnull=True).count() == 2


def test_no_uscc_and_no_type_is_refused(staff: User, yancheng: dict[str, Division]) -> None:
    with pytest.raises(Invalid) as exc:
        entity_create(actor=staff, name="亭湖区张三小吃店", division="320902")
    assert exc.value.problems[0].field == "entity_type"


def test_orgcode_warning_is_flagged(staff: User, yancheng: dict[str, Division]) -> None:
    first17 = "92320902MA0000011"[:16] + "Y"  # wrong organisation-code check character
    code = first17 + uscc_check_char(first17)
    e = entity_create(actor=staff, name="亭湖区张三小吃店", division="320902", uscc=code)
    assert e.uscc_orgcode_warning
    assert e.entity_type == Entity.Type.INDIVIDUAL


def test_type_contradicting_the_uscc_is_refused(staff: User, yancheng: dict[str, Division]) -> None:
    with pytest.raises(Invalid) as exc:
        entity_create(
            actor=staff,
            name="亭湖区张三小吃店",
            division="320902",
            entity_type="enterprise",
            uscc=next_uscc("320902", "2"),
        )
    assert exc.value.problems[0].field == "entity_type"
    assert exc.value.problems[0].code == "mismatch"


def test_key_domains(staff: User, yancheng: dict[str, Division]) -> None:
    food = DomainFactory.create(code="food")
    e = entity_create(
        actor=staff,
        name="亭湖区张三小吃店",
        division="320902",
        entity_type="individual",
        key_domains=["food"],
    )
    assert list(e.key_domains.all()) == [food]
    with pytest.raises(Invalid) as exc:
        entity_create(
            actor=staff,
            name="亭湖区李四小吃店",
            division="320902",
            entity_type="individual",
            key_domains=["nope"],
        )
    assert exc.value.problems[0].field == "key_domains"


def test_who_may_write(officer_user: User, yancheng: dict[str, Division]) -> None:
    kwargs: dict[str, Any] = {
        "name": "盐城市恒达贸易有限公司",
        "division": "320902",
        "entity_type": "enterprise",
    }
    with pytest.raises(Forbidden):
        entity_create(actor=officer_user, **kwargs)
    with pytest.raises(Forbidden):
        entity_create(actor=ApiTokenFactory.create(scopes=["entities:read"]), **kwargs)
    with pytest.raises(Forbidden):
        entity_create(actor="somebody", **kwargs)
    token = ApiTokenFactory.create(scopes=["entities:write"])
    e = entity_create(actor=token, **kwargs)
    assert _audit(e.pk)[0].actor.startswith("token:")
    assert entity_create(actor="system:seed", **{**kwargs, "name": "盐城市恒达物流有限公司"}).pk
    assert Entity.objects.count() == 2


def test_update_reparses_name_and_audits_changes(staff: User, yancheng: dict[str, Division]) -> None:
    e = entity_create(actor=staff, name="盐城市恒达贸易有限公司", division="320902", entity_type="enterprise")
    code = next_uscc("320902")
    e = entity_update(
        actor=staff,
        entity=e,
        data={"name": "盐城市恒达物流有限公司盐都分公司", "uscc": code, "status": "cancelled"},
    )
    e.refresh_from_db()
    assert (e.industry_words, e.branch, e.uscc, e.status) == ("物流", "盐都分公司", code, "cancelled")
    [entry] = _audit(e.pk, "entity.update")
    assert entry.payload["changed"] == ["name", "status", "uscc"]
    assert entry.payload["values"]["uscc"] == code
    # No change: no audit entry.
    entity_update(actor=staff, entity=e.pk, data={"status": "cancelled"})
    assert len(_audit(e.pk, "entity.update")) == 1


def test_update_refuses_duplicate_and_read_only_fields(staff: User, yancheng: dict[str, Division]) -> None:
    code = next_uscc("320902")
    a = entity_create(actor=staff, name="盐城市恒达贸易有限公司", division="320902", uscc=code)
    b = entity_create(actor=staff, name="盐城市金达贸易有限公司", division="320902", entity_type="enterprise")
    with pytest.raises(Conflict) as exc:
        entity_update(actor=staff, entity=b, data={"uscc": code})
    assert exc.value.problems[0].link == f"/entities/{a.pk}/"
    with pytest.raises(Invalid) as exc2:
        entity_update(actor=staff, entity=b, data={"name_norm": "x"})
    assert exc2.value.problems[0].field == "name_norm"
    b.refresh_from_db()
    assert b.uscc is None
    with pytest.raises(EntityNotFound):
        entity_update(actor=staff, entity=999999, data={"status": "active"})


def test_markup_in_name_or_address_is_refused_naming_the_fields(
    staff: User, yancheng: dict[str, Division]
) -> None:
    with pytest.raises(Invalid) as exc:
        entity_create(
            actor=staff,
            name="<script>alert(1)</script>盐城市恒达贸易有限公司",
            division="320902",
            uscc=next_uscc("320902"),
            address='盐城市亭湖区<img src=x onerror="alert(1)">',
        )
    assert {(p.field, p.code) for p in exc.value.problems} >= {("name", "markup"), ("address", "markup")}
    assert not Entity.objects.exists()
    e = entity_create(actor=staff, name="盐城市恒达贸易有限公司", division="320902", uscc=next_uscc("320902"))
    with pytest.raises(Invalid) as exc:
        entity_update(actor=staff, entity=e, data={"address": "<b>亭湖区</b>"})
    assert exc.value.problems[0].field == "address"
