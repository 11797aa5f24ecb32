from __future__ import annotations

import pytest

from crossreg.clues import targeting
from crossreg.clues.demo import demo_build
from crossreg.clues.models import Clue, Device, InspectionOutcome, Reading
from crossreg.web.tests.factories import demo_city

pytestmark = pytest.mark.django_db


def test_demo_step_is_idempotent_and_feeds_the_report(settings) -> None:
    demo_city(entities_per_county=3)
    first = demo_build(seed=11, actor="system:demo")
    counts = (
        Device.objects.count(),
        Reading.objects.count(),
        Clue.objects.count(),
        InspectionOutcome.objects.count(),
    )
    assert counts[0] > 0 and counts[1] > 0
    assert Reading.objects.filter(status="rejected").exists()  # expired reviews, bad packets
    second = demo_build(seed=11, actor="system:demo")
    assert (
        Device.objects.count(),
        Reading.objects.count(),
        Clue.objects.count(),
        InspectionOutcome.objects.count(),
    ) == counts
    assert first.startswith("clues:") and second.startswith("clues:")
    rep = targeting.report()
    assert rep["total"]["random"]["n"] > 0
