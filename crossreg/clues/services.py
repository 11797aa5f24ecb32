"""Writes for clues: raise a clue, bundle it, escalate a bundle to one task, handle it remotely.

Every service is keyword-only and atomic and writes its ledger entry with the entity as a ref.
Bundling is idempotent: a clue's bundle is fixed by ``entity × risk type × window``, aggregates are
recomputed from the bundle's clues (never incremented), and a task is created when the score —
which only grows as clues join — crosses the threshold. So the same clues in any order, or twice,
give the same bundles and the same single task (tests/test_replay.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crossreg.clues import conf
from crossreg.clues.models import (
    SEVERITY_ORDER,
    SEVERITY_WEIGHT,
    BundleEvent,
    Clue,
    ClueBundle,
    Device,
    EvidenceSnapshot,
    Proof,
    Reading,
    RuleVersion,
    Severity,
    Source,
)
from crossreg.clues.workflow import transition_check
from crossreg.core.audit import audit_record
from crossreg.core.errors import Conflict, Invalid
from crossreg.core.events import domain_event_publish
from crossreg.entities.models import Entity
from crossreg.orgs.models import Department, Domain, User

log = logging.getLogger(__name__)

Actor = User | str


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _label(actor: Actor) -> str:
    return actor if isinstance(actor, str) else actor.username


def _aware(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_default_timezone())
    return value


# --- entity resolution -----------------------------------------------------------------------


def entity_resolve(hint: Mapping[str, Any] | None) -> Entity | None:
    """The entity a hint points at: by USCC, by normalised name, or the nearest registered site.

    ``None`` when nothing is certain (the clue waits in the queue for a person)."""
    if not hint:
        return None
    uscc = str(hint.get("uscc") or "").strip().upper()
    if uscc:
        found = Entity.objects.filter(uscc=uscc).first()
        if found is not None:
            return found
    name = str(hint.get("name") or "").strip()
    if name:
        from crossreg.entities.names import normalize_name

        matches = list(Entity.objects.filter(name_norm=normalize_name(name))[:2])
        if len(matches) == 1:
            return matches[0]
    lat, lng = hint.get("lat"), hint.get("lng")
    if lat is not None and lng is not None:
        return _nearest_site(float(lat), float(lng))
    return None


def _nearest_site(lat: float, lng: float, radius_m: float = 50.0) -> Entity | None:
    """The monitored site (device location) within ``radius_m``, else the one registered entity there."""
    d = radius_m / 111_000.0
    devices = Device.objects.filter(lat__range=(lat - d, lat + d), lng__range=(lng - d, lng + d))
    owners = {dv.entity_id for dv in devices}
    if len(owners) == 1:
        return Entity.objects.get(pk=owners.pop())
    near = list(Entity.objects.filter(lat__range=(lat - d, lat + d), lng__range=(lng - d, lng + d))[:2])
    return near[0] if len(near) == 1 else None


# --- departments concerned -------------------------------------------------------------------


def departments_for_domain(domain_code: str) -> list[str]:
    """Department codes responsible for a domain (configuration first, then departments' domains)."""
    configured = conf.domain_departments()
    if configured is not None and domain_code in configured:
        return configured[domain_code]
    return list(
        Department.objects.filter(domains__code=domain_code, parent__isnull=True)
        .order_by("code")
        .values_list("code", flat=True)
    )


def _clue_department(*, hint: Department | None, device: Device | None, domain: Domain) -> Department | None:
    if hint is not None:
        return hint
    if device is not None:
        return device.department
    codes = departments_for_domain(domain.code)
    return Department.objects.filter(code=codes[0]).first() if codes else None


# --- raising a clue --------------------------------------------------------------------------


def _domain(value: Domain | str) -> Domain:
    if isinstance(value, Domain):
        return value
    found = Domain.objects.filter(code=value).first()
    if found is None:
        raise Invalid(_("未知的领域:%(code)s") % {"code": value}, field="domain")
    return found


def _department(value: Department | str | None) -> Department | None:
    if value is None or isinstance(value, Department):
        return value
    found = Department.objects.filter(code=value).first()
    if found is None:
        raise Invalid(_("未知的部门:%(code)s") % {"code": value}, field="department_hint")
    return found


@transaction.atomic
def clue_raise(
    *,
    actor: Actor,
    source: str,
    source_ref: str,
    entity: Entity | None = None,
    entity_hint: Mapping[str, Any] | None = None,
    domain: Domain | str,
    risk_type: str,
    severity: str,
    observed_from: dt.datetime,
    observed_to: dt.datetime,
    summary: str,
    evidence: Sequence[Mapping[str, Any]] = (),
    department_hint: Department | str | None = None,
    rule: RuleVersion | None = None,
    explanation: Mapping[str, Any] | None = None,
    device: Device | None = None,
) -> Clue:
    """Record a clue (idempotent by ``(source, source_ref)``) and put it in its bundle.

    Raised again with the same source and ref, the clue's observed window is widened (a repeat of
    an alarm) and its bundle updated; nothing is duplicated. A clue whose entity cannot be resolved
    waits in the queue (``entity`` null) until :func:`clue_entity_assign`."""
    if source not in Source.values:
        raise Invalid(_("未知的线索来源:%(s)s") % {"s": source}, field="source")
    if severity not in Severity.values:
        raise Invalid(_("未知的严重程度:%(s)s") % {"s": severity}, field="severity")
    if not source_ref or len(source_ref) > 120:
        raise Invalid(_("来源编号必填,且不超过120个字符"), field="source_ref")
    if not risk_type:
        raise Invalid(_("风险类型必填"), field="risk_type")
    observed_from, observed_to = _aware(observed_from), _aware(observed_to)
    if observed_to < observed_from:
        raise Invalid(_("发现时段止不能早于发现时段起"), field="observed_to")
    summary = _clean_text(summary, "summary")
    dom = _domain(domain)
    hint_dept = _department(department_hint)
    existing = Clue.objects.select_for_update().filter(source=source, source_ref=source_ref).first()
    if existing is not None:
        return _clue_repeat(existing, observed_from, observed_to, explanation, actor)
    if entity is None:
        entity = entity_resolve(entity_hint)
    clue = Clue(
        source=source,
        source_ref=source_ref,
        entity=entity,
        entity_hint=dict(entity_hint or {}),
        domain=dom,
        risk_type=risk_type,
        severity=severity,
        observed_from=observed_from,
        observed_to=observed_to,
        summary=summary,
        evidence=[dict(e) for e in evidence],
        department_hint=hint_dept,
        department=_clue_department(hint=hint_dept, device=device, domain=dom),
        rule=rule,
        device=device,
        explanation=dict(explanation or {}),
        raised_by=_label(actor),
    )
    try:
        with transaction.atomic():
            clue.save()
    except IntegrityError:  # raised concurrently by another worker: theirs is the clue
        existing = Clue.objects.select_for_update().get(source=source, source_ref=source_ref)
        return _clue_repeat(existing, observed_from, observed_to, explanation, actor)
    audit_record(
        actor=actor,
        action="clue.raised",
        subject_type="clue",
        subject_id=clue.pk,
        payload={
            "source": source,
            "source_ref": source_ref,
            "domain": dom.code,
            "risk_type": risk_type,
            "severity": severity,
            "observed_from": observed_from.isoformat(),
            "observed_to": observed_to.isoformat(),
            "rule": f"{rule.code}/v{rule.version}" if rule else None,
        },
        evidence=[str(e["sha256"]) for e in evidence if e.get("sha256")],
        refs=[("entity", entity.pk)] if entity else [],
    )
    if entity is not None:
        _bundle_join(clue, actor)
        if source != Source.RULE:
            _derived_rules(clue, actor)
    return clue


def _derived_rules(clue: Clue, actor: Actor) -> None:
    """Repeat and combination rules over an entity's clues in the clue's window (fixed windows, so
    the same clues fire the same derived clue in any order). A derived clue's source is ``rule``
    and it names the clues that fired it."""
    rules = list(
        RuleVersion.objects.filter(
            status=RuleVersion.Status.PUBLISHED,
            kind__in=[RuleVersion.Kind.REPEAT, RuleVersion.Kind.COMBINATION],
        ).select_related("domain")
    )
    if not rules or clue.entity_id is None:
        return
    w_start, w_end = conf.window_of(_local_date(clue.observed_from))
    lo = timezone.make_aware(dt.datetime.combine(w_start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(w_end, dt.time.max))
    peers = list(
        Clue.objects.filter(entity_id=clue.entity_id, observed_from__range=(lo, hi))
        .exclude(source=Source.RULE)
        .select_related("rule")
        .order_by("observed_from", "source", "source_ref")
    )
    for rule in rules:
        p = rule.params
        if rule.kind == RuleVersion.Kind.REPEAT:
            hits = [
                c
                for c in peers
                if (not p.get("source") or c.source == p["source"])
                and (not p.get("risk_type") or c.risk_type == p["risk_type"])
            ]
            fired = len(hits) >= int(p["count"])
        else:
            codes = set(p["all_of"])
            hits = [c for c in peers if c.rule is not None and c.rule.code in codes]
            fired = {c.rule.code for c in hits if c.rule} >= codes
        if not fired:
            continue
        clue_raise(
            actor=actor,
            source=Source.RULE,
            source_ref=f"{rule.code}/v{rule.version}:{clue.entity_id}:{w_start.isoformat()}",
            entity=clue.entity,
            domain=rule.domain,
            risk_type=rule.risk_type,
            severity=rule.severity,
            observed_from=min(c.observed_from for c in hits),
            observed_to=max(c.observed_to for c in hits),
            summary=f"{rule.name}({len(hits)} 条线索)",
            rule=rule,
            explanation={
                "rule": f"{rule.code}/v{rule.version}",
                "clues": [f"{c.source}:{c.source_ref}" for c in hits][:200],
                "readings": [],
            },
        )


def _clean_text(value: str, field: str, *, multiline: bool = False) -> str:
    """Free text from people or systems: markup refused with the field named (core.text)."""
    from crossreg.core.text import text_clean

    return text_clean(value or "", field=field, multiline=multiline)[:300]


def _clue_repeat(
    clue: Clue,
    observed_from: dt.datetime,
    observed_to: dt.datetime,
    explanation: Mapping[str, Any] | None,
    actor: Actor,
) -> Clue:
    changed = False
    if observed_from < clue.observed_from:
        clue.observed_from, changed = observed_from, True
    if observed_to > clue.observed_to:
        clue.observed_to, changed = observed_to, True
        if clue.cleared_at is not None and clue.cleared_at < observed_to:
            clue.cleared_at = None  # the alarm came back after it had cleared
    if explanation:
        merged = _explanation_merge(clue.explanation, explanation)
        if merged != clue.explanation:
            clue.explanation, changed = merged, True
    if changed:
        clue.save(update_fields=["observed_from", "observed_to", "cleared_at", "explanation"])
        if clue.bundle_id is not None:
            _bundle_refresh(
                ClueBundle.objects.select_for_update().get(pk=clue.bundle_id), actor, "clue_repeat"
            )
    return clue


def _explanation_merge(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Keep the triggering readings of every firing (by message key), ordered by time, at most 200."""
    out = dict(old)
    rows = {r["key"]: r for r in [*old.get("readings", []), *new.get("readings", [])]}
    out.update({k: v for k, v in new.items() if k != "readings"})
    out["readings"] = sorted(rows.values(), key=lambda r: (r["time"], r["key"]))[:200]
    return out


@transaction.atomic
def clue_entity_assign(*, actor: Actor, clue: Clue, entity: Entity) -> Clue:
    """A person resolves a queued clue's entity; it joins its bundle."""
    clue = Clue.objects.select_for_update().get(pk=clue.pk)
    if clue.entity_id is not None:
        raise Conflict(_("该线索已关联市场主体"), field="entity")
    clue.entity = entity
    clue.save(update_fields=["entity"])
    audit_record(
        actor=actor,
        action="clue.entity_assigned",
        subject_type="clue",
        subject_id=clue.pk,
        payload={"entity": entity.pk},
        refs=[("entity", entity.pk)],
    )
    _bundle_join(clue, actor)
    return clue


# --- bundles ---------------------------------------------------------------------------------


def bundle_key(entity_id: int, risk_type: str, window_start: dt.date) -> str:
    return f"{entity_id}:{risk_type}:{window_start.isoformat()}"


def _local_date(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


def _bundle_join(clue: Clue, actor: Actor) -> ClueBundle:
    assert clue.entity_id is not None
    start, end = conf.window_of(_local_date(clue.observed_from))
    key = bundle_key(clue.entity_id, clue.risk_type, start)
    bundle = ClueBundle.objects.select_for_update().filter(key=key).first()
    created = False
    if bundle is None:
        try:
            with transaction.atomic():
                bundle = ClueBundle.objects.create(
                    key=key,
                    entity_id=clue.entity_id,
                    risk_type=clue.risk_type,
                    window_start=start,
                    window_end=end,
                    first_signal_at=clue.observed_from,
                    last_signal_at=clue.observed_to,
                )
            created = True
        except IntegrityError:
            bundle = ClueBundle.objects.select_for_update().get(key=key)
    clue.bundle = bundle
    clue.save(update_fields=["bundle"])
    _bundle_refresh(bundle, actor, "opened" if created else "clue_joined", clue=clue)
    return bundle


def _bundle_refresh(bundle: ClueBundle, actor: Actor, why: str, clue: Clue | None = None) -> None:
    """Recompute a bundle from its clues (order-independent), record it, escalate if due."""
    clues = list(bundle.clues.select_related("department", "domain", "device__department").all())
    before = (bundle.status, bundle.score, bundle.severity, bundle.clue_count)
    bundle.clue_count = len(clues)
    bundle.score = sum(SEVERITY_WEIGHT[c.severity] for c in clues)
    bundle.severity = max((c.severity for c in clues), key=SEVERITY_ORDER.index, default="low")
    bundle.domains = sorted({c.domain_id for c in clues})
    bundle.sources = sorted({c.source for c in clues})
    bundle.first_signal_at = min(c.observed_from for c in clues)
    bundle.last_signal_at = max(c.observed_to for c in clues)
    all_cleared = bool(clues) and all(c.cleared_at is not None for c in clues)
    was_open = bundle.status == ClueBundle.Status.OPEN
    if all_cleared:
        bundle.status = ClueBundle.Status.CLOSED
        bundle.closed_at = max(c.cleared_at for c in clues if c.cleared_at)
    elif bundle.handling != ClueBundle.Handling.CLOSED:
        bundle.status = ClueBundle.Status.OPEN
        bundle.closed_at = None
    depts: set[str] = set()
    for c in clues:
        if c.department_id:
            depts.add(c.department_id)
        depts.update(departments_for_domain(c.domain_id))
    ranked = sorted(
        clues, key=lambda c: (-SEVERITY_WEIGHT[c.severity], c.observed_from, c.source, c.source_ref)
    )
    lead = next((c.department_id for c in ranked if c.department_id), None)
    bundle.lead_department_id = lead or (sorted(depts)[0] if depts else None)
    bundle.save()
    bundle.departments.set(list(Department.objects.filter(code__in=sorted(depts))))
    after = (bundle.status, bundle.score, bundle.severity, bundle.clue_count)
    if why != "opened" and before == after:
        return
    event = (
        "clue.bundle.opened"
        if why == "opened"
        else "clue.bundle.closed"
        if (was_open and bundle.status == ClueBundle.Status.CLOSED)
        else "clue.bundle.updated"
    )
    _bundle_record(bundle, actor, event.rsplit(".", 1)[1], note=why, data={"clue": clue.pk if clue else None})
    domain_event_publish(
        type=event,
        subject=f"clue_bundle/{bundle.pk}",
        data=_bundle_event_data(bundle),
        department_id=bundle.lead_department_id,
        entity_id=bundle.entity_id,
    )
    if bundle.status == ClueBundle.Status.OPEN:
        _bundle_escalate_if_due(bundle, actor)


def _bundle_event_data(bundle: ClueBundle) -> dict[str, Any]:
    return {
        "bundle_id": bundle.pk,
        "key": bundle.key,
        "entity_id": bundle.entity_id,
        "risk_type": bundle.risk_type,
        "window_start": bundle.window_start.isoformat(),
        "window_end": bundle.window_end.isoformat(),
        "status": bundle.status,
        "handling": bundle.handling,
        "severity": bundle.severity,
        "score": bundle.score,
        "clue_count": bundle.clue_count,
        "domains": list(bundle.domains),
        "sources": list(bundle.sources),
        "departments": sorted(bundle.departments.values_list("code", flat=True)),
        "task_code": bundle.task_code,
    }


def _bundle_record(
    bundle: ClueBundle,
    actor: Actor,
    action: str,
    *,
    note: str = "",
    from_state: str = "",
    to_state: str = "",
    data: Mapping[str, Any] | None = None,
    evidence: Sequence[str] = (),
) -> None:
    BundleEvent.objects.create(
        bundle=bundle,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=_user(actor),
        actor_label=_label(actor),
        note=note,
        data=dict(data or {}),
    )
    audit_record(
        actor=actor,
        action=f"clue_bundle.{action}",
        subject_type="clue_bundle",
        subject_id=bundle.pk,
        payload={
            "key": bundle.key,
            "status": bundle.status,
            "handling": bundle.handling,
            "score": bundle.score,
            "note": note,
            **dict(data or {}),
        },
        evidence=list(evidence),
        refs=[("entity", bundle.entity_id)],
    )


@transaction.atomic
def clue_clear(*, actor: Actor, clue: Clue, at: dt.datetime, reason: str) -> Clue:
    """A clearing reading (or a person) ends a clue's alarm; the bundle closes when all have."""
    clue = Clue.objects.select_for_update().get(pk=clue.pk)
    at = _aware(at)
    if at < clue.observed_to:
        return clue  # a normal reading from before the alarm's end does not clear it
    if clue.cleared_at is not None and clue.cleared_at <= at:
        return clue
    clue.cleared_at = at
    clue.save(update_fields=["cleared_at"])
    audit_record(
        actor=actor,
        action="clue.cleared",
        subject_type="clue",
        subject_id=clue.pk,
        payload={"at": at.isoformat(), "reason": reason},
        refs=[("entity", clue.entity_id)] if clue.entity_id else [],
    )
    if clue.bundle_id is not None:
        _bundle_refresh(
            ClueBundle.objects.select_for_update().get(pk=clue.bundle_id), actor, "cleared", clue=clue
        )
    return clue


# --- escalation to one inspection task ---------------------------------------------------------

OPEN_TASK_STATES = ("assigned", "in_progress", "awaiting_confirmation", "submitted", "follow_up")
ATTACHABLE_STATES = ("assigned",)  # inspections' ``merge``: a task not yet started
TASK_ACTOR = "system:clues"  # the clue system creates the task; the person's decision is the bundle's entry


def _open_task(entity_id: int) -> Any:
    from crossreg.inspections.models import InspectionTask

    return (
        InspectionTask.objects.filter(entity_id=entity_id, status__in=OPEN_TASK_STATES)
        .order_by("window_start", "code")
        .first()
    )


def _last_visit(entity_id: int) -> dt.date | None:
    from crossreg.inspections.models import InspectionTask

    row: dt.date | None = (
        InspectionTask.objects.filter(entity_id=entity_id, inspected_on__isnull=False)
        .order_by("-inspected_on")
        .values_list("inspected_on", flat=True)
        .first()
    )
    return row


def _items_for(department_codes: Sequence[str], domain_codes: Sequence[str]) -> dict[str, list[int]]:
    """Department code -> published catalog item versions of that department for these domains
    (every department present, with no items when it has none for them)."""
    from crossreg.catalog.models import ItemVersion

    out: dict[str, list[int]] = {d: [] for d in department_codes}
    rows = (
        ItemVersion.objects.filter(
            status=ItemVersion.Status.PUBLISHED,
            item__department_id__in=list(department_codes),
            domains__code__in=list(domain_codes),
        )
        .values_list("item__department_id", "pk")
        .distinct()
    )
    for dept, vid in rows:
        out[dept].append(vid)
    return {d: sorted(v) for d, v in out.items()}


def _officers_for(
    bundle: ClueBundle, lead: str, departments: Sequence[str], start: dt.date, end: dt.date
) -> list[Any]:
    """Officers by sampling's verifiable solver (crossreg.sampling.assign), seeded by the bundle
    key: lead department's two, one of each other department; none (the departments assign them
    later) when the slots cannot be filled."""
    from crossreg.catalog.models import ItemVersion
    from crossreg.inspections.models import OfficerRelation
    from crossreg.inspections.services import OfficerAssignment
    from crossreg.orgs.models import Officer
    from crossreg.sampling import conf as sampling_conf
    from crossreg.sampling import draw
    from crossreg.sampling.assign import OfficerIn, SlotNeed, TaskNeed, assign_officers

    entity = bundle.entity
    ekey = draw.entity_key(entity.uscc, entity.pk)
    items = _items_for(departments, bundle.domains)
    # As sampling does: an officer must hold a domain of the items the department brings (any
    # officer of the department when it brings none).
    item_domains: dict[int, set[str]] = {}
    for vid, dom in ItemVersion.domains.through.objects.filter(
        itemversion_id__in=[v for vs in items.values() for v in vs]
    ).values_list("itemversion_id", "domain_id"):
        item_domains.setdefault(vid, set()).add(dom)
    slots = tuple(
        SlotNeed(
            department=d,
            count=sampling_conf.lead_officers() if d == lead else sampling_conf.participant_officers(),
            domains=frozenset().union(*(item_domains.get(v, set()) for v in items.get(d, []))),
        )
        for d in [lead, *[x for x in departments if x != lead]]
    )
    need = TaskNeed(
        id=f"clue:{bundle.key}",
        entity_key=ekey,
        county=entity.division_id[:6],
        start=start,
        end=end,
        slots=slots,
    )
    off_domains: dict[int, set[str]] = {}
    for oid, dom in Officer.domains.through.objects.filter(
        officer__department_id__in=list(departments)
    ).values_list("officer_id", "domain_id"):
        off_domains.setdefault(oid, set()).add(dom)
    officers = [
        OfficerIn(
            id=o.pk,
            department=o.department_id,
            county=None if o.division.level == "city" else o.division_id[:6],
            domains=frozenset(off_domains.get(o.pk, set())),
            valid_from=o.valid_from,
            valid_until=o.valid_until,
            active=o.status == Officer.Status.ACTIVE,
            capacity=1,
        )
        for o in Officer.objects.filter(department_id__in=list(departments)).select_related("division")
    ]
    recusals = {
        (oid, ekey)
        for oid in OfficerRelation.objects.filter(entity=entity).values_list("officer_id", flat=True)
    }
    seed = hashlib.sha256(f"crossreg-clue-task/1|{bundle.key}".encode()).digest()
    result = assign_officers(tasks=[need], officers=officers, recusals=recusals, seed=seed, namespace="clue")
    if not result.ok:
        return []
    rows = result.assignment[need.id]
    lead_officer = min((c, o) for o, d, c in rows if d == lead)[1]
    return [
        OfficerAssignment(officer_id=o, department_id=d, cost=c, lead=o == lead_officer) for o, d, c in rows
    ]


def _bundle_escalate_if_due(bundle: ClueBundle, actor: Actor) -> None:
    if bundle.task_code:
        _task_departments_sync(bundle, actor)
        return
    if bundle.handling in (ClueBundle.Handling.CLOSED, ClueBundle.Handling.CASE):
        return
    if bundle.score < conf.task_score():
        return
    try:
        _bundle_to_task(bundle, actor, reason="threshold")
    except Conflict as exc:  # e.g. no department for the clue: the bundle waits, visibly
        _bundle_record(bundle, actor, "task_pending", note=str(exc))


def _task_attach(bundle: ClueBundle, task: Any) -> Any:
    """Attach the bundle (a further source, its departments and items) to a task not yet started."""
    from crossreg.inspections import services as inspections

    have = set(task.departments.values_list("department_id", flat=True))
    departments = sorted(have | set(bundle.departments.values_list("code", flat=True)))
    crew = None
    if set(departments) - have:  # new departments: draw the merged task's crew again
        crew = (
            _officers_for(bundle, task.lead_department_id, departments, task.window_start, task.window_end)
            or None
        )
    return inspections.task_attach(
        actor=TASK_ACTOR,
        task=task,
        trigger="clue",
        source_ref=f"clue_bundle:{bundle.key}",
        items=_items_for(departments, bundle.domains),
        officers=crew,
    )


def _task_departments_sync(bundle: ClueBundle, actor: Actor) -> None:
    """A clue that joined after the task was made brings its department into the same task."""
    from crossreg.inspections.models import InspectionTask

    task = InspectionTask.objects.filter(code=bundle.task_code).first()
    if task is None or task.status not in ATTACHABLE_STATES:
        return
    have = set(task.departments.values_list("department_id", flat=True))
    want = set(bundle.departments.values_list("code", flat=True))
    if want <= have:
        return
    _task_attach(bundle, task)
    _bundle_record(bundle, actor, "task_attached", data={"task": task.code, "added": sorted(want - have)})


def _bundle_to_task(bundle: ClueBundle, actor: Actor, *, reason: str, force: bool = False) -> str:
    """Create (or join) the entity's one joint inspection task for this bundle; its code."""
    from crossreg.inspections import services as inspections

    open_task = _open_task(bundle.entity_id)
    if open_task is not None:
        if open_task.status in ATTACHABLE_STATES:
            _task_attach(bundle, open_task)
        bundle.task_code = open_task.code
        bundle.save(update_fields=["task_code"])
        _bundle_record(
            bundle,
            actor,
            "task_attached",
            data={"task": open_task.code, "reason": reason, "merged": open_task.status in ATTACHABLE_STATES},
        )
        return str(open_task.code)
    today = timezone.localdate()
    last = _last_visit(bundle.entity_id)
    overrides = SEVERITY_ORDER.index(bundle.severity) >= SEVERITY_ORDER.index(conf.quiet_override())
    if not force and last is not None and (today - last).days < conf.quiet_days() and not overrides:
        if not bundle.task_deferred:
            bundle.task_deferred = True
            bundle.save(update_fields=["task_deferred"])
            _bundle_record(bundle, actor, "task_deferred", data={"last_visit": last.isoformat()})
        return ""
    departments = sorted(bundle.departments.values_list("code", flat=True))
    if not departments or bundle.lead_department_id is None:
        raise Conflict(_("无法确定该线索的承办部门"), field="departments")
    lead = bundle.lead_department_id
    from crossreg.sampling.conf import quarter

    period, _start, _end = quarter(today)
    end = today + dt.timedelta(days=conf.task_window_days())
    task = inspections.task_create(
        actor=TASK_ACTOR,
        entity=bundle.entity,
        trigger="clue",
        period=period,
        lead_department=lead,
        departments=[d for d in departments if d != lead],
        items=_items_for(departments, bundle.domains),
        window_start=today,
        window_end=end,
        source_ref=f"clue_bundle:{bundle.key}",
        officers=_officers_for(bundle, lead, departments, today, end),
    )
    bundle.task_code = task.code
    bundle.task_deferred = False
    if bundle.handling == ClueBundle.Handling.NEW and not force:  # an escalation moves it itself
        bundle.handling = ClueBundle.Handling.TASK
    bundle.save(update_fields=["task_code", "task_deferred", "handling"])
    _bundle_record(bundle, actor, "task_created", data={"task": task.code, "reason": reason})
    domain_event_publish(
        type="clue.bundle.updated",
        subject=f"clue_bundle/{bundle.pk}",
        data=_bundle_event_data(bundle),
        department_id=bundle.lead_department_id,
        entity_id=bundle.entity_id,
    )
    return str(task.code)


# --- remote handling (在线处置) ------------------------------------------------------------------


def _lock(bundle: ClueBundle) -> ClueBundle:
    return ClueBundle.objects.select_for_update().get(pk=bundle.pk)


def _handling_move(bundle: ClueBundle, actor: Actor, transition: str, note: str, **data: Any) -> ClueBundle:
    dept_codes = list(bundle.departments.values_list("code", flat=True))
    to = transition_check(bundle=bundle, transition=transition, actor=actor, department_codes=dept_codes)
    old = bundle.handling
    bundle.handling = to
    bundle.acted_at = bundle.acted_at or timezone.now()
    if to == ClueBundle.Handling.CLOSED:
        bundle.status = ClueBundle.Status.CLOSED
        bundle.closed_at = timezone.now()
    bundle.save()
    _bundle_record(bundle, actor, transition, note=note, from_state=old, to_state=to, data=data)
    domain_event_publish(
        type="clue.bundle.closed" if to == ClueBundle.Handling.CLOSED else "clue.bundle.updated",
        subject=f"clue_bundle/{bundle.pk}",
        data=_bundle_event_data(bundle),
        department_id=bundle.lead_department_id,
        entity_id=bundle.entity_id,
    )
    return bundle


@transaction.atomic
def bundle_notify(*, actor: Actor, bundle: ClueBundle, note: str, due: dt.date | None = None) -> ClueBundle:
    """Tell the enterprise to correct and upload proof (责令整改, 在线处置)."""
    bundle = _lock(bundle)
    note = _clean_text(note, "note")
    if not note:
        raise Invalid(_("请填写整改要求"), field="note")
    return _handling_move(bundle, actor, "notify", note, due=due.isoformat() if due else None)


@transaction.atomic
def bundle_proof_upload(
    *, actor: Actor, bundle: ClueBundle, name: str, content: bytes, note: str = ""
) -> Proof:
    """The enterprise's correction proof; hashed into the ledger."""
    from django.core.files.base import ContentFile

    bundle = _lock(bundle)
    limit = int(conf._c().get("UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
    if not content:
        raise Invalid(_("请选择文件"), field="file")
    if len(content) > limit:
        raise Invalid(_("文件过大"), field="file")
    digest = hashlib.sha256(content).hexdigest()
    proof = Proof(bundle=bundle, name=_clean_text(name, "name")[:120], sha256=digest, size=len(content))
    proof.note = _clean_text(note, "note")
    proof.uploaded_by = _label(actor)
    proof.file.save(digest, ContentFile(content), save=False)
    proof.save()
    _handling_move(bundle, actor, "upload_proof", proof.note, proof=digest)
    audit_record(
        actor=actor,
        action="clue_bundle.proof",
        subject_type="clue_bundle",
        subject_id=bundle.pk,
        payload={"name": proof.name, "size": proof.size},
        evidence=[digest],
        refs=[("entity", bundle.entity_id)],
    )
    return proof


@transaction.atomic
def bundle_review(*, actor: Actor, bundle: ClueBundle, accept: bool, note: str) -> ClueBundle:
    """Review the enterprise's proof: accept (the bundle is closed) or send it back."""
    bundle = _lock(bundle)
    return _handling_move(bundle, actor, "accept" if accept else "reject_proof", _clean_text(note, "note"))


@transaction.atomic
def bundle_escalate_task(*, actor: Actor, bundle: ClueBundle, note: str = "") -> ClueBundle:
    """Escalate to an on-site inspection (the entity's one joint task), whatever the score."""
    bundle = _lock(bundle)
    dept_codes = list(bundle.departments.values_list("code", flat=True))
    transition_check(bundle=bundle, transition="escalate_task", actor=actor, department_codes=dept_codes)
    if not bundle.task_code:
        code = _bundle_to_task(bundle, actor, reason="escalated", force=True)
        if not code:
            raise Conflict(_("未能创建检查任务"), field="task")
    return _handling_move(bundle, actor, "escalate_task", _clean_text(note, "note"), task=bundle.task_code)


@transaction.atomic
def bundle_escalate_case(*, actor: Actor, bundle: ClueBundle, note: str = "") -> ClueBundle:
    """Escalate directly to a case: a case source of kind ``clue`` in the lead department."""
    bundle = _lock(bundle)
    dept_codes = list(bundle.departments.values_list("code", flat=True))
    transition_check(bundle=bundle, transition="escalate_case", actor=actor, department_codes=dept_codes)
    try:
        from crossreg.cases import services as cases
    except ImportError:
        raise Conflict(_("案件服务尚未提供(cases.case_source_register)"), field="case") from None
    user = _user(actor)
    department = user.department if user is not None and user.department_id else bundle.lead_department
    if department is None:
        raise Conflict(_("无法确定该线索的承办部门"), field="departments")
    snapshot = bundle_evidence_freeze(actor=actor, bundle=bundle)
    source = cases.case_source_register(
        actor=actor,
        department=department,
        entity=bundle.entity,
        kind="clue",
        ref=f"clue_bundle:{bundle.key}",
        summary=_bundle_summary(bundle),
        discovered_on=timezone.localtime(bundle.first_signal_at).date(),
        evidence=(snapshot.sha256,),
    )
    bundle.case_source_ref = str(getattr(source, "pk", "") or "")
    bundle.save(update_fields=["case_source_ref"])
    return _handling_move(
        bundle, actor, "escalate_case", _clean_text(note, "note"), case_source=bundle.case_source_ref
    )


def _bundle_summary(bundle: ClueBundle) -> str:
    parts = [c.summary for c in bundle.clues.order_by("observed_from", "id")[:5]]
    return ";".join(parts)[:300]


# --- remote evidence fixing (远程取证固证) ----------------------------------------------------------


def evidence_window(bundle: ClueBundle) -> dict[str, Any]:
    """The bundle's evidence as canonical data: clues, triggering readings (raw packets), proofs."""
    clues = list(
        bundle.clues.select_related("device", "rule").order_by("observed_from", "source", "source_ref")
    )
    keys = sorted({r["key"] for c in clues for r in c.explanation.get("readings", [])})
    readings = list(
        Reading.objects.filter(message_key__in=keys)
        .order_by("data_time", "message_key")
        .values("message_key", "mn", "cn", "data_time", "raw")
    )
    return {
        "bundle": bundle.key,
        "entity": bundle.entity_id,
        "clues": [
            {
                "source": c.source,
                "source_ref": c.source_ref,
                "severity": c.severity,
                "observed_from": c.observed_from.isoformat(),
                "observed_to": c.observed_to.isoformat(),
                "summary": c.summary,
                "evidence": c.evidence,
                "rule": f"{c.rule.code}/v{c.rule.version}" if c.rule else None,
                "device": c.device.mn if c.device else None,
                "device_reviewed_on": c.device.reviewed_on.isoformat()
                if c.device and c.device.reviewed_on
                else None,
            }
            for c in clues
        ],
        "readings": [
            {**r, "data_time": r["data_time"].isoformat() if r["data_time"] else None} for r in readings
        ],
        "proofs": [{"name": p.name, "sha256": p.sha256} for p in bundle.proofs.order_by("uploaded_at", "id")],
    }


def canonical_bytes(content: Mapping[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


@transaction.atomic
def bundle_evidence_freeze(*, actor: Actor, bundle: ClueBundle) -> EvidenceSnapshot:
    """Freeze the evidence window: hash it into the ledger, timestamp it where a TSA is configured."""
    content = evidence_window(bundle)
    raw = canonical_bytes(content)
    digest = hashlib.sha256(raw).hexdigest()
    existing = bundle.snapshots.filter(sha256=digest).first()
    if existing is not None:
        return existing
    token: bytes | None = None
    try:
        from crossreg.ledger import tsa

        token = _tsa_stamp(tsa, raw)
    except Exception:  # a TSA outage never blocks evidence fixing; the ledger entry is the proof
        log.warning("timestamp authority unavailable for bundle %s", bundle.pk, exc_info=True)
    entry = audit_record(
        actor=actor,
        action="clue_bundle.evidence_frozen",
        subject_type="clue_bundle",
        subject_id=bundle.pk,
        payload={"sha256": digest, "readings": len(content["readings"]), "clues": len(content["clues"])},
        evidence=[digest],
        refs=[("entity", bundle.entity_id)],
    )
    return EvidenceSnapshot.objects.create(
        bundle=bundle,
        sha256=digest,
        content=content,
        ledger_entry=getattr(entry, "pk", None),
        tsa_token=token,
        frozen_by=_label(actor),
    )


def _tsa_stamp(tsa: Any, digest_input: bytes) -> bytes | None:
    """An RFC 3161 token over the snapshot's hash, if ``LEDGER_TSA_URL`` is configured."""
    from django.conf import settings

    url = (getattr(settings, "CROSSREG", {}) or {}).get("LEDGER_TSA_URL")
    if not url:
        return None
    return bytes(tsa.timestamp(url=url, data=digest_input))


# --- rules as data ---------------------------------------------------------------------------


@transaction.atomic
def rule_publish(
    *,
    actor: Actor,
    code: str,
    name: str,
    kind: str,
    domain: Domain | str,
    risk_type: str,
    severity: str,
    params: Mapping[str, Any],
    legal_basis: str = "",
) -> RuleVersion:
    """Publish a new version of a rule (the previous one is retired); unchanged content is a no-op."""
    if kind not in RuleVersion.Kind.values:
        raise Invalid(_("未知的规则类型"), field="kind")
    _rule_params_check(kind, params)
    dom = _domain(domain)
    current = RuleVersion.objects.select_for_update().filter(code=code, status="published").first()
    if (
        current is not None
        and current.params == dict(params)
        and current.kind == kind
        and current.severity == severity
        and current.domain_id == dom.code
        and current.risk_type == risk_type
    ):
        return current
    number = (
        RuleVersion.objects.filter(code=code).order_by("-version").values_list("version", flat=True).first()
        or 0
    ) + 1
    if current is not None:
        current.status = RuleVersion.Status.RETIRED
        current.save(update_fields=["status"])
    rule = RuleVersion.objects.create(
        code=code,
        version=number,
        name=_clean_text(name, "name")[:100],
        kind=kind,
        domain=dom,
        risk_type=risk_type,
        severity=severity,
        params=dict(params),
        status=RuleVersion.Status.PUBLISHED,
        published_at=timezone.now(),
        legal_basis=legal_basis,
    )
    audit_record(
        actor=actor,
        action="clue_rule.published",
        subject_type="clue_rule",
        subject_id=f"{code}/v{number}",
        payload={"kind": kind, "params": dict(params), "severity": severity, "domain": dom.code},
    )
    return rule


def _rule_params_check(kind: str, params: Mapping[str, Any]) -> None:
    need = {
        "threshold": ("pollutant", "limit"),
        "sustained": ("pollutant", "limit", "minutes"),
        "repeat": ("count", "days"),
        "combination": ("all_of", "days"),
    }[kind]
    for key in need:
        if key not in params:
            raise Invalid(_("规则参数缺少 %(k)s") % {"k": key}, field=f"params.{key}")


@transaction.atomic
def device_register(
    *,
    actor: Actor,
    mn: str,
    name: str,
    entity: Entity,
    department: Department,
    domain: Domain | str,
    measures: Sequence[str],
    site: str = "",
    lat: float | None = None,
    lng: float | None = None,
    reviewed_on: dt.date | None = None,
    review_valid_until: dt.date | None = None,
    location_published_url: str = "",
    token: str = "",
) -> Device:
    """Register (or update) a monitoring device by its MN."""
    if not mn or len(mn) > 32:
        raise Invalid(_("设备编码必填,且不超过32个字符"), field="mn")
    values = {
        "name": _clean_text(name, "name")[:100],
        "entity": entity,
        "department": department,
        "domain": _domain(domain),
        "measures": list(measures),
        "site": _clean_text(site, "site")[:100],
        "lat": lat,
        "lng": lng,
        "reviewed_on": reviewed_on,
        "review_valid_until": review_valid_until,
        "location_published_url": location_published_url,
        "location_published_at": timezone.now() if location_published_url else None,
    }
    if token:
        values["token_sha256"] = hashlib.sha256(token.encode()).hexdigest()
    device, created = Device.objects.update_or_create(mn=mn, defaults=values)
    audit_record(
        actor=actor,
        action="clue_device.registered" if created else "clue_device.updated",
        subject_type="clue_device",
        subject_id=mn,
        payload={
            "entity": entity.pk,
            "measures": list(measures),
            "reviewed_on": reviewed_on.isoformat() if reviewed_on else None,
            "review_valid_until": review_valid_until.isoformat() if review_valid_until else None,
            "location_published_url": location_published_url,
        },
        refs=[("entity", entity.pk)],
    )
    return device
