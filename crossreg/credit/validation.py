"""Backtesting a model on history (GB/T 45255 asks that a model be shown to work).

Grade every entity as of ``cutoff`` using only what was known then; the outcome is whether the
inspections of the following ``horizon`` days found a violation. Reported: AUC and KS of the
score (a low score should mean a violation), the violation rate per grade, calibration by score
decile, and the same rates in the **random (undirected) draws only** — directed inspections go
where violations are expected, so only the random draws compare grades without bias. The
provisional registry classes are scored the same way, as the baseline to beat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from crossreg.credit import engine
from crossreg.credit.spec import ModelSpec

GRADE_RISK = {"A": 0, "B": 1, "C": 2, "D": 3}


def auc(risk: npt.NDArray[np.float64], y: npt.NDArray[np.bool_]) -> float:
    """P(a violator's risk > a non-violator's), ties counted half (Mann–Whitney)."""
    pos, neg = int(y.sum()), int((~y).sum())
    if not pos or not neg:
        return float("nan")
    order = np.argsort(risk, kind="mergesort")
    ranks = np.empty(len(risk), dtype=np.float64)
    sorted_r = risk[order]
    # average ranks for ties
    _, first, counts = np.unique(sorted_r, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def ks(risk: npt.NDArray[np.float64], y: npt.NDArray[np.bool_]) -> float:
    if not y.any() or y.all():
        return float("nan")
    thresholds = np.unique(risk)
    pos = np.sort(risk[y])
    neg = np.sort(risk[~y])
    cdf_p = np.searchsorted(pos, thresholds, side="right") / len(pos)
    cdf_n = np.searchsorted(neg, thresholds, side="right") / len(neg)
    return float(np.max(np.abs(cdf_p - cdf_n)))


@dataclass
class Report:
    cutoff: dt.date
    horizon_days: int
    entities: int
    inspected: int
    random_inspected: int
    model: dict[str, Any] = field(default_factory=dict)
    provisional: dict[str, Any] = field(default_factory=dict)


def _rates(grades: list[str], y: npt.NDArray[np.bool_]) -> dict[str, dict[str, Any]]:
    out = {}
    g = np.asarray(grades, dtype=object)
    for grade in ("A", "B", "C", "D"):
        m = g == grade
        n = int(m.sum())
        out[grade] = {"n": n, "violation_rate": round(float(y[m].mean()), 4) if n else None}
    return out


def _figures(
    risk: npt.NDArray[np.float64], grades: list[str], y: npt.NDArray[np.bool_], rnd: npt.NDArray[np.bool_]
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "auc": round(auc(risk, y), 4),
        "ks": round(ks(risk, y), 4),
        "auc_random": round(auc(risk[rnd], y[rnd]), 4),
        "per_grade": _rates(grades, y),
        "per_grade_random": _rates([g for g, r in zip(grades, rnd, strict=True) if r], y[rnd]),
    }
    # calibration: observed violation rate by risk decile (should rise)
    if len(risk):
        qs = np.quantile(risk, np.linspace(0, 1, 11))
        bins = np.clip(np.searchsorted(qs[1:-1], risk, side="right"), 0, 9)
        out["calibration"] = [
            {
                "decile": int(b) + 1,
                "n": int((bins == b).sum()),
                "violation_rate": round(float(y[bins == b].mean()), 4) if (bins == b).any() else None,
            }
            for b in range(10)
        ]
    return out


def backtest(
    *,
    events: pl.DataFrame,
    outcomes: pl.DataFrame,
    spec: ModelSpec,
    entity_ids: npt.ArrayLike,
    provisional: dict[int, str],
    cutoff: dt.date,
    horizon_days: int = 365,
) -> Report:
    """``events``: the engine's columns; ``outcomes``: entity_id, occurred_on, found (bool),
    random (bool) — one row per inspection."""
    ids = np.asarray(entity_ids, dtype=np.int64)
    scores = engine.evaluate(events, spec, cutoff, ids).scores
    end = cutoff + dt.timedelta(days=horizon_days)
    window = outcomes.filter((pl.col("occurred_on") > cutoff) & (pl.col("occurred_on") <= end))
    per = window.group_by("entity_id").agg(
        found=pl.col("found").any(),
        random=pl.col("random").any(),
        random_found=(pl.col("found") & pl.col("random")).any(),
    )
    joined = scores.join(per, on="entity_id", how="inner").sort("entity_id")
    y = joined["found"].to_numpy().astype(bool)
    rnd = joined["random"].to_numpy().astype(bool)
    # in the random draws the outcome is that of the random inspection itself
    y_rnd = joined["random_found"].to_numpy().astype(bool)
    risk = -joined["score_cents"].to_numpy().astype(np.float64)
    grades = joined["grade"].to_list()
    prov = [provisional.get(int(i), "B") for i in joined["entity_id"].to_list()]
    prov_risk = np.array([GRADE_RISK[g] for g in prov], dtype=np.float64)
    report = Report(
        cutoff=cutoff,
        horizon_days=horizon_days,
        entities=len(ids),
        inspected=len(y),
        random_inspected=int(rnd.sum()),
    )
    report.model = _figures(risk, grades, y, rnd)
    report.provisional = _figures(prov_risk, prov, y, rnd)
    # in the random draws use the random inspection's own outcome
    report.model["per_grade_random"] = _rates([g for g, r in zip(grades, rnd, strict=True) if r], y_rnd[rnd])
    report.provisional["per_grade_random"] = _rates(
        [g for g, r in zip(prov, rnd, strict=True) if r], y_rnd[rnd]
    )
    report.model["auc_random"] = round(auc(risk[rnd], y_rnd[rnd]), 4)
    report.provisional["auc_random"] = round(auc(prov_risk[rnd], y_rnd[rnd]), 4)
    return report
