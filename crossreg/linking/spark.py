"""The linking engine's second backend: the same Splink model scored on Apache Spark.

For a province (≈ 15,000,000 entities, 45,000,000 records) one machine's DuckDB is no longer the
right tool; a Spark cluster is (docs/linking.md, "Spark for a province"). This module runs **the
same** saved model — the same comparisons, the same blocking rules, the same trained m/u
parameters and the same standardised node frame (``engine.nodes_frame``, applied before either
backend) — on Spark, and hands back the same :class:`~crossreg.linking.engine.Predictions`, so
that clustering and the set-based write-back are shared. Only the scoring of the candidate pairs
moves; the review band's second pass (a few thousand pairs with every column, for the reviewer's
evidence) stays on DuckDB through :func:`engine.band_rescore`.

Known gaps, handled here:

- **Similarity UDFs.** Spark has ``levenshtein`` but no Jaro–Winkler. Splink ships a Scala UDF jar
  (``splink.backends.spark.similarity_jar_location()``), which must be on the session's classpath
  *when the session starts* (``spark.jars``); the jar needs Apache ``commons-text`` at run time,
  which pyspark's own ``jars/`` directory carries — :func:`spark_session` checks both and says what
  is missing instead of failing on the first query. The UDF is called ``jaro_winkler``, DuckDB's
  function ``jaro_winkler_similarity``: :func:`spark_model` rewrites the conditions.
- **SQL dialect.** The saved model is written for DuckDB (double-quoted identifiers, DuckDB
  function names); :func:`spark_model` transpiles every blocking rule and comparison condition
  with sqlglot (Splink's own dependency) and marks the model ``sql_dialect = "spark"``.
- **Dates.** Spark 4 parses dates strictly (ANSI mode): the node frame carries no date columns, and
  the session sets ``spark.sql.legacy.timeParserPolicy=CORRECTED`` for any a deployment adds.

The Spark master comes from ``settings.CROSSREG["LINKING_SPARK_MASTER"]`` (default ``local[2]``:
local mode, two cores), ``LINKING_SPARK_DRIVER_MEMORY`` (default ``2g``) and
``LINKING_SPARK_CONF`` (extra ``spark.*`` settings, e.g. for a cluster).
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings

from crossreg.linking import engine

log = logging.getLogger(__name__)


class SparkUnavailable(RuntimeError):
    """Spark cannot run here: pyspark, Java, the similarity jar or commons-text is missing."""


def _conf() -> dict[str, Any]:
    c = dict(getattr(settings, "CROSSREG", {}) or {})
    return {
        "master": c.get("LINKING_SPARK_MASTER")
        or os.environ.get("CROSSREG_LINKING_SPARK_MASTER")
        or "local[2]",
        "driver_memory": c.get("LINKING_SPARK_DRIVER_MEMORY") or "2g",
        "extra": dict(c.get("LINKING_SPARK_CONF") or {}),
    }


def jars() -> list[str]:
    """The jars the session needs: Splink's similarity UDFs (checked with its commons-text)."""
    try:
        import pyspark
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:  # pragma: no cover - pyspark is a dev dependency
        raise SparkUnavailable(f"pyspark is not installed ({exc}); `uv sync` installs it") from exc
    jar = Path(similarity_jar_location())
    if not jar.is_file():
        raise SparkUnavailable(f"Splink's similarity jar is missing: {jar}")
    spark_jars = Path(pyspark.__file__).parent / "jars"
    if not any(p.name.startswith("commons-text-") for p in spark_jars.glob("*.jar")):
        raise SparkUnavailable(
            f"the similarity jar needs Apache commons-text, which is not in {spark_jars}: "
            "add it to LINKING_SPARK_CONF['spark.jars']"
        )
    return [str(jar)]


_SESSION: Any = None


def spark_session() -> Any:
    """One Spark session per process (starting one costs seconds), configured from settings."""
    global _SESSION
    if _SESSION is not None and not _SESSION.sparkContext._jsc.sc().isStopped():
        return _SESSION
    from shutil import which

    if which("java") is None and not os.environ.get("JAVA_HOME"):
        raise SparkUnavailable("Spark needs a Java runtime (JDK 17): none found on PATH or JAVA_HOME")
    from pyspark.sql import SparkSession

    conf = _conf()
    extra_jars = conf["extra"].pop("spark.jars", "")
    builder = (
        SparkSession.builder.appName("crossreg-linking")
        .master(conf["master"])
        .config("spark.driver.memory", conf["driver_memory"])
        .config("spark.jars", ",".join([*jars(), *([extra_jars] if extra_jars else [])]))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.legacy.timeParserPolicy", "CORRECTED")
        .config("spark.driver.extraJavaOptions", "-Dlog4j2.level=ERROR")
    )
    for key, value in conf["extra"].items():
        builder = builder.config(key, value)
    _SESSION = builder.getOrCreate()
    _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


def spark_stop() -> None:
    global _SESSION
    if _SESSION is not None:
        _SESSION.stop()
        _SESSION = None


def _to_spark_sql(condition: str) -> str:
    import sqlglot

    out = sqlglot.transpile(condition, read="duckdb", write="spark")[0]
    # DuckDB's Jaro–Winkler (sqlglot writes it JAROWINKLER_SIMILARITY) is Splink's Scala UDF
    # `jaro_winkler` on Spark.
    return re.sub(r"\bJARO_?WINKLER_SIMILARITY\(", "jaro_winkler(", out, flags=re.IGNORECASE)


def spark_model(model: dict[str, Any]) -> dict[str, Any]:
    """The saved (DuckDB) model as Spark settings: the same parameters, Spark SQL conditions."""
    m = json.loads(json.dumps(engine.with_current_blocking(model)))
    m["sql_dialect"] = "spark"
    for rule in m.get("blocking_rules_to_generate_predictions", []):
        rule["blocking_rule"] = _to_spark_sql(rule["blocking_rule"])
        rule["sql_dialect"] = "spark"
    for comparison in m.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            if level.get("sql_condition", "ELSE") != "ELSE":
                level["sql_condition"] = _to_spark_sql(level["sql_condition"])
    return m


def _frame(sdf: Any) -> pl.DataFrame:
    """A Spark DataFrame as a polars frame, through Arrow (no pandas round trip)."""
    table = sdf.toArrow()
    out = pl.from_arrow(table)
    assert isinstance(out, pl.DataFrame)
    return out


def predict(
    nodes: pl.DataFrame, model: dict[str, Any], *, threshold: float, band_below: float = 1.0
) -> engine.Predictions:
    """:func:`engine.predict` on Spark: every candidate pair scored on the cluster, narrow output
    collected; the review band rescored with every column on DuckDB (:func:`engine.band_rescore`)."""
    from splink import Linker, SparkAPI

    spark = spark_session()
    db_api = SparkAPI(spark_session=spark, register_udfs_automatically=True, break_lineage_method="persist")
    sdf_nodes = spark.createDataFrame(nodes.to_arrow().to_pandas())
    linker = Linker(
        db_api.register(sdf_nodes, dataset_display_name="nodes"),
        spark_model(engine._slim(model)),
        log_level=logging.WARNING,
    )
    tf = _frame(linker.table_management.compute_tf_table("trade_name").as_spark_dataframe())
    pred = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    edges = _frame(pred.as_spark_dataframe().select(*engine.EDGE_KEEP))
    pred.drop_table_from_database_and_remove_from_cache()
    edges = edges.with_columns(pl.col("rid_l").cast(pl.Int64), pl.col("rid_r").cast(pl.Int64))
    tf = tf.cast({c: pl.Float64 for c in tf.columns if c.startswith("tf_")})
    return engine.band_rescore(
        nodes, model, engine._filter_edges(edges), tf, threshold=threshold, band_below=band_below
    )
