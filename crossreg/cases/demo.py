"""Demo cases for the synthetic city: every stage of the procedure, built through the services.

For each demo department (market regulation, emergency management, ecology, health): a head
(``<code>_head``) and a legal reviewer (``<code>_legal``) login (password as the other demo
logins), a penalty power item with a published discretion benchmark, and cases in every stage —
including overdue ones (dates in 2026, so some clocks have ended) and a revoked decision whose
publication was withdrawn. Inspection tasks of the demo with findings become case sources.

Dates are in 2026 on purpose: chinese-calendar 1.11 does not cover 2027, and the clocks of a case
filed late in 2026 would run into it (docs/workflows/case.md, "Calendar").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from crossreg.cases import services
from crossreg.cases.models import Case, CaseSource, DiscretionBenchmark
from crossreg.core.errors import DomainError
from crossreg.orgs.models import Department, Officer, User

DEMO_DEPARTMENTS = ("scjg", "yjgl", "sthj", "wjw")
STAGES = (
    "filed",
    "investigation",
    "review",
    "notice",
    "hearing",
    "legal_review",
    "reviewed",
    "discussion",
    "decided",
    "enforcement",
    "closed",
    "archived",
    "not_penalised",
    "withdrawn",
    "suspended",
    "transferred",
    "revoked",
    "published",
    "published",
    "published",
)
#: The other departments show the common stages only (the demo step stays fast).
SHORT = ("filed", "notice", "decided", "enforcement", "published", "closed")
D = dt.date


def _user(username: str, name: str, role: str, dept: Department) -> User:
    from crossreg.synth.people import DEMO_PASSWORD

    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(
            username=username,
            display_name=name,
            role=role,
            department=dept,
            password=make_password(DEMO_PASSWORD),
        )
    return user


def _benchmark(dept: Department, actor: str, head: User) -> Any:
    from crossreg.catalog.models import PowerItem
    from crossreg.catalog.schemas import PowerItemData
    from crossreg.catalog.services import power_item_save

    code = f"CF-{dept.pk.upper()}-001"
    item = PowerItem.objects.filter(code=code).first() or power_item_save(
        actor=actor,
        data=PowerItemData.model_validate(
            {
                "code": code,
                "name": f"{dept.short_name}：违反许可、备案规定的行政处罚",
                "kind": "penalty",
                "department": dept.pk,
                "legal_basis": "相关法律、法规",
            }
        ),
    )
    bm = DiscretionBenchmark.objects.filter(power_item=item, status="published").first()
    if bm is None:
        bm = services.benchmark_create(
            actor=head,
            power_item=item,
            entries=[
                {
                    "code": f"{dept.pk.upper()}-1",
                    "violation": "未依法取得许可或备案从事经营",
                    "legal_clause": "相关法律第X条第一款",
                    "kinds": ["warning", "fine", "confiscation"],
                    "fine_min": "1000",
                    "fine_max": "50000",
                    "suggested_min": "5000",
                    "suggested_max": "20000",
                    "factors": "从轻：首次、及时改正；从重：拒不改正、造成危害后果",
                },
                {
                    "code": f"{dept.pk.upper()}-2",
                    "violation": "情节严重的违法经营",
                    "legal_clause": "相关法律第X条第二款",
                    "kinds": ["fine", "confiscation", "suspend_business", "licence_revoke"],
                    "fine_min": "50000",
                    "fine_max": "500000",
                    "suggested_min": "100000",
                    "suggested_max": "300000",
                },
                {
                    "code": f"{dept.pk.upper()}-0",
                    "violation": "首次轻微违法、及时改正",
                    "legal_clause": "行政处罚法第三十三条",
                    "kinds": ["warning"],
                    "fine_min": "0",
                    "fine_max": "0",
                    "no_penalty": "first_offence",
                },
            ],
        )
        bm = services.benchmark_publish(actor=head, benchmark=bm)
    return {e.code[-1]: e for e in bm.entries.all()}


def _walk(
    case: Case, stage: str, *, users: dict[str, User], entries: dict[str, Any], start: dt.date, i: int
) -> Case:
    """Take a filed case to ``stage`` through the services, on dates counted from ``start``."""
    officer, head, legal = users["officer"], users["head"], users["legal"]

    def t(name: str, day: dt.date, **kw: Any) -> Case:
        return services.case_transition(
            case=case, transition=name, actor=kw.pop("actor", head), today=day, **kw
        )

    if stage == "filed":
        return case
    if stage in ("withdrawn", "transferred"):
        return t(
            "withdraw_case" if stage == "withdrawn" else "transfer",
            start,
            note="经查不构成违法" if stage == "withdrawn" else "不属本部门管辖，移送有管辖权的部门",
        )
    if stage == "suspended":
        return t("suspend", start + dt.timedelta(days=3), note="委托检验鉴定，中止计时")
    case = t("start_investigation", start, actor=officer)
    services.case_evidence_add(
        actor=officer,
        case=case,
        kind="questioning",
        title="询问笔录（当事人）",
        content=f"询问笔录 {case.number} {i}".encode(),
        filename="record.txt",
        today=start,
    )
    if stage == "investigation":
        return case
    heavy = stage in ("hearing", "legal_review", "reviewed")
    entry = entries["2"] if heavy else entries["1"]
    fine = Decimal(150000 if heavy else [3000, 6000, 8000, 12000, 15000, 22000][i % 6])
    case = services.case_penalty_propose(
        actor=officer,
        case=case,
        kinds=["fine"],
        fine=fine,
        entry=entry,
        deviation_reason=""
        if entry.suggested_min <= fine <= entry.suggested_max
        else "情节较轻/较重，见案卷",
        today=start,
    )
    case = t("submit_review", start + dt.timedelta(days=1), actor=officer)
    if stage == "review":
        return case
    if stage == "not_penalised":
        case = t(
            "decide_no_penalty",
            start + dt.timedelta(days=2),
            note="首次违法且危害后果轻微并及时改正（第33条）",
        )
        return t("close", start + dt.timedelta(days=3))
    notice_day = start + dt.timedelta(days=2)
    case = t("issue_notice", notice_day)
    case = services.case_notice_serve(actor=officer, case=case, served_on=notice_day, today=notice_day)
    if stage == "notice":
        return case
    if stage == "hearing":
        return t("request_hearing", notice_day + dt.timedelta(days=2), actor=officer)
    case = services.case_defence_waive(
        actor=officer, case=case, note="当事人书面放弃陈述申辩和听证", today=notice_day
    )
    if stage in ("legal_review", "reviewed"):
        case = t("submit_legal_review", notice_day + dt.timedelta(days=1), actor=officer)
        if stage == "legal_review":
            return case
        return t(
            "pass_legal_review",
            notice_day + dt.timedelta(days=3),
            actor=legal,
            note="事实清楚，证据确凿，适用依据正确，程序合法",
        )
    if stage == "discussion":
        return t("convene_discussion", notice_day + dt.timedelta(days=1))
    decide_day = notice_day + dt.timedelta(days=1)
    if services.gates.legal_review_triggers(case):  # Art. 58: reviewed before the decision
        case = t("submit_legal_review", notice_day, actor=officer)
        case = t(
            "pass_legal_review", decide_day, actor=legal, note="事实清楚，证据确凿，适用依据正确，程序合法"
        )
    case = t("decide", decide_day)
    if stage == "decided":
        return case  # not served: the 7-day service clock is overdue
    case = t("serve_decision", decide_day + dt.timedelta(days=1), actor=officer, data={"method": "direct"})
    if stage in ("published", "revoked"):
        case = services.case_publish(actor=officer, case=case, today=decide_day + dt.timedelta(days=2))
    if stage == "revoked":
        case = t("revoke_decision", decide_day + dt.timedelta(days=10), note="行政复议决定撤销原处罚决定")
        return services.case_publication_withdraw(
            actor=officer,
            case=case,
            reason="原处罚决定经行政复议被撤销",
            today=decide_day + dt.timedelta(days=11),
        )
    if stage in ("enforcement", "published"):
        return case
    case = services.case_payment_record(
        actor=officer,
        case=case,
        paid_on=decide_day + dt.timedelta(days=5),
        today=decide_day + dt.timedelta(days=5),
    )
    case = t("close", decide_day + dt.timedelta(days=6))
    if stage == "archived":
        case = t("archive", decide_day + dt.timedelta(days=7), actor=officer)
    return case


def _officers(dept: Department, on: dt.date) -> list[Officer]:
    return list(
        Officer.objects.filter(
            department=dept, status="active", valid_from__lte=on, valid_until__gte=D(2027, 12, 31)
        ).order_by("certificate_no")[:6]
    )


def cases_demo_load(*, actor: str, seed: int) -> str:
    """Idempotent: does nothing if the demo departments already have cases."""
    depts = list(Department.objects.filter(pk__in=DEMO_DEPARTMENTS).order_by("pk"))
    if not depts:
        depts = list(Department.objects.filter(role="supervising").order_by("pk")[:4])
    done = set(CaseSource.objects.filter(ref__startswith="DEMO-").values_list("ref", flat=True))
    if any(r.endswith("-SRC1") for r in done):
        return f"already loaded ({Case.objects.count()} cases)"
    from crossreg.entities.models import Entity

    made, failed = 0, 0
    reasons: list[str] = []
    entities = list(Entity.objects.filter(status="active").order_by("pk")[: len(depts) * (len(STAGES) + 2)])
    ent_iter = iter(entities)
    # an inspection's findings become sources first (registered by the system, as the subscriber does)
    from crossreg.inspections.models import InspectionTask

    for code in (
        InspectionTask.objects.filter(points__result="finding").values_list("code", flat=True).distinct()[:10]
    ):
        try:
            services.case_sources_from_task(actor="system:demo", task_code=code)
        except DomainError:
            failed += 1
    for n, dept in enumerate(depts):
        officers = _officers(dept, D(2026, 1, 5))
        if len(officers) < 2:
            continue
        users = {
            "head": _user(f"{dept.pk}_head", f"{dept.short_name}负责人", User.Role.DEPT_HEAD, dept),
            "legal": _user(f"{dept.pk}_legal", f"{dept.short_name}法制审核", User.Role.LEGAL, dept),
            "officer": officers[0].user
            or _user(f"{dept.pk}_caseofficer", officers[0].name, User.Role.OFFICER, dept),
        }
        if officers[0].user_id is None:
            Officer.objects.filter(pk=officers[0].pk).update(user=users["officer"])
            officers[0].refresh_from_db()
        entries = _benchmark(dept, actor, users["head"])
        for i, stage in enumerate(STAGES if n == 0 else SHORT):
            entity = next(ent_iter, None)
            if entity is None:
                break
            if f"DEMO-{dept.pk}-{i:03d}" in done:
                continue
            # spread over 2026: some started early (their clocks have ended: overdue), most later
            start = D(2026, 1, 12) + dt.timedelta(days=(i * 11 + n * 3) % 230)
            team = [officers[(i + k) % len(officers)] for k in (0, 1)]
            try:
                with transaction.atomic():
                    source = services.case_source_register(
                        actor=users["head"],
                        department=dept,
                        entity=entity,
                        kind=["inspection", "complaint", "clue", "manual"][i % 4],
                        ref=f"DEMO-{dept.pk}-{i:03d}",
                        summary=f"{entity.name}涉嫌违法（演示）",
                        discovered_on=start,
                    )
                    case = services.case_file(
                        actor=users["head"],
                        source=source,
                        officers=team,
                        title="未依法取得许可从事经营（演示）",
                        facts=f"{entity.name}未依法取得许可从事经营活动",
                        today=start,
                        major_case=stage == "discussion",
                    )
                    _walk(case, stage, users=users, entries=entries, start=start, i=i)
                made += 1
            except DomainError as exc:
                failed += 1
                reasons.append(f"{stage}: {exc}")
        # one pending source past its filing deadline, one fresh
        for k, day in enumerate((D(2026, 2, 2), D(2026, 11, 20))):
            entity = next(ent_iter, None)
            if entity is not None and f"DEMO-{dept.pk}-SRC{k}" not in done:
                services.case_source_register(
                    actor=users["head"],
                    department=dept,
                    entity=entity,
                    kind="complaint",
                    ref=f"DEMO-{dept.pk}-SRC{k}",
                    summary="群众举报（演示）",
                    discovered_on=day,
                )
    pending = CaseSource.objects.filter(status="registered").count()
    return f"{made} cases in {len(STAGES)} stages across {len(depts)} departments, {pending} sources pending, {failed} refused{(': ' + '; '.join(reasons[:3])) if reasons else ''}"
