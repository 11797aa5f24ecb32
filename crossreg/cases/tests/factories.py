"""Test data for cases: a small city (web demo_city) with a market-regulation department whose
people hold every case role, a published discretion benchmark, and helpers that walk a case
through the procedure with the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from crossreg.cases import services
from crossreg.cases.models import Case, CaseSource, DiscretionEntry
from crossreg.catalog.models import PowerItem
from crossreg.orgs.models import Officer, User
from crossreg.web.tests.factories import UserFactory, demo_city

#: A plain working week in 2026 (no holiday near): filing, notice and decision dates for tests.
MONDAY = dt.date(2026, 3, 9)


def cases_city(settings: Any | None = None) -> dict[str, Any]:
    """With ``settings``, the sampling test city (published items with check points), so that an
    inspection task can be drawn for it (:func:`inspected_task`)."""
    if settings is not None:
        from crossreg.sampling.tests.factories import sampling_city

        city = sampling_city(settings)
    else:
        city = demo_city()
    smr = city["departments"]["smr"]
    officers = list(
        Officer.objects.filter(
            department=smr, status=Officer.Status.ACTIVE, valid_until__gte=dt.date(2030, 1, 1)
        ).order_by("pk")
    )
    assert len(officers) >= 2
    users = {
        "officer": UserFactory.create(
            username="smr_officer", display_name=officers[0].name, department=smr, role=User.Role.OFFICER
        ),
        "officer2": UserFactory.create(username="smr_officer2", department=smr, role=User.Role.OFFICER),
        "staff": city["staff"]["smr"] if isinstance(city["staff"], dict) else city["staff"],
        "head": UserFactory.create(
            username="smr_head", display_name="李局长", department=smr, role=User.Role.DEPT_HEAD
        ),
        "legal": UserFactory.create(
            username="smr_legal", display_name="法制科", department=smr, role=User.Role.LEGAL
        ),
        "other_head": UserFactory.create(
            username="mem_head", department=city["departments"]["mem"], role=User.Role.DEPT_HEAD
        ),
        "other_legal": UserFactory.create(
            username="mem_legal", department=city["departments"]["mem"], role=User.Role.LEGAL
        ),
        "leader": UserFactory.create(
            username="leader", role=User.Role.LEADER, department=city["departments"]["bigdata"]
        ),
    }
    officers[0].user = users["officer"]
    officers[0].save(update_fields=["user"])
    officers[1].user = users["officer2"]
    officers[1].save(update_fields=["user"])
    item = PowerItem.objects.create(
        code="CF-SMR-0001",
        name="对未亮照经营的行政处罚",
        kind=PowerItem.Kind.PENALTY,
        department=smr,
        legal_basis="市场主体登记管理条例第47条",
    )
    bm = services.benchmark_create(
        actor=users["head"],
        power_item=item,
        entries=[
            {
                "code": "SMR-47-1",
                "violation": "未将营业执照置于住所醒目位置",
                "legal_clause": "《市场主体登记管理条例》第四十七条",
                "kinds": ["warning", "fine"],
                "fine_min": "0",
                "fine_max": "3000",
                "suggested_min": "500",
                "suggested_max": "1500",
            },
            {
                "code": "SMR-47-2",
                "violation": "无证经营（情节严重）",
                "legal_clause": "《无证无照经营查处办法》第十三条",
                "kinds": ["fine", "confiscation", "licence_revoke"],
                "fine_min": "5000",
                "fine_max": "500000",
                "suggested_min": "20000",
                "suggested_max": "200000",
            },
            {
                "code": "SMR-47-0",
                "violation": "首次未亮照、及时改正",
                "legal_clause": "《市场主体登记管理条例》第四十七条",
                "kinds": ["warning"],
                "fine_min": "0",
                "fine_max": "0",
                "no_penalty": "first_offence",
            },
        ],
    )
    services.benchmark_publish(actor=users["head"], benchmark=bm)
    city.update(
        users=users,
        smr=smr,
        officers=officers,
        power_item=item,
        benchmark=bm,
        entries={e.code: e for e in bm.entries.all()},
    )
    return city


def source(city: dict[str, Any], ref: str = "T-1", discovered_on: dt.date = MONDAY, **kw: Any) -> CaseSource:
    return services.case_source_register(
        actor=city["users"]["staff"],
        department=city["smr"],
        entity=city["hengda"],
        kind="inspection",
        ref=ref,
        summary="未亮照经营",
        discovered_on=discovered_on,
        evidence=["a" * 64],
        **kw,
    )


def filed(city: dict[str, Any], ref: str = "T-1", today: dt.date = MONDAY, **kw: Any) -> Case:
    return services.case_file(
        actor=city["users"]["head"],
        source=source(city, ref, discovered_on=today),
        officers=city["officers"][:2],
        title="未亮照经营",
        facts="现场检查发现未亮照经营",
        today=today,
        **kw,
    )


def noticed(
    city: dict[str, Any],
    *,
    fine: str = "1000",
    entry: str = "SMR-47-1",
    kinds: tuple[str, ...] = ("fine",),
    today: dt.date = MONDAY,
    **kw: Any,
) -> Case:
    """Filed, investigated, penalty proposed, reviewed and the notice issued and served (today)."""
    u = city["users"]
    case = filed(city, today=today, **kw)
    case = services.case_transition(
        case=case, transition="start_investigation", actor=u["officer"], today=today
    )
    e: DiscretionEntry = city["entries"][entry]
    case = services.case_penalty_propose(
        actor=u["officer"],
        case=case,
        kinds=kinds,
        fine=Decimal(fine),
        entry=e,
        deviation_reason="情节较重" if Decimal(fine) > e.suggested_max else "",
        today=today,
    )
    case = services.case_transition(case=case, transition="submit_review", actor=u["officer"], today=today)
    case = services.case_transition(case=case, transition="issue_notice", actor=u["head"], today=today)
    return services.case_notice_serve(actor=u["officer"], case=case, served_on=today, today=today)


def inspected_task(city: dict[str, Any], on: dt.date = MONDAY) -> Any:
    """A joint inspection of 恒达 by smr and mem, submitted with one finding in each department's
    domain and a photo (test data written directly, as the inspection app would have)."""
    from django.utils import timezone

    from crossreg.inspections.models import InspectionTask, TaskPhoto
    from crossreg.sampling import services as sampling
    from crossreg.sampling.tests.factories import PERIOD, TODAY, drawn_plan

    drawn_plan(city, "smr", divisions=["320902"])
    drawn_plan(city, "mem", divisions=["320902"])
    sampling.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    task = InspectionTask.objects.get(entity=city["hengda"])
    points = list(task.points.order_by("seq"))
    for p in points:
        p.result = "pass"
    by_dept = {d: next(p for p in points if d in p.departments) for d in ("smr", "mem")}
    for d, p in by_dept.items():
        p.result, p.note = "finding", f"{d} 发现问题：{p.content}"
    for p in points:
        p.save(update_fields=["result", "note"])
    TaskPhoto.objects.create(
        task=task, sha256="b" * 64, size=1234, file="inspections/x.jpg", uploaded_by=city["users"]["officer"]
    )
    InspectionTask.objects.filter(pk=task.pk).update(
        status="submitted", inspected_on=on, submitted_at=timezone.now(), follow_up=True
    )
    task.refresh_from_db()
    return task
