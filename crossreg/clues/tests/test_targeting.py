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
