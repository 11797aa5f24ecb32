"""Drawing the inspectors (随机选派执法检查人员) as a min-cost flow: pure, no Django.

Each task needs officers per department (at least two of the lead department, Art. 42; at least
one of each participating department). An officer may serve a (task, department) *slot* if they
belong to the department, are active, hold a certificate valid over the task's whole date window,
cover the task's region (city-level officers cover every county), hold one of the slot's domains
(when the slot names any), are not recused from the entity (declared relation, or they inspected it
last time), and have workload left.

The random element is the cost: for officer *o* on task *t* it is the first 31 bits of
``HMAC-SHA256(seed, lp("crossreg-assign/1") ‖ lp(namespace) ‖ lp(t) ‖ lp(o))`` — the same public
seed as the draw. The min-cost flow picks, among all assignments that fill every slot without
breaking a workload cap, the one with the least total rank: where nobody competes for an officer
this is simply "the lowest-ranked eligible officers", and caps are respected globally.

If the slots cannot all be filled, nothing is assigned: the result lists, per department, region
and domain, how many slots stay empty and how many more officers would be needed.
"""

from __future__ import annotations

import datetime as dt
import hmac
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

from crossreg.sampling.draw import lp

ASSIGN_ALGORITHM = "crossreg-assign/1"


@dataclass(frozen=True)
class OfficerIn:
    id: int
    department: str
    county: str | None  # None: a city-level officer, covers every county
    domains: frozenset[str]
    valid_from: dt.date
    valid_until: dt.date
    active: bool = True
    capacity: int = 1  # tasks this officer may still take in the period


@dataclass(frozen=True)
class SlotNeed:
    department: str
    count: int
    domains: frozenset[str] = frozenset()  # officer must hold one of these; empty: any


@dataclass(frozen=True)
class TaskNeed:
    id: str
    entity_key: str
    county: str
    start: dt.date
    end: dt.date
    slots: tuple[SlotNeed, ...]
    seed: bytes | None = None  # this task's public seed; None: the ``seed`` given to assign_officers


@dataclass(frozen=True)
class Shortage:
    department: str
    region: str
    domains: tuple[str, ...]
    tasks: int  # tasks with an unfilled slot
    slots_short: int  # officer-places left empty
    officers_short: int  # more officers needed, at least
    eligible: int  # distinct officers eligible for some slot of the group

    def describe(self) -> str:
        dom = "/".join(self.domains) if self.domains else "any"
        return (
            f"department {self.department}, region {self.region}, domain {dom}: "
            f"{self.slots_short} officer places unfilled on {self.tasks} task(s); "
            f"short by {self.officers_short} officer(s) ({self.eligible} eligible)"
        )


@dataclass
class AssignResult:
    assignment: dict[str, list[tuple[int, str, int]]] = field(default_factory=dict)
    # task id -> [(officer id, department, cost)], each slot's officers in cost order
    shortages: list[Shortage] = field(default_factory=list)
    total_cost: int = 0
    arcs: int = 0

    @property
    def ok(self) -> bool:
        return not self.shortages


def cost(seed: bytes, namespace: str, task_id: str, officer_id: int) -> int:
    msg = lp(ASSIGN_ALGORITHM) + lp(namespace) + lp(task_id) + lp(str(officer_id))
    return int.from_bytes(hmac.digest(seed, msg, "sha256")[:4], "big") >> 1


def eligible(o: OfficerIn, t: TaskNeed, s: SlotNeed, recusals: set[tuple[int, str]]) -> bool:
    return (
        o.active
        and o.department == s.department
        and o.capacity > 0
        and o.valid_from <= t.start
        and o.valid_until >= t.end
        and (o.county is None or o.county == t.county)
        and (not s.domains or bool(o.domains & s.domains))
        and (o.id, t.entity_key) not in recusals
    )


def assign_officers(
    *,
    tasks: Sequence[TaskNeed],
    officers: Iterable[OfficerIn],
    recusals: Iterable[tuple[int, str]] = (),
    seed: bytes,
    namespace: str,
    workload_cap: int = 1,
) -> AssignResult:
    """Assign officers to every slot of every task, or to none (see the module docstring)."""
    recused = set(recusals)
    offs = [o for o in officers if o.active and o.capacity > 0]
    by_dc: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for i, o in enumerate(offs):
        by_dc[(o.department, o.county)].append(i)

    src, sink = 0, 1
    first_slot_node = 2 + len(offs)
    tails: list[int] = []
    heads: list[int] = []
    costs: list[int] = []
    slots: list[tuple[int, int]] = []  # (task index, slot index)
    slot_arcs: list[tuple[int, int]] = []  # arc index range officer->slot, per slot
    olp = [lp(str(o.id)) for o in offs]
    head = lp(ASSIGN_ALGORITHM) + lp(namespace)
    digest = hmac.digest
    for ti, t in enumerate(tasks):
        prefix = head + lp(t.id)
        key = t.seed or seed
        for si, s in enumerate(t.slots):
            node = first_slot_node + len(slots)
            slots.append((ti, si))
            a0 = len(tails)
            for oi in (*by_dc.get((s.department, t.county), ()), *by_dc.get((s.department, None), ())):
                o = offs[oi]
                if (
                    o.valid_from <= t.start
                    and o.valid_until >= t.end
                    and (not s.domains or bool(o.domains & s.domains))
                    and (not recused or (o.id, t.entity_key) not in recused)
                ):
                    tails.append(2 + oi)
                    heads.append(node)
                    costs.append(int.from_bytes(digest(key, prefix + olp[oi], "sha256")[:4], "big") >> 1)
            slot_arcs.append((a0, len(tails)))

    n_assign = len(tails)
    smcf = min_cost_flow.SimpleMinCostFlow()
    if n_assign:
        smcf.add_arcs_with_capacity_and_unit_cost(
            np.asarray(tails, dtype=np.int32),
            np.asarray(heads, dtype=np.int32),
            np.ones(n_assign, dtype=np.int64),
            np.asarray(costs, dtype=np.int64),
        )
    # source -> officer (workload), slot -> sink (demand)
    if offs:
        smcf.add_arcs_with_capacity_and_unit_cost(
            np.zeros(len(offs), dtype=np.int32),
            np.arange(2, 2 + len(offs), dtype=np.int32),
            np.asarray([o.capacity for o in offs], dtype=np.int64),
            np.zeros(len(offs), dtype=np.int64),
        )
    demand = [tasks[ti].slots[si].count for ti, si in slots]
    if slots:
        smcf.add_arcs_with_capacity_and_unit_cost(
            np.arange(first_slot_node, first_slot_node + len(slots), dtype=np.int32),
            np.full(len(slots), sink, dtype=np.int32),
            np.asarray(demand, dtype=np.int64),
            np.zeros(len(slots), dtype=np.int64),
        )
    total = sum(demand)
    result = AssignResult(arcs=smcf.num_arcs())
    if total == 0:
        return result
    smcf.set_node_supply(src, total)
    smcf.set_node_supply(sink, -total)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:  # pragma: no cover - the graph is always well formed
        raise RuntimeError(f"min-cost flow failed: {status}")
    flows = smcf.flows(np.arange(n_assign, dtype=np.int32)) if n_assign else np.zeros(0, dtype=np.int64)

    filled = np.zeros(len(slots), dtype=np.int64)
    for k, (a0, a1) in enumerate(slot_arcs):
        filled[k] = int(flows[a0:a1].sum()) if a1 > a0 else 0
    short = np.asarray(demand, dtype=np.int64) - filled
    if short.any():
        result.shortages = _diagnose(tasks, slots, short, slot_arcs, tails, offs, workload_cap)
        return result

    result.total_cost = int(smcf.optimal_cost())
    for k, (a0, a1) in enumerate(slot_arcs):
        ti, si = slots[k]
        t, s = tasks[ti], tasks[ti].slots[si]
        chosen = sorted((costs[a], offs[tails[a] - 2].id) for a in range(a0, a1) if flows[a] > 0)
        result.assignment.setdefault(t.id, []).extend((oid, s.department, c) for c, oid in chosen)
    return result


@dataclass
class _Group:
    tasks: set[str] = field(default_factory=set)
    slots: int = 0
    most: int = 0
    eligible: set[int] = field(default_factory=set)


def _diagnose(
    tasks: Sequence[TaskNeed],
    slots: Sequence[tuple[int, int]],
    short: np.ndarray,
    slot_arcs: Sequence[tuple[int, int]],
    tails: Sequence[int],
    offs: Sequence[OfficerIn],
    workload_cap: int,
) -> list[Shortage]:
    groups: dict[tuple[str, str, tuple[str, ...]], _Group] = defaultdict(_Group)
    for k in np.flatnonzero(short):
        ti, si = slots[int(k)]
        t, s = tasks[ti], tasks[ti].slots[si]
        g = groups[(s.department, t.county, tuple(sorted(s.domains)))]
        g.tasks.add(t.id)
        g.slots += int(short[k])
        g.most = max(g.most, int(short[k]))
        a0, a1 = slot_arcs[int(k)]
        g.eligible.update(offs[tails[a] - 2].id for a in range(a0, a1))
    out = [
        Shortage(
            department=dept,
            region=region,
            domains=domains,
            tasks=len(g.tasks),
            slots_short=g.slots,
            officers_short=max(g.most, math.ceil(g.slots / max(1, workload_cap))),
            eligible=len(g.eligible),
        )
        for (dept, region, domains), g in groups.items()
    ]
    out.sort(key=lambda s: (s.department, s.region, s.domains))
    return out
