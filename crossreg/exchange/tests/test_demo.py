"""The exchange's demo step: two targets, deliveries, one replayed error, reconciliation; idempotent."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from crossreg.core.demo import DemoContext
from crossreg.exchange import demo_step as step
from crossreg.exchange.models import ReconciliationReport
from crossreg.ledger.models import Entry
from crossreg.outbox.models import Delivery, Target
from crossreg.sampling import demo
from crossreg.sampling.tests.factories import sampling_city

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_step_two_targets_deliveries_and_one_replayed_error(
    settings: Any, monkeypatch: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.VAR_DIR = tmp_path
    sampling_city(settings)
    monkeypatch.setattr(demo, "DEMO_DEPARTMENTS", ("smr", "mem", "hc"))
    demo.sampling_demo_load(actor="system:seed", seed=7, complete=4)
    monkeypatch.setattr(step, "HOOK_PORT", _free_port())
    monkeypatch.setattr(step, "DEMO_DEPARTMENT", "smr")
    ctx = DemoContext(seed=7, actor="system:demo", lists_dir=str(tmp_path))
    summary = step.demo_step(ctx)
    assert "1 error replayed" in summary
    hook = Target.objects.get(code="demo-hook")
    export = Target.objects.get(code="jgxw-export")
    replayed = Delivery.objects.get(target=hook, replays=1)
    assert (
        replayed.state == "delivered"
        and replayed.attempt_log.filter(ok=False, error__contains="HTTP 500").exists()
    )
    assert Entry.objects.filter(action="outbox.delivery.replayed").count() == 1
    published = Delivery.objects.filter(target=export)
    assert published.exists() and not published.exclude(state="delivered").exists()
    files = list((tmp_path / "exchange" / "jgxw-export").glob("*.xlsx"))
    assert files
    assert ReconciliationReport.objects.filter(target__in=[hook, export]).count() == 2
    again = step.demo_step(ctx)
    assert (
        "0 error replayed" in again and Entry.objects.filter(action="outbox.delivery.replayed").count() == 1
    )
    assert Delivery.objects.filter(target=export).count() == published.count()
