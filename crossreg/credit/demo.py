"""Credit's demo step (order 500): the demo model published through its workflow, the city's
history, every entity graded, one entity going from B to C after a penalty, one repaired."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from crossreg.core.demo import DemoContext

log = logging.getLogger(__name__)

#: The demo's public credit evaluation (dimensions after SAMR 国市监信发〔2022〕6号 and GB/T 45255).
DEMO_SPEC: dict[str, Any] = {
    "base_points": 1000,
    "weight_sum": 6,
    "cutoffs": [
        {"grade": "A", "min": 1030},
        {"grade": "B", "min": 960, "max": 1030},
        {"grade": "C", "min": 850, "max": 960},
        {"grade": "D", "max": 850},
    ],
    "dimensions": [
        {
            "code": "basic",
            "name": "基础信息",
            "weight": 0.5,
            "indicators": [
                {
                    "code": "provisional",
                    "name": "原暂定信用风险分类",
                    "rules": [
                        {"kind": "provisional_class", "category": "A", "points": 20, "decay": "none"},
                        {"kind": "provisional_class", "category": "C", "points": -20, "decay": "none"},
                        {"kind": "provisional_class", "category": "D", "points": -40, "decay": "none"},
                    ],
                }
            ],
        },
        {
            "code": "supervision",
            "name": "监管检查结果",
            "weight": 1.5,
            "indicators": [
                {
                    "code": "findings",
                    "name": "检查发现问题",
                    "cap": -200,
                    "rules": [{"kind": "inspection_finding", "points": -40, "decay": "linear"}],
                },
                {
                    "code": "clean_visits",
                    "name": "检查未发现问题",
                    "cap": 40,
                    "rules": [{"kind": "inspection_clean", "points": 10, "decay": "none"}],
                },
            ],
        },
        {
            "code": "penalty",
            "name": "行政处罚与强制",
            "weight": 1.5,
            "indicators": [
                {
                    "code": "penalties",
                    "name": "行政处罚",
                    "cap": -400,
                    "rules": [
                        {"kind": "penalty", "severity": "serious", "points": -200, "decay": "linear"},
                        {"kind": "penalty", "severity": "ordinary", "points": -100, "decay": "linear"},
                        {"kind": "penalty", "severity": "minor", "points": -30, "decay": "linear"},
                    ],
                },
                {
                    "code": "measures",
                    "name": "行政强制措施",
                    "cap": -200,
                    "rules": [{"kind": "compulsory_measure", "points": -60, "decay": "linear"}],
                },
            ],
        },
        {
            "code": "commitment",
            "name": "信用承诺履行",
            "weight": 1.0,
            "indicators": [
                {
                    "code": "broken",
                    "name": "违背信用承诺",
                    "cap": -200,
                    "rules": [{"kind": "commitment_broken", "points": -80, "decay": "linear"}],
                },
                {
                    "code": "kept",
                    "name": "履行信用承诺",
                    "cap": 40,
                    "rules": [{"kind": "commitment_kept", "points": 20, "decay": "none"}],
                },
            ],
        },
        {
            "code": "judicial",
            "name": "司法及其他",
            "weight": 0.5,
            "indicators": [
                {
                    "code": "court",
                    "name": "司法判决",
                    "rules": [{"kind": "court_judgment", "points": -100, "decay": "linear"}],
                },
                {
                    "code": "abnormal",
                    "name": "经营异常名录",
                    "rules": [{"kind": "abnormal_operation", "points": -60, "decay": "none"}],
                },
                {
                    "code": "manual",
                    "name": "人工录入",
                    "rules": [{"kind": "manual", "points": -50, "decay": "none"}],
                },
            ],
        },
        {
            "code": "social",
            "name": "社会评价",
            "weight": 1.0,
            "indicators": [
                {
                    "code": "complaints",
                    "name": "投诉举报查实",
                    "cap": -100,
                    "rules": [{"kind": "complaint_justified", "points": -25, "decay": "linear"}],
                }
            ],
        },
    ],
}

DEMO_MODEL = "public"


def credit_demo_load(*, actor: str, seed: int, today: dt.date | None = None) -> dict[str, Any]:
    """Idempotent: a second run finds everything done and changes nothing."""
    from crossreg.credit import services
    from crossreg.credit.models import CreditEvent, EvaluationModel, Grade, ModelVersion
    from crossreg.entities.models import Entity
    from crossreg.orgs.models import Department
    from crossreg.synth.history import history_generate

    day = today or timezone.localdate()
    out: dict[str, Any] = {}
    dept = Department.objects.filter(pk="fgw").first() or Department.objects.order_by("pk").first()
    if dept is None:
        return {"skipped": "no departments"}
    first_day = day - dt.timedelta(days=3 * 365)
    if not EvaluationModel.objects.filter(pk=DEMO_MODEL).exists():
        with transaction.atomic():
            v = services.model_create(
                actor=actor,
                code=DEMO_MODEL,
                name="盐城市公共信用综合评价模型",
                kind="public",
                department=dept,
                spec=DEMO_SPEC,
                note="首个版本：暂定分类迁移为人工输入",
            )
            v = services.model_version_transition(actor=actor, version=v, action="submit")
            services.model_version_transition(
                actor="system:demo-reviewer", version=v, action="publish", effective_from=first_day
            )
    out["model"] = f"{DEMO_MODEL}/v1"
    if not CreditEvent.objects.filter(source_type="entities.credit_class").exists():
        out["provisional"] = services.provisional_classes_migrate(actor=actor, on=first_day)
    if not CreditEvent.objects.filter(source_type="synth.history").exists():
        rows = list(Entity.objects.order_by("pk").values_list("pk", "industry_id"))
        frame = history_generate(
            seed=seed, ids=[r[0] for r in rows], industries=[r[1] for r in rows], today=day
        )
        dept_ids = list(
            Department.objects.filter(role=Department.Role.SUPERVISING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        import polars as pl

        if dept_ids:
            frame = frame.with_columns(
                department_id=pl.col("entity_id").map_elements(
                    lambda i: dept_ids[int(i) % len(dept_ids)], return_dtype=pl.Utf8
                )
            )
        out["history"] = services.credit_events_bulk_record(
            actor=actor, frame=frame, source_type="synth.history", reason="历史监管记录（合成城市）"
        )
    if not Grade.objects.filter(as_of=day).exists() or not Grade.objects.exists():
        out["evaluation"] = services.credit_evaluate_all(actor=actor, as_of=day)["distribution"]
    out.update(_story(actor=actor, day=day))
    out["published_versions"] = ModelVersion.objects.filter(status="published").count()
    return out


def _story(*, actor: str, day: dt.date) -> dict[str, Any]:
    """One entity from B to C after a penalty; one repaired (its record stops counting)."""
    from crossreg.credit import services
    from crossreg.credit.models import CreditEvent, Grade, RepairApplication

    out: dict[str, Any] = {}
    story = CreditEvent.objects.filter(source_type="demo", source_id="demo-penalty-1").first()
    if story is None:
        # a B entity whose score an ordinary penalty (−150) takes into C, not straight to D
        g = (
            Grade.objects.filter(current=True, grade="B", score_cents__gte=100000)
            .order_by("entity_id")
            .first()
        )
        if g is not None:
            e = services.credit_event_record(
                actor=actor,
                entity=g.entity_id,
                kind="penalty",
                occurred_on=day,
                source_type="demo",
                source_id="demo-penalty-1",
                severity="ordinary",
                reason="行政处罚决定（演示）：未按规定公示食品经营许可信息，罚款 5000 元",
                department_id="scjg" if _dept("scjg") else None,
            )
            story = e
    if story is not None:
        g = Grade.objects.filter(entity_id=story.entity_id, current=True).first()
        out["b_to_c"] = {"entity": story.entity_id, "grade": g.grade if g else None}
    if not RepairApplication.objects.filter(status="approved").exists():
        target = (
            CreditEvent.objects.filter(kind="penalty", severity="ordinary", repaired_on__isnull=True)
            .exclude(source_type="demo")
            .order_by("-occurred_on", "pk")
            .first()
        )
        if target is not None:
            app = services.repair_apply(
                actor=actor,
                event=target,
                correction="已全部整改并缴清罚款，建立进货查验制度",
                commitment_text="本企业承诺今后严格遵守法律法规，如有违反自愿接受惩戒",
                applied_on=day,
            )
            services.repair_decide(
                actor="system:demo-reviewer", application=app, action="approve", decided_on=day
            )
            out["repaired"] = {"entity": target.entity_id, "event": target.pk}
    return out


def _dept(code: str) -> bool:
    from crossreg.orgs.models import Department

    return Department.objects.filter(pk=code).exists()


def demo_step(ctx: DemoContext) -> str:
    return str(credit_demo_load(actor=ctx.actor, seed=ctx.seed))
