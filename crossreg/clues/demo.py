"""The demo city's clues: rules, monitoring devices on its factories, a fortnight of hourly HJ 212
data run through the real ingestion, complaints, and inspection outcomes for the targeting report.

Signals and outcomes both come from the hidden propensity (:mod:`crossreg.synth.propensity`),
independently drawn: signals (exceedance episodes, complaints) are more likely at entities that
violate more, with noise and false alarms; an inspection of an entity finds a violation with the
entity's propensity whether a clue or a random draw sent the inspectors. The lift in the report
is therefore what the signals are worth on this city, measured, not set. Idempotent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.db.models import Q
from django.utils import timezone

from crossreg.clues import services
from crossreg.clues.ingest import readings_ingest
from crossreg.clues.models import ClueBundle, Device, InspectionOutcome
from crossreg.clues.simulate import SimConfig, SimDevice, stream
from crossreg.entities.models import Entity
from crossreg.orgs.models import Department, Domain
from crossreg.synth.propensity import uniform, violation_propensity

MONITORED_INDUSTRIES = ("26", "25", "14", "13", "27", "17", "22", "44", "33", "30")
MAX_DEVICES = 120
HISTORY_DAYS = 14
COMPLAINT_CAP = 400


def _department_for(domain: str, fallback: str) -> Department | None:
    codes = services.departments_for_domain(domain)
    return (
        Department.objects.filter(code__in=codes).order_by("code").first()
        or Department.objects.filter(code=fallback).first()
        or Department.objects.filter(role="supervising").order_by("code").first()
    )


def rules_publish(actor: str) -> None:
    env = Domain.objects.get_or_create(code="environment", defaults={"name": "生态环境", "key": True})[0]
    food = Domain.objects.get_or_create(code="food", defaults={"name": "食品安全", "key": True})[0]
    basis = "《水污染防治法》第三十九条、第八十三条;GB 8978-1996 一级标准"
    services.rule_publish(
        actor=actor,
        code="cod-sustained",
        name="COD 持续超标 30 分钟(分钟数据)",
        kind="sustained",
        domain=env,
        risk_type="pollution_discharge",
        severity="high",
        params={"pollutant": "w01018", "limit": 50, "minutes": 30, "gap_minutes": 5},
        legal_basis=basis,
    )
    services.rule_publish(
        actor=actor,
        code="cod-hourly",
        name="COD 小时均值连续超标",
        kind="sustained",
        domain=env,
        risk_type="pollution_discharge",
        severity="high",
        params={"pollutant": "w01018", "limit": 50, "minutes": 60, "gap_minutes": 61, "value_kind": "Avg"},
        legal_basis=basis,
    )
    services.rule_publish(
        actor=actor,
        code="nh3-threshold",
        name="氨氮瞬时超标",
        kind="threshold",
        domain=env,
        risk_type="pollution_discharge",
        severity="low",
        params={"pollutant": "w21003", "limit": 8},
        legal_basis=basis,
    )
    services.rule_publish(
        actor=actor,
        code="repeat-complaints",
        name="同一窗口内 2 次以上投诉举报",
        kind="repeat",
        domain=food,
        risk_type="repeated_complaints",
        severity="medium",
        params={"source": "complaint", "count": 2, "days": 30},
    )
    services.rule_publish(
        actor=actor,
        code="iot-and-complaint",
        name="在线监测超标且有群众投诉",
        kind="combination",
        domain=env,
        risk_type="pollution_discharge",
        severity="critical",
        params={"all_of": ["cod-hourly", "repeat-complaints"], "days": 30},
    )


def devices_register(seed: int, actor: str) -> list[Device]:
    env_dept = _department_for("environment", "sthj")
    if env_dept is None:
        return []
    existing = list(Device.objects.filter(mn__startswith="DEMO").order_by("mn"))
    if existing:
        return existing
    ents = list(
        Entity.objects.filter(industry_id__in=MONITORED_INDUSTRIES, status__in=["active", "operating"])
        .order_by("pk")
        .values_list("pk", flat=True)[: MAX_DEVICES * 3]
    )
    if not ents:
        ents = list(Entity.objects.order_by("pk").values_list("pk", flat=True)[:MAX_DEVICES])
    pick = sorted(ents, key=lambda pk: float(uniform(seed, [pk], stream=61)[0]))[:MAX_DEVICES]
    today = timezone.localdate()
    out = []
    for i, pk in enumerate(sorted(pick)):
        e = Entity.objects.get(pk=pk)
        expired = i % 40 == 7
        unpublished = i % 60 == 11
        out.append(
            services.device_register(
                actor=actor,
                mn=f"DEMO{pk:010d}",
                name=f"{e.name[:40]} 废水总排口",
                entity=e,
                department=env_dept,
                domain="environment",
                measures=["w01018", "w21003"],
                site="DW001",
                lat=e.lat,
                lng=e.lng,
                reviewed_on=today - dt.timedelta(days=400),
                review_valid_until=today - dt.timedelta(days=30)
                if expired
                else today + dt.timedelta(days=700),
                location_published_url="" if unpublished else f"https://sthjj.yancheng.gov.cn/zxjc/{pk}",
            )
        )
    return out


def history_ingest(seed: int, devices: list[Device]) -> int:
    if not devices:
        return 0
    start = dt.datetime.combine(timezone.localdate() - dt.timedelta(days=HISTORY_DAYS), dt.time(0))
    cfg = SimConfig(
        seed=seed,
        start=start,
        steps=HISTORY_DAYS * 24,
        step_minutes=60,
        cn="2061",
        episode_rate=0.02,
        false_alarm_rate=0.0005,
        spike_rate=0.002,
        outage_rate=0.002,
    )
    sims = [SimDevice(d.mn, d.entity_id, d.entity.industry_id or "") for d in devices]
    batch: list[str] = []
    n = 0
    for _mn, packet in stream(cfg, sims):
        batch.append(packet)
        if len(batch) >= 5000:
            n += readings_ingest(packets=batch, channel="mqtt").accepted
            batch = []
    if batch:
        n += readings_ingest(packets=batch, channel="mqtt").accepted
    return n


def complaints_raise(seed: int, actor: str) -> int:
    """Complaint clues: likelier at entities that violate more, with a base rate of unfounded ones."""
    pool = list(
        Entity.objects.filter(Q(key_domains__code="food") | Q(industry_id__in=("62", "14", "13")))
        .filter(status__in=["active", "operating"])
        .distinct()
        .order_by("pk")
        .values_list("pk", "industry_id")[:20000]
    )
    if not pool:
        return 0
    ids = np.array([p for p, _ in pool], dtype=np.uint64)
    p = violation_propensity(seed, ids, [i for _, i in pool])
    noise = uniform(seed, ids, stream=71)
    chance = 0.004 + 0.25 * p * (0.5 + noise)
    hit = uniform(seed, ids, stream=72) < chance
    second = uniform(seed, ids, stream=73) < chance * 0.6
    dept = _department_for("food", "scjg")
    today = timezone.localdate()
    n = 0
    for k in np.flatnonzero(hit)[:COMPLAINT_CAP]:
        eid = int(ids[k])
        for j in range(2 if second[k] else 1):
            day = today - dt.timedelta(days=int(uniform(seed, [eid], stream=74 + j)[0] * 40))
            when = timezone.make_aware(dt.datetime.combine(day, dt.time(10 + j)))
            services.clue_raise(
                actor=actor,
                source="complaint",
                source_ref=f"DEMO-12345-{eid}-{j}",
                entity=Entity.objects.get(pk=eid),
                domain="food",
                risk_type="food_safety",
                severity="medium",
                observed_from=when,
                observed_to=when,
                summary="12345 热线:群众反映食品卫生问题",
                department_hint=dept,
            )
            n += 1
    return n


def outcomes_generate(seed: int) -> tuple[int, int]:
    """Outcomes of the clue-triggered tasks and of random inspections of the same domains."""
    today = timezone.localdate()
    period = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    targeted = list(
        ClueBundle.objects.exclude(task_code="").select_related("entity").order_by("first_signal_at", "pk")
    )
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    for b in targeted:
        if b.task_code in seen:
            continue
        seen.add(b.task_code)
        rows.append(
            {
                "code": b.task_code,
                "entity": b.entity,
                "domain": (b.domains or [""])[0],
                "first": b.first_signal_at,
            }
        )
    by_domain: dict[str, list[int]] = {}
    for d in Device.objects.filter(mn__startswith="DEMO").values_list("entity_id", flat=True):
        by_domain.setdefault("environment", []).append(d)
    by_domain["food"] = list(
        Entity.objects.filter(Q(key_domains__code="food") | Q(industry_id__in=("62", "14", "13")))
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)[:20000]
    )
    for row in rows:
        row["entity_id"] = row["entity"].pk
    ids = np.array([r["entity_id"] for r in rows], dtype=np.uint64)
    inds = [r["entity"].industry_id or "" for r in rows]
    if len(ids):
        prop = violation_propensity(seed, ids, inds)
        found = uniform(seed, ids, stream=81) < prop
        lag = (uniform(seed, ids, stream=82) * 18 + 2).astype(int)
        for r, f, g in zip(rows, found, lag, strict=True):
            InspectionOutcome.objects.update_or_create(
                task_code=r["code"],
                defaults={
                    "entity_id": r["entity_id"],
                    "trigger": "clue",
                    "domain": r["domain"],
                    "period": period,
                    "violation": bool(f),
                    "first_signal_at": r["first"],
                    "inspected_on": timezone.localtime(r["first"]).date() + dt.timedelta(days=int(g)),
                    "origin": InspectionOutcome.Origin.SYNTHETIC,
                },
            )
    n_random = 0
    for domain, pool in by_domain.items():
        if not pool:
            continue
        pids = np.array(sorted(set(pool)), dtype=np.uint64)
        pick = pids[np.argsort(uniform(seed, pids, stream=83))][: min(len(pids), 400)]
        inds_r = dict(Entity.objects.filter(pk__in=[int(x) for x in pick]).values_list("pk", "industry_id"))
        prop = violation_propensity(seed, pick, [inds_r.get(int(x)) or "" for x in pick])
        found = uniform(seed, pick, stream=84) < prop
        for eid, f in zip(pick, found, strict=True):
            InspectionOutcome.objects.update_or_create(
                task_code=f"SIM-R-{domain}-{int(eid)}",
                defaults={
                    "entity_id": int(eid),
                    "trigger": "random",
                    "domain": domain,
                    "period": period,
                    "violation": bool(f),
                    "first_signal_at": None,
                    "inspected_on": today,
                    "origin": InspectionOutcome.Origin.SYNTHETIC,
                },
            )
            n_random += 1
    return len(rows), n_random


def demo_build(*, seed: int, actor: str) -> str:
    rules_publish(actor)
    devices = devices_register(seed, actor)
    readings = history_ingest(seed, devices)
    complaints = complaints_raise(seed, actor)
    targeted, random_n = outcomes_generate(seed)
    bundles = ClueBundle.objects.count()
    return (
        f"clues: {len(devices)} devices, {readings} readings accepted, {complaints} complaint clues, "
        f"{bundles} bundles, outcomes {targeted} targeted / {random_n} random"
    )
