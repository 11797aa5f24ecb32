"""`make demo`'s loading steps, end to end on a small city, and re-runnable."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from crossreg.catalog.models import SupervisionItem
from crossreg.inspections.models import InspectionTask
from crossreg.linking.models import SourceList
from crossreg.sampling.conf import quarter
from crossreg.sampling.models import SamplingPlan

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# RFC 8032 test 1 seed: demo_setup signs a checkpoint at its end, and tests run with DEBUG off (no
# development key is made then).
TEST_KEY_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"


@pytest.fixture(autouse=True)
def _signing_key(settings: Any) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_SIGNING_KEY": TEST_KEY_HEX, "LEDGER_TSA_URL": ""}


def test_demo_setup_needs_a_city() -> None:
    with pytest.raises(CommandError, match="crossreg seed"):
        call_command("demo_setup")


def test_demo_setup_loads_every_module_once(tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    call_command("seed", seed=2021, entities=1500, lists_dir=lists, stdout=StringIO())
    out = StringIO()
    call_command("demo_setup", seed=2021, lists_dir=lists, stdout=out)
    assert "demo data ready" in out.getvalue()
    items, lists_imported = SupervisionItem.objects.count(), SourceList.objects.count()
    plans, tasks = SamplingPlan.objects.count(), InspectionTask.objects.count()
    assert items >= 60 and lists_imported >= 8 and plans >= 2 and tasks >= 1
    assert InspectionTask.objects.filter(joint=True).exists()
    # live work: the plans and tasks are the current quarter's, not a fixed one
    current = quarter(timezone.localdate())[0]
    assert set(SamplingPlan.objects.values_list("period", flat=True)) == {current}
    assert set(InspectionTask.objects.values_list("period", flat=True)) == {current}

    again = StringIO()
    call_command("demo_setup", seed=2021, lists_dir=lists, stdout=again)
    assert "catalog: already loaded" in again.getvalue()
    assert "already imported" in again.getvalue()
    assert (SupervisionItem.objects.count(), SourceList.objects.count()) == (items, lists_imported)
    assert (SamplingPlan.objects.count(), InspectionTask.objects.count()) == (plans, tasks)
