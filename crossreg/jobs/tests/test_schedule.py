"""Scheduled checkpoints: enqueued by the worker's schedule, signed, published as files; a log
that no longer extends the published checkpoint fails the job (the alert) and /readyz."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from crossreg.jobs.models import JobRun
from crossreg.jobs.publish import published_dir
from crossreg.jobs.schedule import heartbeat, schedule_due
from crossreg.ledger.services import LedgerRecord, ledger_append_many
from crossreg.testing.jobs import run_queued

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path
    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_SIGNING_KEY": "11" * 32, "LEDGER_TSA_URL": ""}


def _fill(n: int, start: int = 0) -> None:
    ledger_append_many(
        records=[
            LedgerRecord(
                actor="system:test", action="x.y", subject_type="case", subject_id=str(i), payload={}
            )
            for i in range(start, start + n)
        ]
    )


def test_the_schedule_enqueues_once_per_interval_and_the_checkpoint_is_published(client: Any) -> None:
    _fill(5)
    assert schedule_due() == ["ledger.checkpoint", "ledger.verify"]
    assert schedule_due() == []  # already enqueued within its interval
    run_queued(queues="ledger", max_tasks=1)  # the checkpoint first, as the worker takes them
    job = JobRun.objects.get(kind="ledger.checkpoint.scheduled")
    assert job.state == JobRun.State.SUCCEEDED and job.started_by is None and job.system_actor
    latest = json.loads((published_dir() / "latest.json").read_text())
    assert latest["size"] == job.counts["size"] >= 5
    # It is the latest signed checkpoint (the witness endpoint serves the same one).
    from crossreg.ledger.selectors import checkpoint_as_dict, checkpoint_latest

    cp = checkpoint_latest()
    assert cp is not None and checkpoint_as_dict(cp)["root"] == latest["root"]
    run_queued()  # the scheduled verification, against what was just published
    verify = JobRun.objects.get(kind="ledger.verify.scheduled")
    assert verify.state == JobRun.State.SUCCEEDED, verify.message
    assert verify.counts["entries"] >= 5 and verify.counts["problems"] == 0


def _wipe() -> None:
    """What someone with the table owner's rights could do: empty the log (PostgreSQL: TRUNCATE with
    the test suite's escape hatch; SQLite: DELETE)."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("SET LOCAL crossreg.ledger_truncate = 'on'")
            c.execute("TRUNCATE ledger_entry, ledger_node, ledger_ledgercheckpoint, ledger_entryref")
        else:
            for t in ("ledger_entry", "ledger_node", "ledger_ledgercheckpoint", "ledger_entryref"):
                c.execute(f"DELETE FROM {t}")


def _metric(name: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name) or 0.0


def test_the_scheduled_verify_alerts_when_the_log_no_longer_extends_the_published_one(
    client: Any, caplog: Any
) -> None:
    from crossreg.jobs.tasks import ledger_checkpoint_task, ledger_verify_task

    _fill(12)
    ledger_checkpoint_task.enqueue()
    run_queued()
    _wipe()
    _fill(4)  # a fresh, self-consistent, shorter log: a plain verify passes it
    failures = _metric("crossreg_ledger_verify_failures_total")
    ledger_verify_task.enqueue()
    with caplog.at_level("ERROR", logger="crossreg.security"):
        run_queued()
    job = JobRun.objects.get(kind="ledger.verify.scheduled")
    assert job.state == JobRun.State.FAILED
    assert "only 4 entries, fewer than this checkpoint signed" in job.message
    assert job.counts["problems"] >= 1 and job.errors
    alerts = [r for r in caplog.records if r.getMessage().startswith("LEDGER ALERT: verify failed")]
    assert alerts and alerts[0].event == "ledger.verify.failed"
    assert _metric("crossreg_ledger_verify_failures_total") == failures + 1
    heartbeat("w1", job.created_at)
    ready = client.get(reverse("readyz"))
    assert ready.status_code == 503 and ready.json()["checks"]["ledger_verified"]["ok"] is False


def test_the_scheduled_verify_names_an_edited_entry() -> None:
    """An entry's payload rewritten in place (possible on SQLite, which has no triggers; PostgreSQL
    refuses the UPDATE, crossreg/ledger/tests/test_verify.py) fails the scheduled job, naming it."""
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL refuses the edit itself (trigger); the verifier is the same")
    from crossreg.jobs.tasks import ledger_checkpoint_task, ledger_verify_task

    _fill(6)
    ledger_checkpoint_task.enqueue()
    run_queued()
    with connection.cursor() as c:
        c.execute(
            "UPDATE ledger_entry SET canonical = CAST(REPLACE(CAST(canonical AS TEXT), '\"3\"', '\"9\"') AS BLOB)"
            " WHERE seq = 3"
        )
    ledger_verify_task.enqueue()
    run_queued()
    job = JobRun.objects.get(kind="ledger.verify.scheduled")
    assert job.state == JobRun.State.FAILED and "entry 3" in job.message, job.message


def test_a_shortened_log_fails_the_scheduled_job_and_readiness(client: Any) -> None:
    _fill(5)
    schedule_due()
    run_queued()
    _wipe()
    _fill(2)
    from crossreg.jobs.tasks import ledger_checkpoint_task

    ledger_checkpoint_task.enqueue()
    run_queued()
    failed = JobRun.objects.filter(kind="ledger.checkpoint.scheduled").first()
    assert failed is not None and failed.state == JobRun.State.FAILED
    assert "fewer than the" in failed.message
    heartbeat("w1", failed.created_at)
    ready = client.get(reverse("readyz"))
    assert ready.status_code == 503
    assert ready.json()["checks"]["ledger_extends_published"]["ok"] is False


def test_health_endpoints(client: Any) -> None:
    assert client.get(reverse("healthz")).json() == {"ok": True}
    ready = client.get(reverse("readyz"))
    assert ready.status_code == 503 and ready.json()["checks"]["worker"]["ok"] is False  # no worker yet
    from django.utils import timezone

    heartbeat("w1", timezone.now())
    state = client.get(reverse("readyz")).json()
    assert state["checks"]["worker"] == {"ok": True, "alive": 1} and state["checks"]["database"]["ok"]
    metrics = client.get(reverse("metrics")).content.decode()
    assert "crossreg_http_requests_total" in metrics and "crossreg_ledger_entries" in metrics
    assert client.get(reverse("healthz"))["X-Request-ID"]
