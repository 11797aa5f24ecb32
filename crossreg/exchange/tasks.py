"""Background jobs of the exchange (django-tasks): thin wrappers over services."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from crossreg.exchange.services import reconcile_all


@task()
def exchange_reconcile_daily(day: str | None = None) -> dict[str, int]:
    """The daily reconciliation (yesterday by default) of every active target; schedule it once a day
    (cron: ``python manage.py exchange_reconcile``, or the job engine's scheduler)."""
    reports = reconcile_all(day=dt.date.fromisoformat(day) if day else None)
    return {
        "reports": len(reports),
        "gaps": sum(len(r.gaps) for r in reports),
        "missed": sum(r.missed for r in reports),
    }
