"""The evaluation core (no database): determinism, as-of, caps, explanation arithmetic, validation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossreg.core.errors import Invalid
from crossreg.credit import engine
from crossreg.credit.demo import DEMO_SPEC
from crossreg.credit.spec import spec_validate
from crossreg.credit.tests.factories import spec

SPEC = spec_validate(DEMO_SPEC)
KINDS = [
    "penalty",
    "inspection_finding",
    "inspection_clean",
    "complaint_justified",
    "commitment_broken",
    "compulsory_measure",
    "provisional_class",
    "court_judgment",
]
D0 = dt.date(2023, 1, 1)

event_st = st.fixed_dictionaries(
    {
        "entity_id": st.integers(1, 6),
        "kind": st.sampled_from(KINDS),
        "severity": st.sampled_from(["none", "minor", "ordinary", "serious"]),
        "category": st.sampled_from(["", "A", "C", "D", "random"]),
        "occurred": st.integers(0, 1400),
        "span": st.integers(1, 1100),
        "repaired": st.one_of(st.none(), st.integers(0, 1600)),
        "withdrawn": st.one_of(st.none(), st.integers(0, 1600)),
    }
)


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    def day(n: int | None) -> dt.date | None:
        return None if n is None else D0 + dt.timedelta(days=n)

    return engine.events_frame(
        {
            "event_id": list(range(1, len(rows) + 1)),
            "entity_id": [r["entity_id"] for r in rows],
            "kind": [r["kind"] for r in rows],
            "severity": [r["severity"] for r in rows],
            "category": [r["category"] for r in rows],
            "occurred_on": [day(r["occurred"]) for r in rows],
            "counts_until": [day(r["occurred"] + r["span"]) for r in rows],
            "repaired_on": [day(r["repaired"]) for r in rows],
            "withdrawn_on": [day(r["withdrawn"]) for r in rows],
        }
    )


IDS = list(range(1, 7))


@settings(max_examples=60, deadline=None)
@given(st.lists(event_st, max_size=40), st.integers(0, 1600))
def test_same_inputs_same_model_same_score(rows: list[dict[str, Any]], as_of: int) -> None:
    d = D0 + dt.timedelta(days=as_of)
    a = engine.evaluate(frame(rows), SPEC, d, IDS).scores
    b = engine.evaluate(
        frame(list(reversed(rows))).sample(fraction=1.0, shuffle=True, seed=3), SPEC, d, IDS
    ).scores
    assert a["score_cents"].to_list() == b["score_cents"].to_list()
    assert a["grade"].to_list() == b["grade"].to_list()


@settings(max_examples=60, deadline=None)
@given(st.lists(event_st, max_size=40), st.integers(0, 1600), st.lists(event_st, max_size=10))
def test_as_of_ignores_later_events_and_repaired_records(
    rows: list[dict[str, Any]], as_of: int, later: list[dict[str, Any]]
) -> None:
    """Adding events after D, or repairing a record on or before D, never changes the score as
    of D differently from leaving them out altogether."""
    d = D0 + dt.timedelta(days=as_of)
    base = engine.evaluate(frame(rows), SPEC, d, IDS).scores["score_cents"].to_list()
    future = [{**r, "occurred": as_of + 1 + r["occurred"] % 300} for r in later]
    with_future = engine.evaluate(frame(rows + future), SPEC, d, IDS).scores["score_cents"].to_list()
    assert with_future == base
    repaired = [{**r, "repaired": as_of - (r["occurred"] % 5)} for r in later]
    without = [r for r in rows]
    a = engine.evaluate(frame(without + repaired), SPEC, d, IDS).scores["score_cents"].to_list()
    assert a == base


@settings(max_examples=60, deadline=None)
@given(st.lists(event_st, max_size=60), st.integers(0, 1600))
def test_explanation_lines_add_up_to_the_score(rows: list[dict[str, Any]], as_of: int) -> None:
    d = D0 + dt.timedelta(days=as_of)
    res = engine.evaluate(frame(rows), SPEC, d, IDS)
    base = round(SPEC.base_points * 100)
    for eid, score in zip(res.scores["entity_id"], res.scores["score_cents"], strict=True):
        t = res.totals.filter(pl.col("entity_id") == eid)
        lines = res.lines.filter(pl.col("entity_id") == eid)
        adjust = int((t["cents"] - t["raw_cents"]).sum())
        assert base + int(lines["cents"].sum()) + adjust == score
        for row in t.iter_rows(named=True):  # the cap holds
            cap = next(i.cap_cents for i in SPEC.indicators if i.code == row["indicator"])
            if cap is not None:
                assert (row["cents"] >= cap) if cap < 0 else (row["cents"] <= cap)


def test_a_penalty_decays_linearly_and_stops_counting() -> None:
    rows = [
        {
            "entity_id": 1,
            "kind": "penalty",
            "severity": "ordinary",
            "category": "",
            "occurred": 0,
            "span": 100,
            "repaired": None,
            "withdrawn": None,
        }
    ]
    f = frame(rows)
    at = lambda n: engine.evaluate(f, SPEC, D0 + dt.timedelta(days=n), [1]).scores["score_cents"][0]  # noqa: E731
    assert at(0) == 100000 - 15000  # −100 × 1.5
    assert at(50) == 100000 - 7500
    assert at(100) == 100000  # counts_until is exclusive
    assert at(-1) == 100000


def test_grades_follow_the_cutoffs() -> None:
    assert [SPEC.grade_for_cents(c) for c in (103000, 102999, 96000, 95999, 85000, 84999)] == list("ABBCCD")


@pytest.mark.parametrize(
    ("change", "fieldname", "code"),
    [
        (
            {
                "cutoffs": [
                    {"grade": "A", "min": 1000},
                    {"grade": "B", "min": 900, "max": 1010},
                    {"grade": "D", "max": 900},
                ]
            },
            "cutoffs[0].min",
            "overlap",
        ),
        (
            {
                "cutoffs": [
                    {"grade": "A", "min": 1000},
                    {"grade": "B", "min": 900, "max": 990},
                    {"grade": "D", "max": 900},
                ]
            },
            "cutoffs[0].min",
            "gap",
        ),
        (
            {"cutoffs": [{"grade": "A", "min": 1000}, {"grade": "D", "min": 0, "max": 1000}]},
            "cutoffs[1].min",
            "gap",
        ),
        ({"weight_sum": 5}, "weight_sum", "weights"),
    ],
)
def test_bad_models_refused_with_the_field_named(change: dict[str, Any], fieldname: str, code: str) -> None:
    with pytest.raises(Invalid) as exc:
        spec_validate(spec(**change))
    assert (fieldname, code) in [(p.field, p.code) for p in exc.value.problems]


def test_rule_with_unknown_event_kind_refused() -> None:
    s = spec()
    s["dimensions"][2]["indicators"][0]["rules"][1]["kind"] = "bankruptcy"
    with pytest.raises(Invalid) as exc:
        spec_validate(s)
    p = exc.value.problems[0]
    assert p.field == "dimensions[2].indicators[0].rules[1].kind" and "bankruptcy" in p.message


def test_combination_rule() -> None:
    assert engine.combine("B", "C", "worst") == "C"
    assert engine.combine("B", "A", "worst") == "B"
    assert engine.combine("B", None, "worst") == "B"
    assert engine.combine("B", "D", "public") == "B"
