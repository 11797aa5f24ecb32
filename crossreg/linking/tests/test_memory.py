"""The memory-bounded full run (issue 19), at a small size: the relink hands DuckDB the node frame
as a Parquet file (no second copy in polars while it scores) and scores the pairs in chunks; the
result is the same as scoring the frame in one go."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from crossreg.linking import engine, services
from crossreg.linking.models import SourceRecord
from crossreg.linking.services import frames

pytestmark = [pytest.mark.django_db]

ACTOR = "system:test"


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    from crossreg.synth.services import city_seed

    lists = tmp_path / "lists"
    city_seed(seed=5, entities=300, lists_dir=lists, if_empty=False, reset=False, workers=1, progress=None)
    services.import_directory(actor=ACTOR, directory=lists, link=False)
    return lists


def _sorted(edges: pl.DataFrame) -> pl.DataFrame:
    return edges.select("rid_l", "rid_r", pl.col("match_probability").round(9)).sort("rid_l", "rid_r")


def test_chunked_prediction_from_a_file_scores_the_same_pairs(imported: Path, tmp_path: Path) -> None:
    nodes = pl.concat(
        [frames.registry_nodes(), frames._as_nodes(frames.record_nodes(), anchored=False)],
        how="vertical_relaxed",
    )
    model = engine.default_model()
    whole = engine.predict(nodes, model, threshold=0.5, band_below=0.95, chunks=1)
    path = engine.write_nodes(nodes, tmp_path / "nodes.parquet")
    chunked = engine.predict(path, model, threshold=0.5, band_below=0.95, chunks=4)
    assert whole.edges.height > 100
    assert chunked.chunks == 4 and whole.chunks == 1
    assert _sorted(chunked.edges).equals(_sorted(whole.edges))
    # Every candidate pair is scored once, whatever the chunking; proportional to the nodes.
    assert chunked.candidates == whole.candidates >= whole.edges.height
    assert chunked.candidates < 20 * nodes.height
    assert _sorted(chunked.band).equals(_sorted(whole.band))
    assert set(chunked.band.columns) == set(whole.band.columns)


def test_relink_scores_from_a_file_in_chunks_and_links_the_same(
    imported: Path, settings: Any, monkeypatch: Any
) -> None:
    services.linking_relink(actor=ACTOR)
    before = dict(SourceRecord.objects.values_list("pk", "entity_id"))
    seen: list[Any] = []
    real = engine.predict

    def spy(nodes: Any, *args: Any, **kwargs: Any) -> engine.Predictions:
        seen.append(nodes)
        assert isinstance(nodes, Path) and nodes.exists()
        return real(nodes, *args, **kwargs)

    monkeypatch.setattr(engine, "predict", spy)
    settings.CROSSREG = {**settings.CROSSREG, "LINKING_PREDICT_CHUNK_NODES": 250}
    result = services.linking_relink(actor=ACTOR)
    assert len(seen) == 1 and not seen[0].exists()  # the file is removed afterwards
    assert result.counts["predict_chunks"] == -(-result.counts["nodes"] // 250) > 1
    assert result.counts["candidate_pairs"] >= result.counts["pairs_scored"] > 0
    assert set(result.memory) >= {"load", "train", "predict", "cluster", "apply", "base"}
    assert dict(SourceRecord.objects.values_list("pk", "entity_id")) == before
