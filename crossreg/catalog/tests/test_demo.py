from __future__ import annotations

import pytest

from crossreg.catalog.demo import catalog_demo_load, demo_summary
from crossreg.catalog.models import CrossDepartmentItem, ItemVersion, SupervisionItem, VersionEvent
from crossreg.ledger.models import Entry

pytestmark = pytest.mark.django_db


def test_demo_content_shape() -> None:
    s = demo_summary()
    assert s["items"] >= 60 and s["departments"] >= 12
    assert s["min_points"] >= 5 and s["max_points"] <= 20


def test_demo_fails_clearly_without_departments() -> None:
    with pytest.raises(RuntimeError, match="departments missing"):
        catalog_demo_load(actor="system:test")


@pytest.mark.slow
def test_demo_loads_through_the_workflow_and_is_idempotent() -> None:
    from crossreg.synth.reference import orgs_reference_load

    orgs_reference_load()
    counts = catalog_demo_load(actor="system:test")
    published = ItemVersion.objects.filter(status="published")
    assert published.values("item__department").distinct().count() >= 12
    assert published.count() >= 60
    assert counts["cross_items"] == 4 and CrossDepartmentItem.objects.filter(campaign=True).count() == 4
    # every published item went through legality review, recorded in history and ledger
    for v in published.filter(change_request__isnull=True)[:5]:
        assert VersionEvent.objects.filter(
            version=v, transition="pass", from_state="legality_review"
        ).exists()
    assert Entry.objects.filter(action="catalog.compile.pass").count() >= 60
    assert (
        ItemVersion.objects.filter(status__in=["submitted", "joint_review", "legality_review"]).count() == 3
    )
    adjusted = SupervisionItem.objects.get(code="JG-SCJG-001")
    assert list(adjusted.versions.values_list("number", "status")) == [(1, "superseded"), (2, "published")]
    again = catalog_demo_load(actor="system:test")
    assert again["items"] == 0 and again["power_items"] == 0
