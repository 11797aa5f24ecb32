from __future__ import annotations

import pytest

from crossreg.clues.targeting import Arm, chart_svg, lift, report_rows


def test_wilson_interval_known_value() -> None:
    lo, hi = Arm(100, 20).wilson()
    assert lo == pytest.approx(0.1333, abs=1e-3) and hi == pytest.approx(0.2888, abs=1e-3)
    assert Arm(0, 0).wilson() == (0.0, 0.0)


def test_lift_and_interval() -> None:
    ratio, lo, hi = lift(Arm(100, 40), Arm(400, 40))
    assert ratio == pytest.approx(4.0)
    assert lo is not None and hi is not None
    assert lo < 4.0 < hi and lo > 2.5
    assert lift(Arm(10, 1), Arm(10, 0)) == (None, None, None)


def test_report_compares_same_domains_only() -> None:
    rows = (
        [{"trigger": "clue", "domain": "environment", "violation": i < 30, "days": i % 10} for i in range(60)]
        + [
            {"trigger": "random", "domain": "environment", "violation": i < 10, "days": None}
            for i in range(100)
        ]
        + [
            {"trigger": "clue", "domain": "food", "violation": True, "days": 3} for _ in range(5)
        ]  # no random arm
    )
    r = report_rows(rows)
    assert r["total"]["targeted"]["n"] == 60  # food has no control and stays out of the total
    assert r["total"]["lift"] == pytest.approx(0.5 / 0.1)
    assert r["total"]["days_median"] == pytest.approx(4.5)
    svg = chart_svg(r)
    assert svg.startswith("<svg") and "environment" in svg and "<script" not in svg


def test_batch_correlation_matches_the_online_rule() -> None:
    import datetime as dt

    import polars as pl

    from crossreg.clues.correlate import correlate_frame

    t = dt.datetime(2026, 3, 10, 9)
    df = pl.DataFrame(
        {
            "entity_id": [1, 1, 1, 2, 2],
            "risk_type": ["p", "p", "q", "p", "p"],
            "observed_from": [t, t + dt.timedelta(days=1), t, t, t + dt.timedelta(days=40)],
            "severity": ["medium", "medium", "high", "low", "critical"],
            "source": ["iot", "complaint", "iot", "iot", "iot"],
        }
    )
    bundles, tasks = correlate_frame(df, window_days=30, task_score=4)
    b = {(r["entity_id"], r["risk_type"], r["window_start"]): r for r in bundles.to_dicts()}
    assert len(b) == 4
    e1p = next(v for k, v in b.items() if k[:2] == (1, "p"))
    assert (e1p["score"], e1p["clue_count"], e1p["severity"], e1p["sources"]) == (
        4,
        2,
        "medium",
        ["complaint", "iot"],
    )
    assert tasks["entity_id"].to_list() == [1, 2]  # one task per entity, whatever its bundles
    assert tasks.filter(pl.col("entity_id") == 1)["bundles"].item() == 2
