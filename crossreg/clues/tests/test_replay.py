"""Replaying the same messages in any order, in any batches, or twice: same bundles, one task."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossreg.clues import services
from crossreg.clues.ingest import readings_ingest
from crossreg.clues.models import Clue, ClueBundle
from crossreg.clues.tests.factories import clue_city
from crossreg.clues.tests.test_ingest import NOW, minute
from crossreg.inspections.models import InspectionTask

pytestmark = pytest.mark.django_db

# 10 normal minutes, 40 exceeding (a sustained exceedance), a normal reading (clears), then a
# second exceedance of 35 minutes in the same window (the alarm returns), a final normal one.
STREAM = (
    [minute(i, 40) for i in range(10)]
    + [minute(i, 70 + i % 7) for i in range(10, 50)]
    + [minute(50, 20)]
    + [minute(i, 90) for i in range(60, 95)]
    + [minute(95, 20)]
)
COMPLAINT = "COMPLAINT"


EXPECTED: list[Any] = []


class Rollback(Exception):
    pass


def _complaint(city: dict[str, Any]) -> None:
    services.clue_raise(
        actor="system:test",
        source="complaint",
        source_ref="TS-20260310-1",
        entity=city["factory"],
        domain="food",
        risk_type="pollution_discharge",
        severity="medium",
        observed_from=timezone.make_aware(dt.datetime(2026, 3, 10, 9, 30)),
        observed_to=timezone.make_aware(dt.datetime(2026, 3, 10, 9, 30)),
        summary="群众反映排放口有异味",
        department_hint="smr",
    )


def _run(order: list[Any], batch: int) -> tuple[Any, ...]:
    city = clue_city()
    pending: list[str] = []
    for item in order:
        if item == COMPLAINT:
            if pending:
                readings_ingest(packets=pending, now=NOW)
                pending = []
            _complaint(city)
        else:
            pending.append(item)
            if len(pending) >= batch:
                readings_ingest(packets=pending, now=NOW)
                pending = []
    if pending:
        readings_ingest(packets=pending, now=NOW)
    bundles = tuple(
        (
            b.key.split(":", 1)[1],
            b.status,
            b.score,
            b.clue_count,
            b.severity,
            tuple(sorted(b.departments.values_list("code", flat=True))),
            bool(b.task_code),
        )
        for b in ClueBundle.objects.order_by("key")
    )
    clues = tuple(
        (c.source, c.source_ref, c.observed_from, c.observed_to, c.cleared_at)
        for c in Clue.objects.order_by("source", "source_ref")
    )
    tasks = tuple(
        (t.entity.name, tuple(sorted(t.departments.values_list("department_id", flat=True))))
        for t in InspectionTask.objects.all()
    )
    return bundles, clues, tasks


def _isolated(order: list[Any], batch: int) -> tuple[Any, ...]:
    out: tuple[Any, ...] = ()
    try:
        with transaction.atomic():
            out = _run(order, batch)
            raise Rollback
    except Rollback:
        pass
    return out


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    order=st.permutations([*STREAM, COMPLAINT]),
    batch=st.integers(min_value=1, max_value=60),
    twice=st.booleans(),
)
def test_replay_in_any_order_gives_the_same_bundles_and_one_task(
    order: list[Any], batch: int, twice: bool
) -> None:
    expected = EXPECTED or _isolated([*STREAM, COMPLAINT], 1000)
    if not EXPECTED:
        EXPECTED.extend(expected)
    expected = tuple(EXPECTED)
    bundles, clues, tasks = expected
    assert len(bundles) == 1 and bundles[0][1] == "open"  # the complaint keeps it open
    assert len(clues) == 2
    assert len(tasks) == 1 and tasks[0][1] == ("eeb", "smr")
    got = _isolated(order + order if twice else order, batch)
    assert got == expected
