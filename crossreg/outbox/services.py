"""Every write of the outbox: the event sink, fan-out, claiming and delivering, the error queue.

The delivery loop (:func:`outbox_deliver_batch`, wrapped by the ``outbox_deliver`` task and the
``outbox_worker`` command) is safe to run in several processes at once:

1. **fan-out** turns new events into deliveries, one per subscribed target, under one lock (so the
   deliveries of one subject are created in event order);
2. **claim** takes a batch of due deliveries of one target with one compare-and-set UPDATE (``state
   pending → sending`` with a claim token and a lease), never a delivery whose subject has an
   earlier delivery still outstanding — in order per subject;
3. **send** happens outside any transaction (the sender of the target's kind);
4. **record** writes the outcomes only for rows that still carry this worker's claim token, with
   the attempt log and one ledger receipt (``outbox.delivery.receipt``) per batch delivered.

A worker killed between 2 and 4 leaves its deliveries ``sending``; once the lease has passed
another worker claims and sends them again with the *same* idempotency key (``webhook-id`` = the
event id), so a receiver that honours it holds every event exactly once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crossreg.core.audit import audit_record
from crossreg.core.errors import Conflict, Invalid, ProblemList
from crossreg.core.events import DomainEvent
from crossreg.outbox import conf, netpolicy, permissions
from crossreg.outbox.cloudevents import SCHEMA_BASE, envelope_bytes, envelope_of
from crossreg.outbox.models import Delivery, DeliveryAttempt, OutboxEvent, Subscription, Target
from crossreg.outbox.senders import Outcome, Outgoing, sender_for, webhook_secret_new

if TYPE_CHECKING:
    from crossreg.orgs.models import Department, User
    from crossreg.orgs.permissions import Principal

log = logging.getLogger(__name__)

ACTOR = "system:outbox"
FANOUT_LOCK = 0x0CB0_0001  # pg_advisory_xact_lock key of the fan-out

# --- scopes resolved by higher apps ----------------------------------------------------------------

#: scope -> fn(department_id, entity_ids) -> the subset of entity_ids the scope admits for that
#: department. The exchange app registers "listed" (entities on the department's lists, which the
#: outbox cannot see: the object base is above it).
ScopeResolver = Callable[[str, set[int]], set[int]]
_SCOPE_RESOLVERS: dict[str, ScopeResolver] = {}


def scope_resolver_register(scope: str, resolver: ScopeResolver) -> None:
    _SCOPE_RESOLVERS[scope] = resolver


#: event types with a published JSON Schema (docs/schemas/<type>.json): the envelope names it.
_SCHEMA_TYPES: set[str] = set()


def schema_types_register(types: Iterable[str]) -> None:
    _SCHEMA_TYPES.update(types)


# --- 1. the sink -------------------------------------------------------------------------------


def outbox_sink(event: DomainEvent) -> None:
    """core.events sink: the event becomes an outbox row in the publishing transaction."""
    OutboxEvent.objects.create(
        event_id=event.id,
        type=event.type,
        source=str(conf.get("OUTBOX_SOURCE")),
        subject=event.subject[:200],
        time=event.time,
        dataschema=f"{SCHEMA_BASE}{event.type}.json" if event.type in _SCHEMA_TYPES else "",
        data=dict(event.data),
        department_id=event.department_id or "",
        entity_id=event.entity_id,
    )


# --- 2. fan-out --------------------------------------------------------------------------------


def _lock(key: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


@transaction.atomic
def outbox_fan_out(*, limit: int = 2000) -> int:
    """Create the deliveries of up to ``limit`` new events; returns how many events were fanned out."""
    _lock(FANOUT_LOCK)
    events = list(OutboxEvent.objects.filter(fanned_out_at__isnull=True).order_by("id")[:limit])
    if not events:
        return 0
    subs = list(
        Subscription.objects.filter(active=True, target__active=True).select_related("target").order_by("id")
    )
    wanted: dict[tuple[str, str], set[int]] = {}  # (scope, department) -> entity ids to resolve
    for sub in subs:
        if sub.scope in _SCOPE_RESOLVERS and sub.target.department_id:
            wanted.setdefault((sub.scope, sub.target.department_id), set()).update(
                e.entity_id for e in events if e.entity_id is not None and sub.matches_type(e.type)
            )
    admitted = {key: (_SCOPE_RESOLVERS[key[0]](key[1], ids) if ids else set()) for key, ids in wanted.items()}
    now = timezone.now()
    rows: dict[tuple[int, int], Delivery] = {}
    for e in events:
        for sub in subs:
            if (
                e.created_at >= sub.created_at
                and _admits(sub, e, admitted)
                and (e.pk, sub.target_id) not in rows
            ):
                rows[(e.pk, sub.target_id)] = Delivery(
                    event=e, target=sub.target, subject=e.subject, next_attempt_at=now
                )
    Delivery.objects.bulk_create(rows.values(), batch_size=1000, ignore_conflicts=True)
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(fanned_out_at=now)
    return len(events)


def _admits(sub: Subscription, e: OutboxEvent, admitted: dict[tuple[str, str], set[int]]) -> bool:
    if not sub.matches_type(e.type):
        return False
    t = sub.target
    if sub.scope == Subscription.Scope.ALL:
        return permissions.may_use_scope(t.department_id, "all")
    if sub.scope == Subscription.Scope.DEPARTMENT:
        return bool(t.department_id) and e.department_id == t.department_id
    return e.entity_id is not None and e.entity_id in admitted.get((sub.scope, t.department_id or ""), ())


def _deliveries_for_past(sub: Subscription, chunk: int = 2000) -> int:
    """Deliveries of the events already in the outbox that ``sub`` admits (a new target taking the
    history; fan-out gives a subscription only the events written after it)."""
    qs = OutboxEvent.objects.order_by("id")
    if sub.event_type.endswith(".*"):
        qs = qs.filter(type__startswith=sub.event_type[:-1])
    elif sub.event_type != "*":
        qs = qs.filter(type=sub.event_type)
    if sub.scope == Subscription.Scope.DEPARTMENT:
        qs = qs.filter(department_id=sub.target.department_id or "")
    made, last = 0, 0
    now = timezone.now()
    while True:
        events = list(qs.filter(id__gt=last)[:chunk])
        if not events:
            return made
        last = events[-1].pk
        admitted: dict[tuple[str, str], set[int]] = {}
        if sub.scope in _SCOPE_RESOLVERS and sub.target.department_id:
            ids = {e.entity_id for e in events if e.entity_id is not None}
            admitted[(sub.scope, sub.target.department_id)] = _SCOPE_RESOLVERS[sub.scope](
                sub.target.department_id, ids
            )
        rows = [
            Delivery(event=e, target=sub.target, subject=e.subject, next_attempt_at=now)
            for e in events
            if _admits(sub, e, admitted)
        ]
        Delivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        made += len(rows)


# --- 3. claim, send, record ------------------------------------------------------------------------


def _due(now: dt.datetime) -> Q:
    return Q(state=Delivery.State.PENDING, next_attempt_at__lte=now) | Q(
        state=Delivery.State.SENDING, claimed_until__lt=now
    )


def delivery_claim(
    *, target: Target, limit: int, now: dt.datetime | None = None
) -> tuple[str, list[Delivery]]:
    """Claim up to ``limit`` due deliveries of ``target`` (compare-and-set), first event first,
    none behind an outstanding earlier delivery of its subject. Returns (claim token, deliveries)."""
    now = now or timezone.now()
    token = secrets.token_hex(8)
    lease = dt.timedelta(seconds=float(conf.get("OUTBOX_LEASE_SECONDS")))
    due = _due(now)
    with transaction.atomic():
        # One claimer per target at a time (PostgreSQL row lock; SQLite serialises writers anyway),
        # so two workers never split one subject between them.
        list(Target.objects.select_for_update().filter(pk=target.pk).values_list("pk", flat=True))
        blocking = (
            Delivery.objects.filter(
                target_id=target.pk, subject=OuterRef("subject"), event_id__lt=OuterRef("event_id")
            )
            .exclude(state__in=[Delivery.State.DELIVERED, Delivery.State.CANCELLED])
            .exclude(due)
        )
        ids = list(
            Delivery.objects.filter(target_id=target.pk)
            .filter(due)
            .exclude(Exists(blocking))
            .order_by("event_id")
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return token, []
        Delivery.objects.filter(pk__in=ids).filter(due).update(
            state=Delivery.State.SENDING, claim_token=token, claimed_until=now + lease
        )
    claimed = list(Delivery.objects.filter(claim_token=token).select_related("event").order_by("event_id"))
    return token, claimed


def backoff(attempts: int) -> dt.timedelta:
    """Seconds before the next try after ``attempts`` failed tries: exponential, capped, with a
    little jitter so a recovered receiver is not hit by every worker at the same second."""
    base = float(conf.get("OUTBOX_BACKOFF_BASE"))
    cap = float(conf.get("OUTBOX_BACKOFF_MAX"))
    wait = min(cap, base * 2 ** max(0, attempts - 1))
    return dt.timedelta(seconds=wait * (1 + random.random() * 0.1))


def outgoing_of(d: Delivery) -> Outgoing:
    envelope = envelope_of(d.event)
    return Outgoing(
        delivery_id=d.pk,
        subject=d.subject,
        key=d.event.event_id,
        event_type=d.event.type,
        envelope=envelope,
        body=envelope_bytes(envelope),
        attempt=d.attempts + 1,
    )


@dataclass
class BatchResult:
    fanned_out: int = 0
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0  # moved to the error queue
    per_target: dict[str, int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.fanned_out or self.claimed)


@transaction.atomic
def delivery_record(
    *, target: Target, token: str, items: Sequence[Outgoing], outcomes: Sequence[Outcome], worker: str = ""
) -> BatchResult:
    """Write the outcomes of one sent batch: only rows still under ``token`` (a worker whose lease
    ran out and was overtaken does not overwrite the other's result)."""
    result = BatchResult()
    by_id = {
        d.pk: d
        for d in Delivery.objects.select_for_update().filter(
            pk__in=[i.delivery_id for i in items], claim_token=token
        )
    }
    max_attempts = int(target.max_attempts or conf.get("OUTBOX_MAX_ATTEMPTS"))
    now = timezone.now()
    attempts: list[DeliveryAttempt] = []
    receipts: list[list[Any]] = []
    changed: list[Delivery] = []
    for item, out in zip(items, outcomes, strict=True):
        d = by_id.get(item.delivery_id)
        if d is None:
            continue
        d.claim_token = ""
        d.claimed_until = None
        changed.append(d)
        if out.skipped:
            d.state = Delivery.State.PENDING
            continue
        d.attempts += 1
        d.last_status = out.status
        if not (out.ok and d.attempts == 1):  # a first-time success lives on the delivery row itself
            attempts.append(
                DeliveryAttempt(
                    delivery_id=d.pk,
                    number=d.attempts,
                    started_at=out.started_at,
                    duration_ms=out.duration_ms,
                    ok=out.ok,
                    status_code=out.status,
                    error=out.error[:2000],
                    worker=worker[:64],
                )
            )
        if out.ok:
            d.state = Delivery.State.DELIVERED
            d.delivered_at = out.started_at + dt.timedelta(milliseconds=out.duration_ms)
            d.acknowledgement = out.acknowledgement[:200]
            d.payload_sha256 = hashlib.sha256(item.body).hexdigest()
            d.last_error = ""
            result.delivered += 1
            receipts.append([item.key, d.payload_sha256, d.delivered_at.isoformat(), d.acknowledgement])
        elif out.permanent or d.attempts >= max_attempts:
            d.state = Delivery.State.FAILED
            d.last_error = out.error[:2000] or _("未知错误")
            result.failed += 1
        else:
            d.state = Delivery.State.PENDING
            d.last_error = out.error[:2000]
            d.next_attempt_at = now + backoff(d.attempts)
            result.retried += 1
    _write_outcomes(changed)
    DeliveryAttempt.objects.bulk_create(attempts, batch_size=1000)
    if receipts:
        digest = hashlib.sha256("\n".join(f"{r[0]} {r[1]}" for r in receipts).encode()).hexdigest()
        audit_record(
            actor=ACTOR,
            action="outbox.delivery.receipt",
            subject_type="outbox_target",
            subject_id=target.code,
            payload={"count": len(receipts), "sha256": digest, "deliveries": receipts},
        )
    if result.failed:
        keys = {i.delivery_id: i.key for i in items}
        failed_ids = [keys[d.pk] for d in changed if d.state == Delivery.State.FAILED]
        audit_record(
            actor=ACTOR,
            action="outbox.delivery.failed",
            subject_type="outbox_target",
            subject_id=target.code,
            payload={"count": result.failed, "events": failed_ids[:500]},
        )
    return result


_OUTCOME_FIELDS = (
    "state",
    "attempts",
    "claim_token",
    "claimed_until",
    "last_status",
    "last_error",
    "acknowledgement",
    "payload_sha256",
    "delivered_at",
    "next_attempt_at",
)


def _write_outcomes(rows: list[Delivery]) -> None:
    """One parametrised UPDATE per row, sent with ``executemany`` (Django's ``bulk_update`` builds a
    CASE per field and row: quadratic, and most of a batch's time at 500 rows)."""
    if not rows:
        return
    table = connection.ops.quote_name(Delivery._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(f)} = %s" for f in _OUTCOME_FIELDS)
    fields = [Delivery._meta.get_field(f) for f in _OUTCOME_FIELDS]
    params = [
        (*(f.get_db_prep_value(getattr(d, f.attname), connection) for f in fields), d.pk)  # type: ignore[union-attr]
        for d in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", params)


def outbox_deliver_target(*, target: Target, limit: int | None = None, worker: str = "") -> BatchResult:
    """Claim, send and record one batch of ``target``'s due deliveries."""
    sender = sender_for(target.kind)
    if sender is None:
        return BatchResult()
    token, claimed = delivery_claim(target=target, limit=int(limit or conf.get("OUTBOX_BATCH")))
    if not claimed:
        return BatchResult()
    items = [outgoing_of(d) for d in claimed]
    try:
        outcomes = sender.send(target, items)
        if len(outcomes) != len(items):
            raise RuntimeError(
                f"sender {target.kind} returned {len(outcomes)} outcomes for {len(items)} items"
            )
    except Exception as exc:
        log.exception("sender %s failed on target %s", target.kind, target.code)
        outcomes = [Outcome(ok=False, error=f"{type(exc).__name__}: {exc}") for _ in items]
    result = delivery_record(target=target, token=token, items=items, outcomes=outcomes, worker=worker)
    result.claimed = len(claimed)
    return result


def outbox_deliver_batch(
    *, targets: Sequence[Target] | None = None, limit: int | None = None, worker: str = ""
) -> BatchResult:
    """One round of the delivery worker: fan out new events, then one batch per active target.

    Call it in a loop (``outbox_worker``) or from the ``outbox_deliver`` task; it returns a falsy
    result when there was nothing to do."""
    total = BatchResult(fanned_out=outbox_fan_out())
    for target in targets if targets is not None else Target.objects.filter(active=True).order_by("pk"):
        r = outbox_deliver_target(target=target, limit=limit, worker=worker)
        total.claimed += r.claimed
        total.delivered += r.delivered
        total.retried += r.retried
        total.failed += r.failed
        if r.claimed:
            total.per_target[target.code] = r.delivered
    return total


# --- 4. the error queue ------------------------------------------------------------------------


@transaction.atomic
def delivery_replay(
    *, actor: User | str, principal: Principal, deliveries: Sequence[int], note: str = ""
) -> int:
    """Put failed (or cancelled) deliveries back in the queue, attempts reset, same idempotency key."""
    rows = list(
        Delivery.objects.select_for_update().select_related("target", "event").filter(pk__in=list(deliveries))
    )
    problems = ProblemList()
    for d in rows:
        permissions.require_manage(principal, d.target.department_id)
        if d.state not in (Delivery.State.FAILED, Delivery.State.CANCELLED):
            problems.add(
                _("投递 %(id)s 当前状态为“%(state)s”，只能重放失败或已取消的投递。")
                % {"id": d.pk, "state": d.get_state_display()},
                field="deliveries",
                code="state",
            )
    problems.raise_if_any(Conflict)
    now = timezone.now()
    for d in rows:
        d.state = Delivery.State.PENDING
        d.attempts = 0
        d.next_attempt_at = now
        d.replays += 1
        audit_record(
            actor=actor,
            action="outbox.delivery.replayed",
            subject_type="outbox_target",
            subject_id=d.target.code,
            payload={
                "delivery": d.pk,
                "event": d.event.event_id,
                "type": d.event.type,
                "last_error": d.last_error[:500],
                "note": note[:500],
            },
            refs=[("entity", d.event.entity_id)] if d.event.entity_id else (),
        )
    Delivery.objects.bulk_update(rows, ["state", "attempts", "next_attempt_at", "replays"])
    return len(rows)


@transaction.atomic
def delivery_cancel(
    *, actor: User | str, principal: Principal, deliveries: Sequence[int], reason: str
) -> int:
    """Give up on failed deliveries (the subject's later events may then go); the reason is kept."""
    if not reason.strip():
        raise Invalid(_("请填写取消原因。"), field="reason")
    rows = list(
        Delivery.objects.select_for_update().select_related("target", "event").filter(pk__in=list(deliveries))
    )
    for d in rows:
        permissions.require_manage(principal, d.target.department_id)
        if d.state != Delivery.State.FAILED:
            raise Conflict(_("只能取消失败待处理的投递。"), field="deliveries", code="state")
        d.state = Delivery.State.CANCELLED
        audit_record(
            actor=actor,
            action="outbox.delivery.cancelled",
            subject_type="outbox_target",
            subject_id=d.target.code,
            payload={"delivery": d.pk, "event": d.event.event_id, "reason": reason[:500]},
        )
    Delivery.objects.bulk_update(rows, ["state"])
    return len(rows)


# --- 5. targets and subscriptions ----------------------------------------------------------------


def _check_url(url: str, problems: ProblemList, *, restricted: bool = False) -> None:
    """A well-formed http(s) address; for a ``restricted`` target (set by someone other than a
    system administrator), one that passes the network policy (``netpolicy``)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.add(_("地址必须是 http:// 或 https:// 开头的完整网址。"), field="url")
        return
    if restricted:
        refusal = netpolicy.url_refusal(url)
        if refusal:
            problems.add(refusal, field="url", code="network_policy")


@transaction.atomic
def target_create(
    *,
    actor: User | str,
    principal: Principal,
    code: str,
    name: str,
    kind: str,
    department: Department | None,
    url: str = "",
    secret: str = "",
    config: dict[str, Any] | None = None,
    max_attempts: int | None = None,
    timeout: float | None = None,
) -> Target:
    department_id = department.pk if department is not None else None
    permissions.require_manage(principal, department_id)
    problems = ProblemList()
    if kind not in Target.Kind.values:
        problems.add(_("未知的目标类型。"), field="kind")
    elif kind != Target.Kind.WEBHOOK and not principal.is_admin:
        problems.add(_("只有系统管理员可以配置国家和省级平台目标。"), field="kind", code="forbidden")
    if not code or Target.objects.filter(code=code).exists():
        problems.add(_("代码为空或已被使用。"), field="code", code="duplicate")
    if not name.strip():
        problems.add(_("请填写名称。"), field="name")
    restricted = not principal.is_admin
    if kind in (Target.Kind.WEBHOOK, Target.Kind.SUPERVISION_REST, Target.Kind.ENFORCEMENT):
        _check_url(url, problems, restricted=restricted)
    problems.raise_if_any()
    if kind == Target.Kind.WEBHOOK and not secret:
        secret = webhook_secret_new()
    target = Target.objects.create(
        code=code,
        name=name.strip(),
        kind=kind,
        department=department,
        url=url,
        secret=secret,
        config=config or {},
        max_attempts=max_attempts,
        timeout=timeout,
        network_restricted=restricted,
        created_by=actor if not isinstance(actor, str) else None,
    )
    audit_record(
        actor=actor,
        action="outbox.target.created",
        subject_type="outbox_target",
        subject_id=target.code,
        payload={"kind": kind, "department": department_id, "url": url, "name": target.name},
    )
    return target


@transaction.atomic
def target_update(
    *,
    actor: User | str,
    principal: Principal,
    target: Target,
    url: str | None = None,
    active: bool | None = None,
    config: dict[str, Any] | None = None,
    rotate_secret: bool = False,
) -> Target:
    target = Target.objects.select_for_update().get(pk=target.pk)
    permissions.require_manage(principal, target.department_id)
    problems = ProblemList()
    changes: dict[str, Any] = {}
    if url is not None and url != target.url:
        restricted = target.network_restricted or not principal.is_admin
        _check_url(url, problems, restricted=restricted)
        changes["url"] = [target.url, url]
        target.url = url
        target.network_restricted = restricted
    problems.raise_if_any()
    if active is not None and active != target.active:
        changes["active"] = [target.active, active]
        target.active = active
    if config is not None and config != target.config:
        changes["config"] = [target.config, config]
        target.config = config
    if rotate_secret:
        target.secret = webhook_secret_new()
        changes["secret"] = "rotated"
    target.save()
    audit_record(
        actor=actor,
        action="outbox.target.updated",
        subject_type="outbox_target",
        subject_id=target.code,
        payload=changes,
    )
    return target


@transaction.atomic
def subscription_create(
    *,
    actor: User | str,
    principal: Principal,
    target: Target,
    event_type: str,
    scope: str,
    include_past: bool = False,
) -> Subscription:
    """Subscribe ``target`` to ``event_type`` within ``scope``; ``include_past``: also the events
    already in the outbox (a platform connected late takes the history, in order)."""
    permissions.require_manage(principal, target.department_id)
    problems = ProblemList()
    if scope not in Subscription.Scope.values:
        problems.add(_("未知的订阅范围。"), field="scope")
    elif not permissions.may_use_scope(target.department_id, scope):
        problems.add(
            _("部门系统只能订阅本部门的事件或本部门名录内主体的事件。"), field="scope", code="forbidden"
        )
    pattern = event_type.strip()
    if not pattern or not (
        pattern == "*" or all(part.isidentifier() or part == "*" for part in pattern.split("."))
    ):
        problems.add(
            _("事件类型格式应为 应用.对象.动作，例如 credit.grade.changed，或 case.*。"), field="event_type"
        )
    problems.raise_if_any()
    sub, created = Subscription.objects.get_or_create(
        target=target,
        event_type=pattern,
        scope=scope,
        defaults={"created_by": actor if not isinstance(actor, str) else None},
    )
    if not created and not sub.active:
        sub.active = True
        sub.save(update_fields=["active"])
    _lock(FANOUT_LOCK)  # no fan-out in between: no event is missed or given twice
    past = _deliveries_for_past(sub) if include_past else 0
    audit_record(
        actor=actor,
        action="outbox.subscription.created",
        subject_type="outbox_target",
        subject_id=target.code,
        payload={"event_type": pattern, "scope": scope, "past_events": past},
    )
    return sub


@transaction.atomic
def subscription_remove(*, actor: User | str, principal: Principal, subscription: Subscription) -> None:
    sub = Subscription.objects.select_related("target").select_for_update().get(pk=subscription.pk)
    permissions.require_manage(principal, sub.target.department_id)
    sub.active = False
    sub.save(update_fields=["active"])
    audit_record(
        actor=actor,
        action="outbox.subscription.removed",
        subject_type="outbox_target",
        subject_id=sub.target.code,
        payload={"event_type": sub.event_type, "scope": sub.scope},
    )
