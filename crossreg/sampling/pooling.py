"""Pooling the draws of a period (汇总比对): pure, vectorised, no Django.

Input is one row per *selection*: an entity drawn by a plan on behalf of a department, with the
number of supervision items that department brings. Output is one inspection task per distinct
entity: entities drawn by two or more departments get one joint task, led by the key-industry
authority when it is among them, else by the department bringing the most items (ties: the lower
department index, i.e. the first department code in sort order).

Without pooling every selection is its own visit (the counterfactual of independent departmental
draws); with it there is one visit per distinct entity: the physical limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from crossreg.inspections.checklist import MergedPoint, PointIn, checklist_merge, point_norm

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class PoolResult:
    """Tasks as columns. ``task_*`` arrays have one element per task (= distinct entity, ascending);
    ``pair_*`` arrays one per (task, department), sorted by task then department."""

    task_entity: IntArray
    task_lead: IntArray
    task_departments: IntArray  # number of departments per task
    pair_task: IntArray
    pair_department: IntArray
    pair_items: IntArray
    selections: int

    @property
    def tasks(self) -> int:
        return int(self.task_entity.size)

    @property
    def joint_tasks(self) -> int:
        return int((self.task_departments >= 2).sum())

    def report(self, *, draws: int) -> PeriodReport:
        return PeriodReport(
            draws=draws,
            selections=self.selections,
            distinct_entities=self.tasks,
            visits=self.tasks,
            joint_tasks=self.joint_tasks,
            visits_saved=self.selections - self.tasks,
        )


@dataclass(frozen=True)
class PeriodReport:
    draws: int  # plan draws in the period
    selections: int  # (plan, entity) selections = visits without pooling
    distinct_entities: int
    visits: int
    joint_tasks: int
    visits_saved: int

    @property
    def at_limit(self) -> bool:
        return self.visits == self.distinct_entities


def pool_selections(
    *,
    entity: Sequence[int] | IntArray,
    department: Sequence[int] | IntArray,
    items: Sequence[int] | IntArray,
    authority: Sequence[int] | IntArray,
) -> PoolResult:
    """Pool selection rows. ``authority[i]`` is the department index of the key-industry authority
    for row i's entity, or -1. All arrays have the same length."""
    ent = np.asarray(entity, dtype=np.int64)
    dep = np.asarray(department, dtype=np.int64)
    itm = np.asarray(items, dtype=np.int64)
    aut = np.asarray(authority, dtype=np.int64)
    if not (ent.shape == dep.shape == itm.shape == aut.shape):
        raise ValueError("pool_selections: columns differ in length")
    n = int(ent.size)
    empty = np.zeros(0, dtype=np.int64)
    if n == 0:
        return PoolResult(empty, empty, empty, empty, empty, empty, 0)

    # (entity, department) pairs with the items they bring, summed over plans.
    order = np.lexsort((dep, ent))
    e_s, d_s, i_s, a_s = ent[order], dep[order], itm[order], aut[order]
    new_pair = np.ones(n, dtype=bool)
    new_pair[1:] = (e_s[1:] != e_s[:-1]) | (d_s[1:] != d_s[:-1])
    starts = np.flatnonzero(new_pair)
    pair_entity = e_s[starts]
    pair_department = d_s[starts]
    pair_items = np.add.reduceat(i_s, starts)
    pair_authority = a_s[starts]

    new_task = np.ones(pair_entity.size, dtype=bool)
    new_task[1:] = pair_entity[1:] != pair_entity[:-1]
    task_starts = np.flatnonzero(new_task)
    task_entity = pair_entity[task_starts]
    pair_task = np.cumsum(new_task) - 1
    task_departments = np.diff(np.append(task_starts, pair_entity.size))

    # Lead: the authority if it drew the entity; else most items, ties by lower department index.
    lead = np.full(task_entity.size, -1, dtype=np.int64)
    is_auth = pair_department == pair_authority
    lead[pair_task[is_auth]] = pair_department[is_auth]
    by_items = np.lexsort((pair_department, -pair_items, pair_task))
    first = np.ones(by_items.size, dtype=bool)
    first[1:] = pair_task[by_items][1:] != pair_task[by_items][:-1]
    best = by_items[first]  # one pair per task, in task order
    no_auth = lead < 0
    lead[no_auth] = pair_department[best][no_auth]
    return PoolResult(
        task_entity=task_entity,
        task_lead=lead,
        task_departments=task_departments,
        pair_task=pair_task,
        pair_department=pair_department,
        pair_items=pair_items,
        selections=n,
    )


# The merged checklist belongs to the inspection task (crossreg.inspections.checklist); it is
# re-exported here for the pooling step and its tests.

__all__ = [
    "MergedPoint",
    "PeriodReport",
    "PointIn",
    "PoolResult",
    "checklist_merge",
    "point_norm",
    "pool_selections",
]
