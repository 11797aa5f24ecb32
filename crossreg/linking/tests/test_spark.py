"""The same lists linked on DuckDB and on Spark (local mode) give the same clusters (issue 19).

Slow (a Spark session starts a JVM), so marked ``slow``; CI runs it. 5,000 entities of the
synthetic city, every department's list: the clusters of the two backends must agree at pairwise
F1 ≥ 0.999 against each other, and Spark's must score as DuckDB's do against the ground truth.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from crossreg.linking import engine, evaluation, services
from crossreg.linking.models import SourceRecord

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime (JDK 17)")


def _clusters() -> pl.DataFrame:
    rows = SourceRecord.objects.filter(state=SourceRecord.State.CURRENT).values_list("pk", "entity_id")
    return pl.DataFrame(list(rows), schema={"key": pl.Int64, "cluster": pl.Int64}, orient="row")


def test_spark_model_is_spark_sql() -> None:
    from crossreg.linking import spark

    m = spark.spark_model(engine.default_model())
    assert m["sql_dialect"] == "spark"
    conditions = [lvl["sql_condition"] for c in m["comparisons"] for lvl in c["comparison_levels"]]
    assert any("jaro_winkler(" in c for c in conditions)
    assert not any("jaro_winkler_similarity" in c.lower() for c in conditions)
    rules = [r["blocking_rule"] for r in m["blocking_rules_to_generate_predictions"]]
    assert rules and all('"' not in r for r in rules), rules  # backticks, not DuckDB's quotes


@needs_java
def test_duckdb_and_spark_agree(tmp_path: Path) -> None:
    from crossreg.linking import spark
    from crossreg.synth.services import city_seed

    lists = tmp_path / "lists"
    city_seed(seed=19, entities=5000, lists_dir=lists, if_empty=False, reset=False, workers=1, progress=None)
    services.import_directory(actor="system:test", directory=lists, link=False)
    duck = services.linking_relink(actor="system:test")
    on_duckdb = _clusters()
    truth_duck = evaluation.evaluate_against(lists / "_truth" / "truth.csv")
    try:
        sparked = services.linking_relink(actor="system:test", engine_name="spark")
    finally:
        spark.spark_stop()
    on_spark = _clusters()
    truth_spark = evaluation.evaluate_against(lists / "_truth" / "truth.csv")

    agreement = engine.evaluate(on_spark, on_duckdb)
    assert agreement.records == on_duckdb.height > 10_000
    assert agreement.f1 >= 0.999, agreement
    assert truth_spark.f1 >= truth_duck.f1 - 0.001, (truth_spark, truth_duck)
    assert sparked.model_version == duck.model_version  # the same model, scored elsewhere
