"""The exchange's `make demo` step (order 800): code mappings, two targets, deliveries, one replayed error.

1. Code mappings v1 for every catalog item and department. The national codes are **synthetic**
   (``N-<local>`` and ``SSQD-<local>``): the real tables come from the province.
2. Two targets: ``demo-hook``, the market regulator's webhook receiver (http://127.0.0.1:8765/hook,
   credit grade changes of the entities on its lists and its own inspection results), and
   ``jgxw-export``, the 互联网+监管 monitoring-action batch export (XLSX under var/exchange/).
3. Backfill: the published inspection results become ``inspection.task.published`` events.
4. Delivery with a receiver started here for the step: its first answer is HTTP 500, so the first
   delivery goes to the error queue (the demo target allows one attempt); the receiver recovers, the
   error is replayed (by the administrator, in the ledger) and delivered. A reconciliation report
   for today follows.

Idempotent: mappings, targets and the replayed error are made once; later runs only deliver new events.
"""

from __future__ import annotations

import socket

from django.db import transaction

from crossreg.core.demo import DemoContext
from crossreg.core.events import domain_event_publish
from crossreg.exchange import services
from crossreg.exchange.backfill import backfill_inspection_results
from crossreg.exchange.models import MappingVersion
from crossreg.orgs.permissions import Principal
from crossreg.outbox import services as outbox
from crossreg.outbox.models import Delivery, Target
from crossreg.outbox.receiver import Receiver

HOOK_PORT = 8765
DEMO_DEPARTMENT = "scjg"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _drain(rounds: int = 100) -> int:
    n = 0
    for _ in range(rounds):
        r = outbox.outbox_deliver_batch(worker="demo")
        n += r.delivered
        if not r:
            break
    return n


def demo_step(ctx: DemoContext) -> str:
    from crossreg.catalog.models import SupervisionItem
    from crossreg.orgs.models import Department, User

    actor = ctx.actor
    admin = (
        User.objects.filter(is_superuser=True).order_by("pk").first()
        or User.objects.filter(role="admin").first()
    )
    if admin is None:
        return "exchange: no administrator to act as; skipped"
    p = Principal.of(admin)
    with transaction.atomic():
        if not MappingVersion.objects.filter(kind="item").exists():
            services.mapping_import(
                actor=actor,
                principal=p,
                kind="item",
                note="demo: synthetic national codes",
                rows=[
                    {"local_code": c, "national_code": f"N-{c}", "list_code": f"SSQD-{c}", "name": ""}
                    for c in SupervisionItem.objects.values_list("code", flat=True)
                ],
            )
        if not MappingVersion.objects.filter(kind="department").exists():
            services.mapping_import(
                actor=actor,
                principal=p,
                kind="department",
                note="demo: synthetic national codes",
                rows=[
                    {"local_code": d.pk, "national_code": f"11320900{i:04d}", "name": d.name}
                    for i, d in enumerate(Department.objects.order_by("code"), start=1)
                ],
            )
    dept = (
        Department.objects.filter(pk=DEMO_DEPARTMENT).first() or Department.objects.order_by("code").first()
    )
    if dept is None:
        return "exchange: no departments; skipped"
    hook = Target.objects.filter(code="demo-hook").first()
    first_run = hook is None
    if hook is None:
        hook = outbox.target_create(
            actor=actor,
            principal=p,
            code="demo-hook",
            name=f"{dept.short_name}业务系统（演示接收端）",
            kind="webhook",
            department=dept,
            url=f"http://127.0.0.1:{HOOK_PORT}/hook",
            max_attempts=1,
        )
        outbox.subscription_create(
            actor=actor, principal=p, target=hook, event_type="credit.grade.changed", scope="listed"
        )
        outbox.subscription_create(
            actor=actor, principal=p, target=hook, event_type="inspection.task.published", scope="department"
        )
        outbox.subscription_create(
            actor=actor, principal=p, target=hook, event_type="case.*", scope="department"
        )
        outbox.subscription_create(
            actor=actor, principal=p, target=hook, event_type="exchange.target.tested", scope="department"
        )
    if not Target.objects.filter(code="jgxw-export").exists():
        export = outbox.target_create(
            actor=actor,
            principal=p,
            code="jgxw-export",
            name="互联网+监管 监管行为数据（批量导出）",
            kind="supervision_batch",
            department=None,
            config={"format": "xlsx"},
        )
        outbox.subscription_create(
            actor=actor,
            principal=p,
            target=export,
            event_type="inspection.task.published",
            scope="all",
            include_past=True,
        )
    delivered = replayed = 0
    free = _port_free(HOOK_PORT)
    rx = Receiver(hook.secret, port=HOOK_PORT).start() if free else None
    try:
        if first_run and rx is not None:
            # A connectivity test the department's system fails once (HTTP 500; the demo target allows
            # one attempt, so it goes to the error queue) …
            with transaction.atomic():
                domain_event_publish(
                    type="exchange.target.tested",
                    subject=f"outbox_target/{hook.code}",
                    data={"target": hook.code, "note": "演示：接收端连通测试"},
                    department_id=dept.pk,
                )
            rx.mode = "500"
            _drain(5)
            # … the system is fixed, and the administrator replays the error (recorded in the ledger).
            rx.mode = "ok"
            failed = list(
                Delivery.objects.filter(target=hook, state="failed").values_list("pk", flat=True)[:1]
            )
            if failed:
                replayed = outbox.delivery_replay(
                    actor=admin, principal=p, deliveries=failed, note="演示：接收端已修复"
                )
        backfilled = backfill_inspection_results(actor=actor)
        delivered += _drain()
    finally:
        if rx is not None:
            rx.stop()
    from django.utils import timezone

    reports = [
        services.reconcile(target=t, day=timezone.localdate())
        for t in Target.objects.filter(code__in=["demo-hook", "jgxw-export"])
    ]
    return (
        f"exchange: {backfilled} results backfilled, {delivered} deliveries, {replayed} error replayed, "
        f"{len(reports)} reconciliation reports; webhook secret of demo-hook: {hook.secret}"
    )
