"""Test data for sampling and inspections: the web demo city plus published catalog items with
check points (two of which coincide across departments), officer logins and relaxed ranges."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from crossreg.catalog.models import CheckPoint, ItemVersion, SupervisionItem
from crossreg.orgs.models import Department, Officer, User
from crossreg.sampling import services
from crossreg.sampling.models import SamplingPlan
from crossreg.web.tests.factories import UserFactory, demo_city

PERIOD = "2025Q3"
P_START, P_END = dt.date(2025, 7, 1), dt.date(2025, 9, 30)
TODAY = dt.date(2025, 7, 1)
SEED_REFERENCE = "https://www.cwl.gov.cn/ygkj/wqkjgg/ssq/ 第2025075期"

_POINTS = {
    "smr": [
        ("是否取得营业执照并亮照经营", "市场主体登记管理条例第36条", "未亮照经营"),
        ("食品经营许可证是否在有效期内", "食品安全法第35条", "无证或超期经营"),
        ("消防安全出口是否畅通", "消防法第28条", "堵塞安全出口"),
    ],
    "mem": [
        ("安全生产责任制是否落实", "安全生产法第22条", "未建立责任制"),
        ("消防安全出口是否畅通。", "消防法第28条、安全生产法第42条", "堵塞安全出口"),
    ],
    "eeb": [("排污许可证执行情况", "排污许可管理条例第17条", "无证排污")],
    "hc": [("从业人员健康证明", "食品安全法第45条", "无健康证明上岗")],
}


def item_version(
    dept: Department, code: str, points: list[tuple[str, str, str]], number: int = 1
) -> ItemVersion:
    item, _ = SupervisionItem.objects.get_or_create(code=code, defaults={"department": dept})
    v = ItemVersion.objects.create(
        item=item,
        number=number,
        status=ItemVersion.Status.PUBLISHED,
        state_entered_at=timezone.now(),
        name=f"{dept.short_name}双随机抽查事项",
        methods=",random,",
        published_at=timezone.now(),
    )
    item.published = v
    item.save(update_fields=["published"])
    for i, (content, basis, finding) in enumerate(points, start=1):
        CheckPoint.objects.create(version=v, seq=i, content=content, legal_basis=basis, finding=finding)
    return v


def officer_user(officer: Officer, username: str) -> User:
    user = UserFactory.create(
        username=username, display_name=officer.name, department=officer.department, role=User.Role.OFFICER
    )
    officer.user = user
    officer.save(update_fields=["user"])
    return user


def sampling_city(settings: Any) -> dict[str, Any]:
    settings.CROSSREG = {
        **settings.CROSSREG,
        "SAMPLING_ENFORCE_CLASS_RANGES": False,
        "SAMPLING_KEY_INDUSTRIES": {},
        "HOLIDAYS": ["2025-10-01", "2025-10-02", "2025-10-03"],
    }
    city = demo_city()
    depts = city["departments"]
    city["versions"] = {
        code: item_version(depts[code], f"JG-{code.upper()}-0001", pts) for code, pts in _POINTS.items()
    }
    city["staff"] = {
        code: city["staff"]
        if code == "smr"
        else UserFactory.create(username=f"{code}_staff", department=depts[code], role=User.Role.STAFF)
        for code in ("smr", "mem", "eeb", "hc")
    }
    active = {
        code: list(
            Officer.objects.filter(
                department=depts[code], status=Officer.Status.ACTIVE, valid_until__gte=dt.date(2030, 1, 1)
            ).order_by("pk")
        )
        for code in depts
    }
    city["officers"] = active
    return city


def make_plan(
    city: dict[str, Any], dept: str, *, divisions: list[str], ratio: str = "100", **kw: Any
) -> SamplingPlan:
    defaults: dict[str, Any] = {
        "name": f"{dept} 2025年第三季度双随机抽查",
        "item_versions": [city["versions"][dept]],
        "period": PERIOD,
        "period_start": P_START,
        "period_end": P_END,
        "seed_source": "中国福利彩票双色球 2025-07-01 开奖号码",
        "seed_due": dt.date(2025, 7, 1),  # the day the seed source names
        "rules": {
            "A": {"ratio": "0", "minimum": 0},
            "B": {"ratio": ratio, "minimum": 1},
            "C": {"ratio": ratio, "minimum": 1},
            "D": {"ratio": "100", "minimum": 0},
        },
        "divisions": divisions,
        # The test city has no department lists: the tests draw from the registry, on the record.
        "source": SamplingPlan.Source.REGISTRY,
        "source_reason": "测试：全部市场主体",
    }
    defaults.update(kw)
    return services.plan_create(actor=city["staff"][dept], department=city["departments"][dept], **defaults)


def drawn_plan(
    city: dict[str, Any],
    dept: str,
    *,
    divisions: list[str],
    ratio: str = "100",
    seed: str = "03 07 12 19 25 31 + 09",
    seed_reference: str = SEED_REFERENCE,
    **kw: Any,
) -> SamplingPlan:
    plan = make_plan(city, dept, divisions=divisions, ratio=ratio, **kw)
    services.plan_publish(actor=city["staff"][dept], plan=plan)
    return services.plan_draw(actor=city["staff"][dept], plan=plan, seed=seed, seed_reference=seed_reference)


def department_list(dept: Department, entities: list[Any], *, domain: str | None = None) -> Any:
    """A current department list (部门监管对象名录) holding ``entities``, each row linked: the
    department's directory of supervised entities, as the object base keeps it."""
    import hashlib

    from crossreg.linking.models import SourceList, SourceRecord

    snapshot = SourceList.objects.filter(department=dept).count() + 1
    sl = SourceList.objects.create(
        department=dept,
        domain_id=domain,
        snapshot=snapshot,
        file_name=f"{dept.pk}-{snapshot}.csv",
        sha256=hashlib.sha256(f"{dept.pk}{snapshot}".encode()).hexdigest(),
        row_count=len(entities),
    )
    SourceRecord.objects.bulk_create(
        [
            SourceRecord(
                department=dept,
                source_list=sl,
                last_list=sl,
                record_key=f"{dept.pk}-{snapshot}-{i}",
                row_number=i + 2,
                raw={"名称": e.name},
                name=e.name,
                uscc=e.uscc or "",
                content_sha1=hashlib.sha1(e.name.encode()).hexdigest(),
                entity=e,
                link_method=SourceRecord.LinkMethod.USCC,
            )
            for i, e in enumerate(entities)
        ]
    )
    return sl


def item_applying_to(
    dept: Department,
    code: str,
    *,
    industries: str = "",
    entity_types: str = "",
    domains: tuple[str, ...] = (),
    points: list[tuple[str, str, str]] | None = None,
) -> ItemVersion:
    """A published item version that applies only to the given industries / types / key domains."""
    v = item_version(dept, code, points or [("检查要点", "依据", "问题")])
    v.industry_codes = industries
    v.entity_types = entity_types
    v.save(update_fields=["industry_codes", "entity_types"])
    if domains:
        from crossreg.orgs.models import Domain

        v.domains.set(Domain.objects.filter(code__in=domains))
    return v
