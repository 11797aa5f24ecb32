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

from crossreg.sampling.draw import HmacSha256, lp

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
    arcs: int = 0  # officer->slot arcs in the graph solved last (after pruning)
    eligible_arcs: int = 0  # eligible (officer, slot) pairs, each with its HMAC cost
    rounds: int = 0  # flows solved (1 when the pruned graph was certified at once)

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


PRUNE_SPARE = 8
"""Arcs kept per slot beyond its demand before the optimality certificate (see assign_officers)."""

_EMPTY = np.zeros(0, dtype=np.int64)


def assign_officers(
    *,
    tasks: Sequence[TaskNeed],
    officers: Iterable[OfficerIn],
    recusals: Iterable[tuple[int, str]] = (),
    seed: bytes,
    namespace: str,
    workload_cap: int = 1,
    prune: int | None = PRUNE_SPARE,
) -> AssignResult:
    """Assign officers to every slot of every task, or to none (see the module docstring).

    Every eligible (officer, slot) pair gets its HMAC cost. With ``prune`` set, the flow is first
    solved with only the ``count + prune`` cheapest eligible officers of each slot (ties: officer
    id). That answer is then *certified optimal for the full problem*: a slot whose pruned arcs
    all cost at least as much as some kept arc to an officer who is left unused there and still
    has spare capacity cannot gain from any pruned arc (LP duality: that arc bounds the slot's dual
    price, and the spare officer's capacity price is zero, so every pruned arc has a non-negative
    reduced cost). Slots that fail the certificate, or are left short, get all their eligible arcs
    and the flow is solved again; if a shortage remains the whole unpruned problem is solved, so the
    diagnosis is always the full one. The result is therefore a minimum-total-rank assignment of
    the full problem, the same rule as without pruning (and the same assignment whenever that
    minimum is unique, which with 31-bit random costs it all but always is). ``prune=None``
    solves the full problem directly.
    """
    recused: dict[str, set[int]] = defaultdict(set)
    for oid, ekey in recusals:
        recused[ekey].add(oid)
    offs = [o for o in officers if o.active and o.capacity > 0]
    n_off = len(offs)
    ids = np.fromiter((o.id for o in offs), dtype=np.int64, count=n_off)
    vfrom = np.fromiter((o.valid_from.toordinal() for o in offs), dtype=np.int64, count=n_off)
    vuntil = np.fromiter((o.valid_until.toordinal() for o in offs), dtype=np.int64, count=n_off)
    capacity = np.fromiter((o.capacity for o in offs), dtype=np.int64, count=n_off)
    by_dc_l: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for i, o in enumerate(offs):
        by_dc_l[(o.department, o.county)].append(i)
    by_dc = {k: np.asarray(v, dtype=np.int64) for k, v in by_dc_l.items()}
    olp = [lp(str(o.id)) for o in offs]
    head = lp(ASSIGN_ALGORITHM) + lp(namespace)
    macs: dict[bytes, HmacSha256] = {}

    # Eligible officers per slot, block by block: (department, county, window, domains) share one
    # vectorised mask; recusals, being per entity, are removed per task.
    blocks: dict[tuple[str, str, dt.date, dt.date, frozenset[str]], np.ndarray] = {}

    def eligible_of(t: TaskNeed, s: SlotNeed) -> np.ndarray:
        bkey = (s.department, t.county, t.start, t.end, s.domains)
        cand = blocks.get(bkey)
        if cand is None:
            blk = np.concatenate(
                (by_dc.get((s.department, t.county), _EMPTY), by_dc.get((s.department, None), _EMPTY))
            )
            mask = (vfrom[blk] <= t.start.toordinal()) & (vuntil[blk] >= t.end.toordinal())
            if s.domains:
                mask &= np.fromiter(
                    (bool(offs[i].domains & s.domains) for i in blk), dtype=bool, count=blk.size
                )
            cand = blocks[bkey] = blk[mask]
        rec = recused.get(t.entity_key)
        if rec and cand.size:
            cand = cand[~np.isin(ids[cand], np.fromiter(rec, dtype=np.int64, count=len(rec)))]
        return cand

    def costs_of(t: TaskNeed, cand: np.ndarray) -> np.ndarray:
        if not cand.size:
            return _EMPTY
        key = t.seed or seed
        mac = macs.get(key)
        if mac is None:
            mac = macs[key] = HmacSha256(key)
        prefix = head + lp(t.id)
        raw = b"".join(mac.many([prefix + olp[i] for i in cand.tolist()]))
        # The first 4 bytes of each 32-byte digest, big-endian, shifted right by one: 31 bits.
        return (np.frombuffer(raw, dtype=">u4")[::8] >> 1).astype(np.int64)

    slots: list[tuple[int, int]] = [(ti, si) for ti, t in enumerate(tasks) for si in range(len(t.slots))]
    n_slot = len(slots)
    demand = np.asarray([tasks[ti].slots[si].count for ti, si in slots], dtype=np.int64)
    per_off: list[np.ndarray] = []
    per_cost: list[np.ndarray] = []
    for ti, si in slots:
        t = tasks[ti]
        cand = eligible_of(t, t.slots[si])
        per_off.append(cand)
        per_cost.append(costs_of(t, cand))
    # Every eligible arc, slot by slot: officer index, cost, slot index.
    sizes = np.fromiter((x.size for x in per_off), dtype=np.int64, count=n_slot)
    starts = np.concatenate(([0], np.cumsum(sizes)))
    all_off = np.concatenate(per_off) if n_slot else _EMPTY
    all_cost = np.concatenate(per_cost) if n_slot else _EMPTY
    all_slot = np.repeat(np.arange(n_slot, dtype=np.int64), sizes)
    del per_off, per_cost
    keep = demand + prune if prune is not None else sizes
    is_full = sizes <= keep
    if is_full.all():
        in_graph = np.ones(all_off.size, dtype=bool)
    else:
        # Rank each slot's arcs by (cost, officer id); keep the first ``keep`` of each slot.
        order = np.lexsort((ids[all_off], all_cost, all_slot))
        pos = np.empty(all_off.size, dtype=np.int64)
        pos[order] = np.arange(all_off.size) - np.repeat(starts[:-1], sizes)
        in_graph = pos < keep[all_slot]
    result = AssignResult(eligible_arcs=int(all_off.size))
    total = int(demand.sum())
    if total == 0:
        return result

    def widen(which: np.ndarray) -> None:
        nonlocal is_full
        in_graph[which[all_slot]] = True
        is_full |= which

    while True:
        result.rounds += 1
        idx = np.flatnonzero(in_graph)
        arc_off, arc_slot, arc_cost = all_off[idx], all_slot[idx], all_cost[idx]
        flows, optimal_cost, n_arcs = _solve(arc_off, arc_slot, arc_cost, capacity, demand)
        result.arcs = n_arcs
        filled = np.bincount(arc_slot, weights=flows, minlength=n_slot).astype(np.int64)
        short = demand - filled
        if short.any():
            if is_full.all():
                eligible = [all_off[starts[k] : starts[k + 1]] for k in range(n_slot)]
                result.shortages = _diagnose(tasks, slots, short, eligible, offs, workload_cap)
                return result
            more = (short > 0) & ~is_full
            widen(more if more.any() else ~is_full)  # short only where nothing was pruned: unprune all
            continue
        if is_full.all():
            break
        dist = _potentials(arc_off, arc_slot, arc_cost, flows, capacity, demand)
        if dist is None:  # pragma: no cover - no convergence within the bound: solve unpruned
            widen(~is_full)
            continue
        bad = ~in_graph & (all_cost + dist[all_off] - dist[n_off + all_slot] < 0)
        bad_slots = np.bincount(all_slot[bad], minlength=n_slot) > 0
        if not bad_slots.any():
            break
        widen(bad_slots)

    result.total_cost = optimal_cost
    used = np.flatnonzero(flows > 0)
    for a in used[np.lexsort((ids[arc_off[used]], arc_cost[used], arc_slot[used]))].tolist():
        ti, si = slots[int(arc_slot[a])]
        t, s = tasks[ti], tasks[ti].slots[si]
        result.assignment.setdefault(t.id, []).append((int(ids[arc_off[a]]), s.department, int(arc_cost[a])))
    return result


def _potentials(
    arc_off: np.ndarray,
    arc_slot: np.ndarray,
    arc_cost: np.ndarray,
    flows: np.ndarray,
    capacity: np.ndarray,
    demand: np.ndarray,
    max_rounds: int = 5000,
) -> np.ndarray | None:
    """Node potentials proving a full-demand flow optimal: shortest distances in its residual graph
    from a virtual root joined to every node at cost 0 (Bellman-Ford, vectorised). Nodes: officers
    ``0..n_off-1``, slots ``n_off..``, then the source and the sink. ``None`` if not converged.

    An arc left out of the graph (officer ``o`` → slot ``s``, cost ``c``) could improve the flow
    only if ``c + d[o] - d[s] < 0``: otherwise ``d`` stays a feasible potential with the arc added,
    the residual graph has no negative cycle, and the flow is optimal with it too."""
    n_off, n_slot = capacity.size, demand.size
    src, sink = n_off + n_slot, n_off + n_slot + 1
    load = np.bincount(arc_off, weights=flows, minlength=n_off)
    used = flows > 0
    off_nodes = np.arange(n_off, dtype=np.int64)
    slot_nodes = n_off + np.arange(n_slot, dtype=np.int64)
    spare = load < capacity
    busy = load > 0
    tails = np.concatenate(
        (
            arc_off[~used],  # officer -> slot, unused
            n_off + arc_slot[used],  # slot -> officer, used (cancel)
            np.full(int(spare.sum()), src),  # source -> officer with capacity left
            off_nodes[busy],  # officer -> source (cancel)
            np.full(int((demand > 0).sum()), sink),  # sink -> slot (cancel)
        )
    )
    heads = np.concatenate(
        (
            n_off + arc_slot[~used],
            arc_off[used],
            off_nodes[spare],
            np.full(int(busy.sum()), src),
            slot_nodes[demand > 0],
        )
    )
    w = np.concatenate(
        (
            arc_cost[~used],
            -arc_cost[used],
            np.zeros(int(spare.sum()) + int(busy.sum()) + int((demand > 0).sum()), dtype=np.int64),
        )
    )
    order = np.argsort(heads, kind="stable")
    tails, heads, w = tails[order], heads[order], w[order]
    uniq, first = np.unique(heads, return_index=True)
    dist = np.zeros(n_off + n_slot + 2, dtype=np.int64)
    for _ in range(max_rounds):
        best = np.minimum.reduceat(dist[tails] + w, first) if tails.size else _EMPTY
        new = dist.copy()
        new[uniq] = np.minimum(dist[uniq], best)
        if np.array_equal(new, dist):
            return dist
        dist = new
    return None


def _solve(
    arc_off: np.ndarray, arc_slot: np.ndarray, arc_cost: np.ndarray, capacity: np.ndarray, demand: np.ndarray
) -> tuple[np.ndarray, int, int]:
    """Max flow at min cost: source -> officer (capacity) -> slot (1 per arc) -> sink (demand).
    Returns the officer->slot flows, the optimal cost and the number of arcs."""
    n_off, n_slot = capacity.size, demand.size
    src, sink, first_slot = 0, 1, 2 + n_off
    smcf = min_cost_flow.SimpleMinCostFlow()
    n_assign = arc_off.size
    if n_assign:
        smcf.add_arcs_with_capacity_and_unit_cost(
            (2 + arc_off).astype(np.int32),
            (first_slot + arc_slot).astype(np.int32),
            np.ones(n_assign, dtype=np.int64),
            arc_cost.astype(np.int64),
        )
    if n_off:
        smcf.add_arcs_with_capacity_and_unit_cost(
            np.zeros(n_off, dtype=np.int32),
            np.arange(2, 2 + n_off, dtype=np.int32),
            capacity.astype(np.int64),
            np.zeros(n_off, dtype=np.int64),
        )
    if n_slot:
        smcf.add_arcs_with_capacity_and_unit_cost(
            np.arange(first_slot, first_slot + n_slot, dtype=np.int32),
            np.full(n_slot, sink, dtype=np.int32),
            demand.astype(np.int64),
            np.zeros(n_slot, dtype=np.int64),
        )
    total = int(demand.sum())
    smcf.set_node_supply(src, total)
    smcf.set_node_supply(sink, -total)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:  # pragma: no cover - the graph is always well formed
        raise RuntimeError(f"min-cost flow failed: {status}")
    flows = smcf.flows(np.arange(n_assign, dtype=np.int32)) if n_assign else _EMPTY
    return np.asarray(flows, dtype=np.int64), int(smcf.optimal_cost()), int(smcf.num_arcs())


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
    eligible: Sequence[np.ndarray],
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
        g.eligible.update(offs[i].id for i in eligible[int(k)].tolist())
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
