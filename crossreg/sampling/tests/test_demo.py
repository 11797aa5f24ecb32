"""The demo hook: a quarter drawn, pooled to the limit, some results carried out and published."""

from __future__ import annotations

from typing import Any

import pytest

from crossreg.inspections.models import InspectionTask, TaskStatus
from crossreg.sampling import demo
from crossreg.sampling.tests.factories import sampling_city

pytestmark = pytest.mark.django_db


def test_demo_quarter_reaches_the_limit(settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    sampling_city(settings)
    monkeypatch.setattr(demo, "DEMO_DEPARTMENTS", ("smr", "mem", "hc"))
    rep = demo.sampling_demo_load(actor="system:seed", seed=7, complete=4)
    assert rep["draws"] == 3
    assert rep["visits"] == rep["distinct_entities"] and rep["at_limit"]
    assert rep["visits_saved"] == rep["selections"] - rep["visits"] >= 0  # overlap depends on the codes
    done = min(4, rep["visits"])
    assert InspectionTask.objects.filter(status=TaskStatus.PUBLISHED).count() == (done + 1) // 2
    assert (
        InspectionTask.objects.filter(status__in=[TaskStatus.SUBMITTED, TaskStatus.FOLLOW_UP]).count()
        == done // 2
    )
    again = demo.sampling_demo_load(actor="system:seed", seed=7)
    assert again["draws"] == 3  # idempotent
