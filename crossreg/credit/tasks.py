"""Background jobs of credit: thin wrappers over services (django-tasks)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task


@task()
def credit_evaluate_all_task(actor: str = "system:credit", as_of: str | None = None) -> dict[str, Any]:
    """Grade the whole city (the vectorised batch)."""
    from crossreg.credit.services import credit_evaluate_all

    progress = None
    try:  # the operations engineer's job records, when they land
        from crossreg.jobs import services as jobs

        progress = getattr(jobs, "job_progress_report", None)
    except ImportError:
        pass
    return credit_evaluate_all(
        actor=actor,
        as_of=dt.date.fromisoformat(as_of) if as_of else None,
        progress=(lambda done, total: progress(done=done, total=total)) if progress else None,
    )


@task()
def credit_entity_reevaluate_task(entity_id: int, actor: str = "system:credit") -> bool:
    from crossreg.credit.services import credit_entity_reevaluate

    return credit_entity_reevaluate(actor=actor, entity_id=entity_id) is not None
