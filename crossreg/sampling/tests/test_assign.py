"""Inspector assignment: constraints, randomness from the seed, infeasibility diagnosis."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from crossreg.sampling.assign import OfficerIn, SlotNeed, TaskNeed, assign_officers

D0, D1 = dt.date(2025, 7, 1), dt.date(2025, 7, 15)
FAR = dt.date(2099, 1, 1)


def off(i: int, dept: str, county: str | None = "320902", **kw) -> OfficerIn:
    base = {
        "domains": frozenset({"food"}),
        "valid_from": dt.date(2020, 1, 1),
        "valid_until": FAR,
        "capacity": 5,
    }
    base.update(kw)
    return OfficerIn(id=i, department=dept, county=county, **base)  # type: ignore[arg-type]


def task(tid: str, *slots: SlotNeed, county: str = "320902", entity: str | None = None) -> TaskNeed:
    return TaskNeed(id=tid, entity_key=entity or f"E-{tid}", county=county, start=D0, end=D1, slots=slots)


def lead(dept: str = "smr", n: int = 2, domains: frozenset[str] = frozenset()) -> SlotNeed:
    return SlotNeed(department=dept, count=n, domains=domains)


def test_two_lead_one_participant_and_constraints_respected() -> None:
    officers = [
        off(1, "smr"),
        off(2, "smr"),
        off(3, "smr", county=None),
        off(4, "smr", county="320903"),
        off(5, "smr", active=False),
        off(6, "smr", valid_until=dt.date(2025, 7, 10)),  # expires inside the window
        off(7, "smr", domains=frozenset({"drugs"})),
        off(8, "smr"),  # recused
        off(20, "hc"),
        off(21, "hc"),
    ]
    t = task("T1", lead("smr", 2, frozenset({"food"})), SlotNeed("hc", 1), entity="E1")
    r = assign_officers(tasks=[t], officers=officers, recusals=[(8, "E1")], seed=b"s", namespace="2025Q3")
    assert r.ok
    got = r.assignment["T1"]
    smr = [o for o, d, _ in got if d == "smr"]
    assert len(smr) == 2 and set(smr) <= {1, 2, 3}
    assert [d for _, d, _ in got].count("hc") == 1


def test_workload_caps_hold_across_tasks() -> None:
    officers = [off(i, "smr", capacity=2) for i in range(1, 5)]
    tasks = [task(f"T{k}", lead()) for k in range(4)]  # 8 places, 4 officers x 2
    r = assign_officers(tasks=tasks, officers=officers, seed=b"x", namespace="q")
    assert r.ok
    load = Counter(o for rows in r.assignment.values() for o, _, _ in rows)
    assert max(load.values()) <= 2 and sum(load.values()) == 8
    for rows in r.assignment.values():
        assert len({o for o, _, _ in rows}) == 2  # two different officers per task


def test_seed_decides_who_goes() -> None:
    officers = [off(i, "smr") for i in range(1, 30)]
    t = [task("T1", lead())]
    picks = {
        tuple(
            sorted(
                o
                for o, _, _ in assign_officers(tasks=t, officers=officers, seed=s, namespace="q").assignment[
                    "T1"
                ]
            )
        )
        for s in (b"a", b"b", b"c", b"d", b"e")
    }
    assert len(picks) > 1
    again = assign_officers(tasks=t, officers=officers, seed=b"a", namespace="q").assignment
    assert again == assign_officers(tasks=t, officers=officers, seed=b"a", namespace="q").assignment


def test_too_few_officers_gives_diagnosis_and_no_assignment() -> None:
    officers = [off(1, "smr"), off(2, "smr"), off(3, "smr", county="320903"), off(20, "hc", county="320903")]
    tasks = [
        task("T1", lead(), SlotNeed("hc", 1)),
        task("T2", lead(), county="320903"),
        task("T3", lead(), county="320903"),
    ]
    r = assign_officers(tasks=tasks, officers=officers, seed=b"s", namespace="q", workload_cap=5)
    assert not r.ok
    assert r.assignment == {}
    short = {(s.department, s.region): s for s in r.shortages}
    assert set(short) == {("hc", "320902"), ("smr", "320903")}
    assert short[("hc", "320902")].officers_short == 1 and short[("hc", "320902")].eligible == 0
    # 320903 needs 2 per task on two tasks; one officer there (cap 5): short by one officer per task.
    assert short[("smr", "320903")].slots_short == 2
    assert short[("smr", "320903")].officers_short == 1
    assert "320903" in short[("smr", "320903")].describe()


def test_recusal_alone_can_make_it_infeasible() -> None:
    officers = [off(1, "smr"), off(2, "smr")]
    r = assign_officers(
        tasks=[task("T1", lead(), entity="E")],
        officers=officers,
        recusals=[(2, "E")],
        seed=b"s",
        namespace="q",
    )
    assert not r.ok and r.shortages[0].officers_short == 1 and r.assignment == {}


@settings(max_examples=40, deadline=None)
@given(
    n_off=st.integers(2, 12),
    n_tasks=st.integers(1, 8),
    cap=st.integers(1, 4),
    seed=st.binary(min_size=1, max_size=8),
)
def test_feasible_iff_capacity_suffices_in_a_single_region(n_off, n_tasks, cap, seed) -> None:
    officers = [off(i, "smr", capacity=cap) for i in range(n_off)]
    tasks = [task(f"T{k}", lead()) for k in range(n_tasks)]
    r = assign_officers(tasks=tasks, officers=officers, seed=seed, namespace="q", workload_cap=cap)
    assert r.ok == (n_off * cap >= 2 * n_tasks)
    if r.ok:
        load = Counter(o for rows in r.assignment.values() for o, _, _ in rows)
        assert max(load.values()) <= cap
    else:
        assert r.assignment == {}
        assert sum(s.slots_short for s in r.shortages) == 2 * n_tasks - n_off * cap


@settings(max_examples=60, deadline=None)
@given(
    n_off=st.integers(2, 30),
    n_tasks=st.integers(1, 25),
    cap=st.integers(1, 5),
    prune=st.integers(0, 3),
    recuse=st.lists(st.tuples(st.integers(0, 29), st.integers(0, 24)), max_size=10),
    seed=st.binary(min_size=1, max_size=8),
)
def test_pruned_flow_equals_unpruned_optimum(n_off, n_tasks, cap, prune, recuse, seed) -> None:
    """Pruning to the cheapest arcs per slot, certified or widened, gives the full problem's answer."""
    counties = ("320902", "320903")
    officers = [
        off(i, ("smr", "mem")[i % 2], county=(None, *counties)[i % 3], capacity=1 + (i * 7) % cap)
        for i in range(n_off)
    ]
    tasks = [
        task(f"T{k}", lead(("smr", "mem")[k % 2]), lead(("mem", "smr")[k % 2], 1), county=counties[k % 2])
        for k in range(n_tasks)
    ]
    rec = [(o, f"E-T{t}") for o, t in recuse]
    kw = {"tasks": tasks, "officers": officers, "recusals": rec, "seed": seed, "namespace": "q"}
    full = assign_officers(**kw, workload_cap=cap, prune=None)
    pruned = assign_officers(**kw, workload_cap=cap, prune=prune)
    assert pruned.ok == full.ok
    assert pruned.total_cost == full.total_cost
    assert pruned.assignment == full.assignment
    assert pruned.shortages == full.shortages
    assert pruned.arcs <= full.arcs


def test_hmac_helper_equals_hmac_digest() -> None:
    import hmac

    from crossreg.sampling.assign import cost
    from crossreg.sampling.draw import HmacSha256, lp

    for key in (b"k", "双色球 03 07 12".encode() * 9, bytes(range(64)), bytes(range(65))):
        msgs = [b"", b"x", lp("crossreg-assign/1") + lp("q") + lp("T1") + lp("7"), bytes(200)]
        assert HmacSha256(key).many(msgs) == [hmac.digest(key, m, "sha256") for m in msgs]
        got = assign_officers(
            tasks=[task("T1", lead(n=1))], officers=[off(7, "smr")], seed=key, namespace="q"
        )
        assert got.assignment["T1"][0][2] == cost(key, "q", "T1", 7)
