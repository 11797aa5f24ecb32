"""End to end on the synthetic city: every department's messy list, linked, scored against the truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crossreg.linking import evaluation, services
from crossreg.linking.models import EntityLinkState, SourceRecord
from crossreg.orgs.models import Department

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def synthetic_lists(tmp_path: Path) -> Path:
    from crossreg.synth.services import city_seed

    lists = tmp_path / "lists"
    city_seed(seed=7, entities=2000, lists_dir=lists, if_empty=False, reset=False, workers=1, progress=None)
    return lists


def test_full_run_reaches_high_f1(synthetic_lists: Path) -> None:
    results = services.import_directory(actor="system:test", directory=synthetic_lists, link=False)
    assert len(results) >= 10
    relink = services.linking_relink(actor="system:test")
    scores = evaluation.evaluate_against(synthetic_lists / "_truth" / "truth.csv")
    assert scores.records == SourceRecord.objects.count()  # every row's ID was found in the truth
    assert scores.f1 >= 0.98, scores
    assert scores.precision >= 0.98 and scores.cluster_precision >= 0.97, scores
    assert relink.counts["base_size"] == EntityLinkState.objects.filter(in_base=True).count() > 0


def test_incremental_import_links_without_relinking(synthetic_lists: Path, settings: Any) -> None:
    """Import lists one by one, each linked against what is already there (predict_between)."""
    depts = {d.code: d for d in Department.objects.all()}
    paths = sorted(p for p in synthetic_lists.glob("*.csv"))
    for path in paths:
        services.source_list_import(
            actor="system:test", department=depts[path.stem], content=path.read_bytes(), file_name=path.name
        )
    assert not SourceRecord.objects.filter(entity__isnull=True, state="current").exists()
    scores = evaluation.evaluate_against(synthetic_lists / "_truth" / "truth.csv")
    assert scores.f1 >= 0.98, scores
