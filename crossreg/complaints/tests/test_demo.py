from __future__ import annotations

from typing import Any

import pytest

from crossreg.complaints.demo import demo_step
from crossreg.complaints.models import RoutingRuleSet, Submission
from crossreg.core.demo import DemoContext, demo_steps

pytestmark = pytest.mark.django_db


def test_the_demo_step_is_registered_and_idempotent(city: dict[str, Any]) -> None:
    assert ("complaints", 700) in [(s.name, s.order) for s in demo_steps()]
    ctx = DemoContext(seed=7, actor="system:demo", lists_dir="")
    demo_step(ctx)
    n, versions = Submission.objects.count(), RoutingRuleSet.objects.count()
    assert n == 200 and Submission.objects.filter(channel="hotline").exists()
    demo_step(ctx)
    assert (Submission.objects.count(), RoutingRuleSet.objects.count()) == (n, versions)
