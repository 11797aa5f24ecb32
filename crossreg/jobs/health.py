"""``/healthz`` (the process answers), ``/readyz`` (it can serve: database, worker, queue, ledger
checkpoint) and ``/metrics`` (Prometheus). The reverse proxy must not expose ``/metrics`` (and may
keep ``/readyz`` internal too): docs/deployment.md."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from crossreg.core.observability import metrics_text


def _conf(key: str, default: int) -> int:
    return int(getattr(settings, "CROSSREG", {}).get(key, default))


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})


def readiness() -> dict[str, Any]:
    checks: dict[str, Any] = {}
    now = timezone.now()
    try:
        with connection.cursor() as c:
            c.execute("SELECT 1")
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # the answer is the failure, named
        return {"ok": False, "checks": {"database": {"ok": False, "error": str(exc)[:200]}}}

    from django_tasks_db.models import DBTaskResult

    from crossreg.jobs.models import WorkerHeartbeat
    from crossreg.ledger.models import Entry, LedgerCheckpoint

    alive = WorkerHeartbeat.objects.filter(
        seen_at__gte=now - dt.timedelta(seconds=_conf("WORKER_STALE_SECONDS", 30))
    ).count()
    checks["worker"] = {"ok": alive > 0, "alive": alive}
    oldest = (
        DBTaskResult.objects.ready().order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    )
    lag = 0.0 if oldest is None else (now - oldest).total_seconds()
    checks["broker"] = {
        "ok": lag <= _conf("QUEUE_MAX_LAG_SECONDS", 300),
        "oldest_waiting_seconds": round(lag, 1),
    }
    empty = not Entry.objects.exists()
    cp = LedgerCheckpoint.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    if cp is None:
        checks["checkpoint"] = {"ok": empty, "age_seconds": None}
    else:
        age = (now - cp).total_seconds()
        checks["checkpoint"] = {
            "ok": age <= _conf("CHECKPOINT_MAX_AGE_SECONDS", 3600),
            "age_seconds": round(age),
        }
    from crossreg.jobs.models import JobRun

    last_run = (
        JobRun.objects.filter(kind="ledger.checkpoint.scheduled")
        .exclude(state__in=["queued", "running"])
        .first()
    )
    checks["ledger_extends_published"] = {
        "ok": last_run is None or last_run.state == JobRun.State.SUCCEEDED,
        "last_run": None if last_run is None else last_run.state,
    }
    last_verify = (
        JobRun.objects.filter(kind="ledger.verify.scheduled").exclude(state__in=["queued", "running"]).first()
    )
    checks["ledger_verified"] = {
        "ok": last_verify is None or last_verify.state == JobRun.State.SUCCEEDED,
        "last_run": None if last_verify is None else last_verify.state,
    }
    return {"ok": all(c["ok"] for c in checks.values()), "checks": checks}


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    state = readiness()
    return JsonResponse(state, status=200 if state["ok"] else 503)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    return HttpResponse(metrics_text(), content_type="text/plain; version=0.0.4; charset=utf-8")
