"""Test data for the catalog: a small city with the departments both workflows need."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import factory

from crossreg.catalog import services
from crossreg.catalog.exchange import ITEM_COLUMNS
from crossreg.catalog.models import ChangeRequest, ItemVersion, PowerItem
from crossreg.catalog.schemas import CheckPointData, ItemContent
from crossreg.orgs.models import Department, Division, Domain, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-crossreg-test")
    role = "staff"


#: The departments of the test world: key → (code, name, role, parent key, division).
DEPARTMENTS: dict[str, tuple[str, str, str, str | None, str]] = {
    "owner": ("scjg", "市市场监督管理局", "supervising", None, "320900"),
    "involved": ("hbj", "市生态环境局", "supervising", None, "320900"),
    "outsider": ("jtj", "市交通运输局", "supervising", None, "320900"),
    "city_approval": ("spj", "市行政审批局", "approval", None, "320900"),
    "county": ("th-spj", "亭湖区行政审批局", "approval", "city_approval", "320902"),
    "county2": ("yd-spj", "盐都区行政审批局", "approval", "city_approval", "320903"),
    "justice": ("sfj", "市司法局", "justice", None, "320900"),
}
ROLES = ("staff", "dept_admin", "officer", "approval", "justice", "bigdata", "leader", "admin")


@dataclass
class World:
    depts: dict[str, Department]
    power: PowerItem
    domain: Domain

    def user(self, role: str, dept_key: str | None, name: str | None = None) -> User:
        dept = self.depts[dept_key] if dept_key else None
        user: User = UserFactory(username=name or f"{role}-{dept_key}", role=role, department=dept)  # type: ignore[assignment]
        return user

    @property
    def drafter(self) -> User:
        return self.user("staff", "owner", "drafter")

    @property
    def approver(self) -> User:
        return self.user("approval", "city_approval", "approver")

    @property
    def reviewer(self) -> User:
        return self.user("staff", "involved", "reviewer")

    @property
    def lawyer(self) -> User:
        return self.user("justice", "justice", "lawyer")

    @property
    def county_user(self) -> User:
        return self.user("approval", "county", "county-user")


def make_world() -> World:
    city, _ = Division.objects.get_or_create(code="320900", defaults={"name": "盐城市", "level": "city"})
    Division.objects.get_or_create(
        code="320902", defaults={"name": "亭湖区", "level": "county", "parent": city}
    )
    Division.objects.get_or_create(
        code="320903", defaults={"name": "盐都区", "level": "county", "parent": city}
    )
    depts: dict[str, Department] = {}
    for key, (code, name, role, parent, div) in DEPARTMENTS.items():
        depts[key], _ = Department.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": name[:6],
                "role": role,
                "division_id": div,
                "parent": depts.get(parent) if parent else None,
            },
        )
    domain, _ = Domain.objects.get_or_create(code="food", defaults={"name": "食品安全", "key": True})
    power, _ = PowerItem.objects.get_or_create(
        code="JC-SCJG-001",
        defaults={
            "name": "对食品生产经营者的监督检查",
            "kind": "inspection",
            "department": depts["owner"],
            "legal_basis": "《中华人民共和国食品安全法》第一百一十条",
        },
    )
    return World(depts=depts, power=power, domain=domain)


def content(code: str = "JG-SCJG-0001", *, points: int = 3, dept: str = "scjg", **over: Any) -> ItemContent:
    data: dict[str, Any] = {
        "code": code,
        "name": "食品生产企业监督检查",
        "department": dept,
        "legal_basis": "《中华人民共和国食品安全法》第八十七条、第一百一十条",
        "power_items": ["JC-SCJG-001"],
        "methods": ["random", "key"],
        "entity_types": ["enterprise"],
        "industries": ["13", "14"],
        "domains": ["food"],
        "default_ratio": "5",
        "default_frequency": "每年1次",
        "procedure": "1. 出示执法证件；2. 现场检查；3. 制作笔录；4. 告知结果。",
        "method": "查阅资料、现场查看、抽样检验",
        "involved_departments": ["hbj"],
        "check_points": [
            CheckPointData(
                seq=i,
                content=f"检查要点{i}：生产许可证是否在有效期内",
                legal_basis="《食品安全法》第三十五条",
                finding="未取得许可或许可过期仍在生产",
                method="查阅证照",
            )
            for i in range(1, points + 1)
        ],
    }
    data.update(over)
    return ItemContent(**data)


COMPILE_PATH = ("draft", "submitted", "joint_review", "legality_review", "published")


def compile_to(world: World, state: str, code: str = "JG-SCJG-0001") -> ItemVersion:
    """Create an item and walk it through the compile workflow to ``state``."""
    v = services.item_create(actor=world.drafter, content=content(code))
    steps = [
        ("submitted", "submit", world.drafter),
        ("joint_review", "convene", world.approver),
        ("legality_review", "concur", world.reviewer),
        ("published", "pass", world.lawyer),
    ]
    for target, name, actor in steps:
        if v.status == state:
            break
        v = services.version_transition(version=v, transition=name, actor=actor)
        assert v.status == target, (v.status, target)
    assert v.status == state
    return ItemVersion.objects.get(pk=v.pk)


def adjust_to(
    world: World, state: str, code: str = "JG-SCJG-0001", *, owner_heard: bool = True
) -> ChangeRequest:
    """A published item with a change request walked to ``state``; in first review the item's own
    department has given its opinion (``owner_heard``), as the city bureau's pass requires."""
    compile_to(world, "published", code)
    from crossreg.catalog.models import SupervisionItem

    item = SupervisionItem.objects.get(code=code)
    cr = services.change_request_create(
        item=item, actor=world.county_user, reason_kind="law_amended", reason="《食品安全法》2021年修正"
    )
    steps: dict[str, list[tuple[str, User]]] = {
        "draft": [],
        "first_review": [("file", world.county_user)]
        + ([("owner_concur", world.drafter)] if owner_heard else []),
        "legality_review": [
            ("file", world.county_user),
            ("owner_concur", world.drafter),
            ("pass", world.approver),
        ],
        "returned": [("file", world.county_user), ("return", world.approver)],
        "published": [
            ("file", world.county_user),
            ("owner_concur", world.drafter),
            ("pass", world.approver),
            ("pass", world.lawyer),
        ],
    }
    for name, actor in steps[state]:
        cr = services.change_request_transition(
            change_request=cr, transition=name, actor=actor, reason="意见"
        )
    assert cr.status == state
    return ChangeRequest.objects.get(pk=cr.pk)


# --- import files ------------------------------------------------------------------------------

ITEM_HEADER = [label for _k, label in ITEM_COLUMNS]


def item_row(
    code: str, seq: int, *, dept: str = "scjg", basis: str = "《食品安全法》第一百一十条", **over: str
) -> list[str]:
    values = {
        "code": code,
        "name": "食品销售经营者监督检查",
        "department": dept,
        "legal_basis": basis,
        "power_items": "JC-SCJG-001",
        "methods": "双随机;信用监管",
        "entity_types": "企业;个体工商户",
        "industries": "51;52",
        "domains": "food",
        "default_ratio": "5",
        "default_frequency": "每年1次",
        "procedure": "出示证件；现场检查；制作笔录",
        "method": "查阅资料、现场查看",
        "involved_departments": "hbj",
        "cp_seq": str(seq),
        "cp_content": f"检查要点{seq}",
        "cp_legal_basis": "《食品安全法》第三十五条",
        "cp_finding": "未取得许可",
        "cp_method": "查阅证照",
    }
    values.update(over)
    return [values[k] for k, _l in ITEM_COLUMNS]


def items_csv(rows: list[list[str]], encoding: str = "utf-8", header: list[str] = ITEM_HEADER) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


GOOD_ROWS = [
    item_row("JG-A-001", 1),
    item_row("JG-A-001", 2),
    item_row("JG-A-002", 1),
    item_row("JG-A-002", 2),
    item_row("JG-A-002", 3),
]


def catalog_state() -> tuple[int, ...]:
    """Row counts of everything an import may write (items, versions, check points, history, power
    items, ledger entries): equal before and after means nothing was written."""
    from crossreg.catalog.models import CheckPoint, SupervisionItem, VersionEvent
    from crossreg.ledger.models import Entry

    return (
        SupervisionItem.objects.count(),
        ItemVersion.objects.count(),
        CheckPoint.objects.count(),
        VersionEvent.objects.count(),
        PowerItem.objects.count(),
        Entry.objects.count(),
    )
