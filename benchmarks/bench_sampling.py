"""Double random end to end on a synthetic 1,000,000-entity city: draw, pooling, inspector assignment.

    .venv/bin/python -m benchmarks.bench_sampling --entities 1000000

The city's columns are generated in numpy (seeding a million rows into the database would measure
the loader, not sampling); the draw, pooling and assignment are the platform's own pure functions
(``crossreg.sampling.draw.select`` / ``pool_root``, ``pooling.pool_selections``,
``assign.assign_officers`` on OR-Tools min-cost flow), exactly as the services call them.

City: 9 counties; credit classes A 20% / B 60% / C 15% / D 5%; 15 departments whose lists hold
70% (market regulation) and 2–14% (the others) of the entities, overlapping at random. Quarterly
ratios are a quarter of the annual Lindian-style figures: A exempt (无事不扰), B 1.25%, C 5.25%,
D 15.25%, minimum 1. Officers: ~2,000 across the departments in proportion to their draws, 70% in
a county and 30% city-level, 3% with expired certificates and 2% suspended. Prints figures (wall
and CPU seconds: the machine is shared); asserts nothing. ``--workers`` (default 2) runs the
departments' draws in that many forked processes: each department draws its own plan.

Measured (2 cores, shared; docs/workflows/sampling.md has the table): before, 46.0 s wall / 46.2 s
CPU / 1,148 MiB on a quiet machine (220 s wall on a busy one); after, 20.5 s wall / 25.7 s CPU /
654 MiB (``--workers 1``: 23.6 s). Target: < 60 s, < 4 GiB.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import resource
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from crossreg.sampling import draw
from crossreg.sampling.assign import OfficerIn, SlotNeed, TaskNeed, assign_officers
from crossreg.sampling.pooling import pool_selections

COUNTIES = ("320902", "320903", "320904", "320921", "320922", "320923", "320924", "320925", "320981")
RULES = {
    "A": draw.StratumRule("0", 0),
    "B": draw.StratumRule("1.25", 1),
    "C": draw.StratumRule("5.25", 1),
    "D": draw.StratumRule("15.25", 1),
}


class _Clock:
    """Wall and CPU seconds of a step (this process and its finished children): the machine is
    shared, so both are reported."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), self._cpu()

    @staticmethod
    def _cpu() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, self._cpu() - self.cpu


def _fmt(wc: tuple[float, float]) -> str:
    return f"{wc[0]:8.2f} s {wc[1]:8.2f} s cpu"


def _rss_mib() -> float:
    """Peak resident set of this process or of its largest draw worker, whichever is larger."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


_CITY: dict[str, Any] = {}


def _draw_department(d: int) -> np.ndarray:
    """Department ``d``'s draw: the pool root it published before, then the HMAC selection."""
    keys, credit_l, m = _CITY["keys"], _CITY["credit"], _CITY["members"][d]
    pool = [(credit_l[i], keys[i]) for i in m.tolist()]
    draw.pool_root(pool)
    picks = draw.select(seed=_CITY["seed"], plan=f"SP-2025Q3-d{d:02d}-001", pool=pool, rules=RULES)
    idx = {keys[i]: i for i in m.tolist()}
    return np.fromiter((idx[p.key] for p in picks), dtype=np.int64, count=len(picks))


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--entities", type=int, default=1_000_000)
    ap.add_argument("--departments", type=int, default=15)
    ap.add_argument("--officers", type=int, default=2000)
    ap.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="processes for the departments' draws",
    )
    ap.add_argument("--seed", default="2025-07-01 双色球 03 07 12 19 25 31+09")
    args = ap.parse_args(list(argv) if argv is not None else None)
    import datetime as dt

    rng = np.random.default_rng(20250701)
    n, n_dept = args.entities, args.departments
    c_all = _Clock()

    c0 = _Clock()
    credit = rng.choice(np.array(list("ABCD")), size=n, p=[0.2, 0.6, 0.15, 0.05])
    county = rng.integers(0, len(COUNTIES), size=n)
    keys = [f"91320{i:013d}" for i in range(n)]  # USCC-shaped unique keys
    credit_l = credit.tolist()
    share = np.concatenate([[0.70], np.linspace(0.02, 0.14, n_dept - 1)])
    members = [np.flatnonzero(rng.random(n) < share[d]) for d in range(n_dept)]
    t_gen = c0.stop()
    pool_total = sum(m.size for m in members)

    # 1. Draws: pool root (published before) + HMAC selection per department.
    c0 = _Clock()
    _CITY.update(keys=keys, credit=credit_l, members=members, seed=args.seed)
    workers = max(1, min(args.workers, n_dept))
    if workers > 1:
        # Departments draw independently (each its own plan): one process per core, forked so the
        # city's columns are shared, not pickled. CPU seconds below count this process only.
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(workers) as procs:
            sel_entity = procs.map(_draw_department, range(n_dept), chunksize=1)
    else:
        sel_entity = [_draw_department(d) for d in range(n_dept)]
    sel_dept = [np.full(e.size, d, dtype=np.int64) for d, e in enumerate(sel_entity)]
    t_draw = c0.stop()
    ent = np.concatenate(sel_entity)
    dep = np.concatenate(sel_dept)

    # 2. Pooling.
    c0 = _Clock()
    items = rng.integers(1, 4, size=ent.size)
    authority = np.where(county[ent] % 3 == 0, 1, -1)  # some key-industry entities led by dept 1
    pooled = pool_selections(entity=ent, department=dep, items=items, authority=authority)
    rep = pooled.report(draws=n_dept)
    t_pool = c0.stop()

    # 3. Inspectors.
    c0 = _Clock()
    demand = np.zeros(n_dept)
    for d in range(n_dept):
        lead_tasks = int((pooled.task_lead == d).sum())
        part = int((pooled.pair_department == d).sum()) - lead_tasks
        demand[d] = 2 * lead_tasks + part
    per_dept = np.maximum(4, np.round(args.officers * demand / demand.sum())).astype(int)
    officers: list[OfficerIn] = []
    oid = 0
    start = dt.date(2025, 7, 1)
    caps: list[int] = []
    for d in range(n_dept):
        cap = max(4, math.ceil(1.6 * demand[d] / per_dept[d]))
        caps.append(cap)
        for _ in range(per_dept[d]):
            oid += 1
            local = rng.random() < 0.7
            officers.append(
                OfficerIn(
                    id=oid,
                    department=f"d{d:02d}",
                    county=COUNTIES[int(rng.integers(0, len(COUNTIES)))] if local else None,
                    domains=frozenset(),
                    valid_from=dt.date(2020, 1, 1),
                    valid_until=dt.date(2024, 12, 31) if rng.random() < 0.03 else dt.date(2030, 1, 1),
                    active=rng.random() >= 0.02,
                    capacity=cap,
                )
            )
    tasks: list[TaskNeed] = []
    order = np.argsort(pooled.pair_task, kind="stable")
    pt, pd_ = pooled.pair_task[order], pooled.pair_department[order]
    bounds = np.searchsorted(pt, np.arange(pooled.tasks + 1))
    wins = 6
    for t in range(pooled.tasks):
        lead = int(pooled.task_lead[t])
        depts = pd_[bounds[t] : bounds[t + 1]].tolist()
        slots = (SlotNeed(f"d{lead:02d}", 2), *(SlotNeed(f"d{x:02d}", 1) for x in depts if x != lead))
        w = t % wins
        s = start + dt.timedelta(days=14 * w)
        e_ = int(pooled.task_entity[t])
        tasks.append(
            TaskNeed(
                id=f"T{t}",
                entity_key=keys[e_],
                county=COUNTIES[int(county[e_])],
                start=s,
                end=s + dt.timedelta(days=13),
                slots=slots,
            )
        )
    t_build = c0.stop()
    c0 = _Clock()
    res = assign_officers(
        tasks=tasks,
        officers=officers,
        seed=draw.seed_bytes(args.seed),
        namespace="2025Q3",
        workload_cap=max(caps),
    )
    t_assign = c0.stop()
    total = c_all.stop()

    print(f"bench_sampling: {n:,} entities, {n_dept} departments, {len(officers):,} officers, one quarter")
    print(f"  generate columns (numpy)     {_fmt(t_gen)}   (pools: {pool_total:,} department-list rows)")
    print(f"  draw (roots + HMAC ranks)    {_fmt(t_draw)}   ({rep.selections:,} selections)")
    print(
        f"  pooling                      {_fmt(t_pool)}   ({rep.distinct_entities:,} distinct entities, {rep.joint_tasks:,} joint tasks)"
    )
    print(f"  build assignment input       {_fmt(t_build)}   ({sum(len(t.slots) for t in tasks):,} slots)")
    print(
        f"  assign (min-cost flow)       {_fmt(t_assign)}   ({res.eligible_arcs:,} eligible pairs ranked, {res.arcs:,} arcs solved in {res.rounds} round(s), {'feasible' if res.ok else 'INFEASIBLE'})"
    )
    if not res.ok:
        for short in res.shortages[:5]:
            print("    short:", short.describe())
    print(f"  total                        {_fmt(total)}")
    print(f"  peak RSS                     {_rss_mib():8.0f} MiB")
    print(
        f"  visits: {rep.visits:,} pooled vs {rep.selections:,} with independent draws -> {rep.visits_saved:,} saved "
        f"({100 * rep.visits_saved / max(1, rep.selections):.1f}%); at limit (visits == distinct entities): {rep.at_limit}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
