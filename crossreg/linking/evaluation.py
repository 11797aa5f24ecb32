"""Evaluation of the linked records against the synthetic city's ground truth.

The truth file (``<lists-dir>/_truth/truth.csv``) maps each list row ``(department, row_id)`` to the
entity it describes. A record's predicted cluster is the entity it is linked to. Scores are computed
over records only (the registry entries are the anchors, not scored).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from crossreg.entities.models import Entity
from crossreg.linking import bulk, engine
from crossreg.linking.models import SourceRecord


def truth_frame(path: Path) -> pl.DataFrame:
    df = pl.read_csv(path, infer_schema=False)
    required = {"department", "row_id", "entity_id"}
    missing = required - set(df.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    return df.select(
        (pl.col("department") + pl.lit("|") + pl.col("row_id")).alias("key"),
        pl.col("entity_id").cast(pl.Int64).alias("cluster"),
    )


def predicted_frame(*, current_only: bool = False) -> pl.DataFrame:
    where = "WHERE state = 'current'" if current_only else ""
    df = bulk.fetch_frame(
        f"SELECT department_id, local_id, entity_id, id FROM {SourceRecord._meta.db_table} {where}",
        [],
        {"department": pl.Utf8, "local_id": pl.Utf8, "entity_id": pl.Int64, "pk": pl.Int64},
    )
    return df.select(
        (pl.col("department") + pl.lit("|") + pl.col("local_id")).alias("key"),
        # An unlinked record is its own cluster (negative ids cannot collide with entity ids).
        pl.coalesce(pl.col("entity_id"), -pl.col("pk")).cast(pl.Int64).alias("cluster"),
    )


def evaluate_against(path: Path) -> engine.Scores:
    return engine.evaluate(predicted_frame(), truth_frame(path))


def errors_sample(path: Path, n: int = 20) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Records wrongly merged (precision errors) and wrongly apart (recall errors), for diagnosis."""
    pred = predicted_frame()
    truth = truth_frame(path)
    j = pred.rename({"cluster": "p"}).join(truth.rename({"cluster": "t"}), on="key")
    p_multi = j.group_by("p").agg(pl.col("t").n_unique().alias("nt")).filter(pl.col("nt") > 1)
    t_multi = j.group_by("t").agg(pl.col("p").n_unique().alias("np")).filter(pl.col("np") > 1)
    merged = j.join(p_multi, on="p").sort("p").head(n * 3)
    split = j.join(t_multi, on="t").sort("t").head(n * 3)
    return merged, split


def usccs_on_two_entities() -> pl.DataFrame:
    """Valid USCCs held by two or more entities: the records carrying one point at different
    entities, or at another entity than the registry entry with that code. The target is none."""
    rec = SourceRecord._meta.db_table
    ent = Entity._meta.db_table
    held = bulk.fetch_frame(
        f"SELECT uscc, entity_id FROM {rec} WHERE state = 'current' AND uscc_valid AND uscc <> '' "
        f"AND entity_id IS NOT NULL UNION SELECT e.uscc, e.id FROM {ent} AS e "
        f"WHERE e.uscc IN (SELECT uscc FROM {rec} WHERE state = 'current' AND uscc_valid AND uscc <> '')",
        [],
        {"uscc": pl.Utf8, "entity_id": pl.Int64},
    )
    return (
        held.unique()
        .group_by("uscc")
        .agg(pl.col("entity_id").sort().alias("entities"))
        .filter(pl.col("entities").list.len() > 1)
        .sort("uscc")
    )


def by_kind(path: Path) -> pl.DataFrame:
    """Per kind of mess in the truth file (its ``mess`` column): the rows with it and the share
    linked correctly. A row is linked correctly when its record is in the cluster most rows of its
    entity are in, and most rows of that cluster are of its entity."""
    truth = pl.read_csv(path, infer_schema=False)
    if "mess" not in truth.columns:
        return pl.DataFrame(schema={"kind": pl.Utf8, "rows": pl.Int64, "correct": pl.Float64})
    t = truth.select(
        (pl.col("department") + pl.lit("|") + pl.col("row_id")).alias("key"),
        pl.col("entity_id").cast(pl.Int64).alias("t"),
        pl.col("mess").fill_null(""),
    )
    j = predicted_frame().rename({"cluster": "p"}).join(t, on="key")
    modal_p = (
        j.group_by("t", "p")
        .len()
        .sort(["t", "len", "p"], descending=[False, True, False])
        .unique("t", keep="first")
    ).select("t", pl.col("p").alias("modal_p"))
    modal_t = (
        j.group_by("p", "t")
        .len()
        .sort(["p", "len", "t"], descending=[False, True, False])
        .unique("p", keep="first")
    ).select("p", pl.col("t").alias("modal_t"))
    scored = (
        j.join(modal_p, on="t")
        .join(modal_t, on="p")
        .with_columns(((pl.col("p") == pl.col("modal_p")) & (pl.col("t") == pl.col("modal_t"))).alias("ok"))
    )
    kinds = scored.with_columns(
        pl.when(pl.col("mess") == "")
        .then(pl.lit("(clean)"))
        .otherwise(pl.col("mess"))
        .str.split(";")
        .alias("kind")
    ).explode("kind")
    return (
        kinds.group_by("kind")
        .agg(pl.len().alias("rows"), pl.col("ok").mean().alias("correct"))
        .sort(["correct", "kind"])
    )
