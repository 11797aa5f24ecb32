"""Validation on generated history (no database): the demo model predicts violations, the
provisional classes and a blind model do not."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from crossreg.credit import engine
from crossreg.credit.demo import DEMO_SPEC
from crossreg.credit.spec import spec_validate
from crossreg.credit.tests.factories import spec
from crossreg.credit.validation import auc, backtest, ks
from crossreg.synth.history import history_generate

TODAY = dt.date(2026, 12, 1)


def _events(n: int) -> tuple[pl.DataFrame, pl.DataFrame, dict[int, str]]:
    ids = np.arange(1, n + 1)
    h = history_generate(seed=7, ids=ids, industries=None, today=TODAY)
    prov = {int(i): "ABCD"[int(i * 2654435761 % 97) % 4] for i in ids}
    ev = engine.events_frame(
        {
            "event_id": list(range(1, h.height + 1)),
            "entity_id": h["entity_id"].to_list(),
            "kind": h["kind"].to_list(),
            "severity": h["severity"].to_list(),
            "category": h["category"].to_list(),
            "occurred_on": h["occurred_on"].to_list(),
            "counts_until": [
                d + dt.timedelta(days={"minor": 90, "ordinary": 365, "serious": 1095}.get(s, 365))
                for d, s in zip(h["occurred_on"].to_list(), h["severity"].to_list(), strict=True)
            ],
            "repaired_on": [None] * h.height,
            "withdrawn_on": [None] * h.height,
        }
    )
    outcomes = ev.filter(pl.col("kind").is_in(["inspection_finding", "inspection_clean"])).select(
        "entity_id",
        "occurred_on",
        found=pl.col("kind") == "inspection_finding",
        random=pl.col("category") == "random",
    )
    return ev, outcomes, prov


def test_auc_and_ks_on_known_cases() -> None:
    y = np.array([True, True, False, False])
    assert auc(np.array([4.0, 3, 2, 1]), y) == 1.0
    assert auc(np.array([1.0, 2, 3, 4]), y) == 0.0
    assert auc(np.array([1.0, 1, 1, 1]), y) == 0.5
    assert ks(np.array([4.0, 3, 2, 1]), y) == 1.0


def test_demo_model_beats_the_provisional_classes_and_a_blind_model() -> None:
    ev, outcomes, prov = _events(20_000)
    ids = np.arange(1, 20_001)
    cutoff = TODAY - dt.timedelta(days=365)
    good = backtest(
        events=ev,
        outcomes=outcomes,
        spec=spec_validate(DEMO_SPEC),
        entity_ids=ids,
        provisional=prov,
        cutoff=cutoff,
    )
    assert good.inspected > 1000 and good.random_inspected > 500
    assert good.model["auc"] > 0.58 and good.model["auc"] > good.provisional["auc"] + 0.05
    assert good.model["auc_random"] > 0.58
    # in the random draws, C and D entities violate far more often than B ones
    r = {g: good.model["per_grade_random"][g]["violation_rate"] for g in "BCD"}
    assert r["C"] > 2 * r["B"] and r["D"] > 2 * r["B"]
    blind = spec()
    for d in blind["dimensions"]:
        for ind in d["indicators"]:
            for r in ind["rules"]:
                r["points"] = 0
    bad = backtest(
        events=ev,
        outcomes=outcomes,
        spec=spec_validate(blind),
        entity_ids=ids,
        provisional=prov,
        cutoff=cutoff,
    )
    assert abs(bad.model["auc"] - 0.5) < 0.01
