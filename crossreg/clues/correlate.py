"""Batch correlation: clues → bundles → one task per entity, as a vectorised job (polars).

The same rule as the online path (:mod:`crossreg.clues.services`): a bundle is entity × risk type
× fixed window (``CLUES_WINDOW_DAYS`` from the epoch Monday 2000-01-03), its score the sum of its
clues' severity weights, its severity the highest; an entity with any bundle at or over the task
score gets one task. Used to re-correlate a quarter (e.g. after the window changes), to check the
online bundles, and in the benchmark (1,000,000 clues).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.utils import timezone

from crossreg.clues.conf import EPOCH
from crossreg.clues.levels import SEVERITY_ORDER, SEVERITY_WEIGHT


def correlate_frame(
    clues: pl.DataFrame, *, window_days: int, task_score: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``clues``: entity_id (int), risk_type (str), observed_from (datetime or date), severity (str),
    source (str). Returns (bundles, tasks): bundles keyed entity_id × risk_type × window_start with
    score, severity, clue_count, sources, first/last signal; tasks one row per entity to visit."""
    epoch = dt.datetime.combine(EPOCH, dt.time())
    weights = pl.DataFrame(
        {
            "severity": list(SEVERITY_WEIGHT),
            "w": list(SEVERITY_WEIGHT.values()),
            "rank": [SEVERITY_ORDER.index(s) for s in SEVERITY_WEIGHT],
        }
    )
    df = clues.lazy().with_columns(pl.col("observed_from").cast(pl.Datetime("us")))
    df = df.join(weights.lazy(), on="severity", how="left").with_columns(
        (((pl.col("observed_from") - pl.lit(epoch)).dt.total_days() // window_days) * window_days).alias(
            "w_off"
        )
    )
    bundles = (
        df.group_by(["entity_id", "risk_type", "w_off"])
        .agg(
            pl.col("w").sum().alias("score"),
            pl.col("rank").max().alias("sev_rank"),
            pl.len().alias("clue_count"),
            pl.col("source").unique().sort().alias("sources"),
            pl.col("observed_from").min().alias("first_signal"),
            pl.col("observed_from").max().alias("last_signal"),
        )
        .with_columns(
            (pl.lit(EPOCH) + pl.duration(days=pl.col("w_off"))).alias("window_start"),
            pl.col("sev_rank")
            .replace_strict(dict(enumerate(SEVERITY_ORDER)), return_dtype=pl.String)
            .alias("severity"),
        )
        .drop("w_off", "sev_rank")
        .collect()
    )
    tasks = (
        bundles.lazy()
        .filter(pl.col("score") >= task_score)
        .group_by("entity_id")
        .agg(
            pl.len().alias("bundles"),
            pl.col("score").sum().alias("score"),
            pl.col("first_signal").min().alias("first_signal"),
        )
        .sort("entity_id")
        .collect()
    )
    return bundles, tasks


def stored_clues_frame() -> pl.DataFrame:
    """The resolved clues in the database, as the frame :func:`correlate_frame` reads."""
    from crossreg.clues.models import Clue

    rows = list(
        Clue.objects.filter(entity__isnull=False).values_list(
            "entity_id", "risk_type", "observed_from", "severity", "source"
        )
    )
    return pl.DataFrame(
        {
            "entity_id": [r[0] for r in rows],
            "risk_type": [r[1] for r in rows],
            "observed_from": [timezone.localtime(r[2]).replace(tzinfo=None) for r in rows],
            "severity": [r[3] for r in rows],
            "source": [r[4] for r in rows],
        },
        schema={
            "entity_id": pl.Int64,
            "risk_type": pl.String,
            "observed_from": pl.Datetime("us"),
            "severity": pl.String,
            "source": pl.String,
        },
    )
