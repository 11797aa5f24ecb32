"""The evaluation core: a pure, vectorised function over columns (polars), no database.

:func:`evaluate` grades every given entity as of a date under one model spec. The full-city batch
(``services.credit_evaluate_all``), the incremental re-evaluation of one entity, the explanation on
the credit page, the validation backtest and the benchmark all call this one function, so they
cannot disagree.

An event counts as of ``D`` when ``occurred_on <= D < counts_until``, it was not withdrawn on or
before ``D`` and not repaired on or before ``D``. A rule with ``decay = linear`` weighs it by the
share of its counting period still to run. Points are integer hundredths; an indicator total is
clipped at its cap; the score is ``base + Σ indicator totals``; the cut-offs give the grade.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from crossreg.credit.spec import ModelSpec

EVENT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "event_id": pl.Int64,
    "entity_id": pl.Int64,
    "kind": pl.Utf8,
    "severity": pl.Utf8,
    "category": pl.Utf8,
    "occurred_on": pl.Date,
    "counts_until": pl.Date,
    "repaired_on": pl.Date,
    "withdrawn_on": pl.Date,
}


def events_frame(rows: dict[str, list[object]] | None = None) -> pl.DataFrame:
    """An events frame with the engine's schema (empty without ``rows``)."""
    return pl.DataFrame(rows or {k: [] for k in EVENT_SCHEMA}, schema=EVENT_SCHEMA)


def rules_frame(spec: ModelSpec) -> pl.DataFrame:
    weights = {i.code: i.weight for i in spec.indicators}
    return pl.DataFrame(
        {
            "rule_index": list(range(len(spec.rules))),
            "kind": [r.kind for r in spec.rules],
            "r_severity": [r.severity for r in spec.rules],
            "r_category": [r.category for r in spec.rules],
            "indicator": [r.indicator for r in spec.rules],
            "points": [r.points for r in spec.rules],
            "linear": [r.decay == "linear" for r in spec.rules],
            "weight": [weights[r.indicator] for r in spec.rules],
        },
        schema={
            "rule_index": pl.Int32,
            "kind": pl.Utf8,
            "r_severity": pl.Utf8,
            "r_category": pl.Utf8,
            "indicator": pl.Utf8,
            "points": pl.Float64,
            "linear": pl.Boolean,
            "weight": pl.Float64,
        },
    )


@dataclass(frozen=True)
class Result:
    scores: pl.DataFrame  # entity_id, score_cents, grade
    lines: pl.DataFrame  # entity_id, event_id, indicator, rule_index, factor, cents
    totals: pl.DataFrame  # entity_id, indicator, raw_cents, cents (after the cap)


def counting(events: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """The events that count as of ``as_of`` (nothing later, nothing withdrawn or repaired by then)."""
    d = pl.lit(as_of, dtype=pl.Date)
    return events.filter(
        (pl.col("occurred_on") <= d)
        & (pl.col("counts_until") > d)
        & (pl.col("withdrawn_on").is_null() | (pl.col("withdrawn_on") > d))
        & (pl.col("repaired_on").is_null() | (pl.col("repaired_on") > d))
    )


def evaluate(
    events: pl.DataFrame,
    spec: ModelSpec,
    as_of: dt.date,
    entity_ids: npt.ArrayLike,
) -> Result:
    """Grade ``entity_ids`` as of ``as_of`` from ``events`` (any superset of theirs) under ``spec``."""
    ids = np.unique(np.asarray(entity_ids, dtype=np.int64))
    live = counting(events, as_of)
    rules = rules_frame(spec)
    d = pl.lit(as_of, dtype=pl.Date)
    matched = (
        live.join(rules, on="kind", how="inner")
        .filter(
            (pl.col("r_severity").is_null() | (pl.col("r_severity") == pl.col("severity")))
            & (pl.col("r_category").is_null() | (pl.col("r_category") == pl.col("category")))
        )
        # within an indicator, the first matching rule applies to an event
        .sort("rule_index")
        .unique(subset=["event_id", "indicator"], keep="first", maintain_order=True)
    )
    span = (pl.col("counts_until") - pl.col("occurred_on")).dt.total_days().cast(pl.Float64)
    left = (pl.col("counts_until") - d).dt.total_days().cast(pl.Float64)
    lines = matched.with_columns(
        factor=pl.when(pl.col("linear")).then(left / span).otherwise(pl.lit(1.0)),
    ).with_columns(
        cents=(pl.col("points") * pl.col("weight") * pl.col("factor") * 100).round(0).cast(pl.Int64)
    )
    lines = lines.select("entity_id", "event_id", "indicator", "rule_index", "factor", "cents").sort(
        ["entity_id", "indicator", "event_id"]
    )
    caps = pl.DataFrame(
        {
            "indicator": [i.code for i in spec.indicators],
            "cap": [i.cap_cents for i in spec.indicators],
        },
        schema={"indicator": pl.Utf8, "cap": pl.Int64},
    )
    totals = (
        lines.group_by(["entity_id", "indicator"])
        .agg(raw_cents=pl.col("cents").sum())
        .join(caps, on="indicator", how="left")
        .with_columns(
            cents=pl.when(pl.col("cap").is_null())
            .then(pl.col("raw_cents"))
            .when(pl.col("cap") < 0)
            .then(pl.max_horizontal("raw_cents", "cap"))
            .otherwise(pl.min_horizontal("raw_cents", "cap"))
        )
        .drop("cap")
        .sort(["entity_id", "indicator"])
    )
    base = round(spec.base_points * 100)
    per_entity = totals.group_by("entity_id").agg(delta=pl.col("cents").sum())
    scores = (
        pl.DataFrame({"entity_id": ids}, schema={"entity_id": pl.Int64})
        .join(per_entity, on="entity_id", how="left")
        .with_columns(score_cents=(pl.col("delta").fill_null(0) + base).cast(pl.Int64))
        .drop("delta")
    )
    scores = scores.with_columns(grade=grade_expr(spec, pl.col("score_cents"))).sort("entity_id")
    keep = pl.DataFrame({"entity_id": ids}, schema={"entity_id": pl.Int64})
    return Result(
        scores=scores,
        lines=lines.join(keep, on="entity_id", how="semi"),
        totals=totals.join(keep, on="entity_id", how="semi"),
    )


def grade_expr(spec: ModelSpec, cents: pl.Expr) -> pl.Expr:
    """The grade of a score column under the spec's (validated, contiguous) cut-offs."""
    expr: Any = None
    for c in spec.cutoffs:
        cond = pl.lit(True)
        if c.min is not None:
            cond = cond & (cents >= round(c.min * 100))
        if c.max is not None:
            cond = cond & (cents < round(c.max * 100))
        expr = pl.when(cond).then(pl.lit(c.grade)) if expr is None else expr.when(cond).then(pl.lit(c.grade))
    assert expr is not None
    return expr.otherwise(pl.lit(None, dtype=pl.Utf8))


def combine(public: str, industry: str | None, rule: str) -> str:
    """The grade sampling uses: the public grade combined with the industry grade by ``rule``."""
    if industry is None or rule == "public":
        return public
    if rule == "worst":
        return max(public, industry)  # "D" > "C" > "B" > "A": the worse grade
    raise ValueError(f"unknown CREDIT_COMBINE rule {rule!r}")
