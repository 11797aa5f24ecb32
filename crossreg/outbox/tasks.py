"""Background jobs of the outbox (django-tasks): thin wrappers over services."""

from __future__ import annotations

from django_tasks import task

from crossreg.outbox.services import outbox_deliver_batch


@task()
def outbox_deliver(rounds: int = 50) -> dict[str, int]:
    """Deliver until there is nothing due (at most ``rounds`` batches)."""
    totals = {"delivered": 0, "retried": 0, "failed": 0}
    for _ in range(rounds):
        r = outbox_deliver_batch(worker="task")
        totals["delivered"] += r.delivered
        totals["retried"] += r.retried
        totals["failed"] += r.failed
        if not r:
            break
    return totals
