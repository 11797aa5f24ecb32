"""Pooling: one task per distinct entity, leads, counterfactual, merged checklist."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from crossreg.sampling.pooling import PointIn, checklist_merge, point_norm, pool_selections


def test_entity_drawn_by_two_departments_is_one_joint_task() -> None:
    # entity 10: dept 0 (1 item) and dept 1 (3 items); entity 11: dept 0 only; entity 12: two plans of dept 2.
    r = pool_selections(
        entity=[10, 10, 11, 12, 12], department=[0, 1, 0, 2, 2], items=[1, 3, 2, 1, 1], authority=[-1] * 5
    )
    assert r.task_entity.tolist() == [10, 11, 12]
    assert r.task_departments.tolist() == [2, 1, 1]
    assert r.task_lead.tolist() == [1, 0, 2]  # most items leads
    assert r.pair_items.tolist() == [1, 3, 2, 2]
    rep = r.report(draws=4)
    assert (rep.selections, rep.visits, rep.distinct_entities, rep.joint_tasks, rep.visits_saved) == (
        5,
        3,
        3,
        1,
        2,
    )
    assert rep.at_limit


def test_key_industry_authority_leads_when_it_drew_the_entity() -> None:
    r = pool_selections(
        entity=[1, 1, 2, 2], department=[0, 1, 0, 1], items=[5, 1, 5, 1], authority=[1, 1, 3, 3]
    )
    assert r.task_lead.tolist() == [1, 0]  # entity 2's authority (3) did not draw it: most items


def test_tie_goes_to_lower_department_index() -> None:
    r = pool_selections(entity=[1, 1], department=[4, 2], items=[2, 2], authority=[-1, -1])
    assert r.task_lead.tolist() == [2]


def test_empty() -> None:
    r = pool_selections(entity=[], department=[], items=[], authority=[])
    assert r.tasks == 0 and r.report(draws=0).visits_saved == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 5), st.integers(1, 4)), max_size=200))
def test_visits_equal_distinct_entities_and_leads_drew_the_entity(rows) -> None:
    ent = [e for e, _, _ in rows]
    dep = [d for _, d, _ in rows]
    itm = [i for _, _, i in rows]
    r = pool_selections(entity=ent, department=dep, items=itm, authority=[-1] * len(rows))
    assert r.tasks == len(set(ent))
    assert r.report(draws=1).visits_saved == len(rows) - len(set(ent))
    for t, e in enumerate(r.task_entity.tolist()):
        depts = {d for (x, d, _) in rows if x == e}
        assert int(r.task_departments[t]) == len(depts)
        items = {d: sum(i for (x, dd, i) in rows if x == e and dd == d) for d in depts}
        best = max(items.values())
        assert int(r.task_lead[t]) == min(d for d, v in items.items() if v == best)
    # shuffling rows changes nothing
    perm = np.random.default_rng(1).permutation(len(rows))
    r2 = pool_selections(
        entity=np.asarray(ent, dtype=np.int64)[perm] if rows else [],
        department=np.asarray(dep, dtype=np.int64)[perm] if rows else [],
        items=np.asarray(itm, dtype=np.int64)[perm] if rows else [],
        authority=[-1] * len(rows),
    )
    assert r2.task_lead.tolist() == r.task_lead.tolist()


def test_checklist_union_merges_coinciding_points() -> None:
    pts = [
        PointIn(1, 1, "smr", "是否取得食品经营许可证", "食品安全法第35条", "无证经营"),
        PointIn(1, 2, "smr", "从业人员健康证明", "食品安全法第45条"),
        PointIn(2, 1, "hc", "是否取得食品经营许可证。", "食品经营许可管理办法", "无证经营"),
        PointIn(2, 2, "hc", "消毒设施运行情况"),
        PointIn(1, 1, "smr", "是否取得食品经营许可证", "食品安全法第35条", "无证经营"),  # duplicate source
    ]
    merged = checklist_merge(pts, department_order=["hc", "smr"])
    assert [m.content for m in merged] == ["是否取得食品经营许可证。", "消毒设施运行情况", "从业人员健康证明"]
    first = merged[0]
    assert first.departments == ["hc", "smr"]
    assert first.legal_basis == ["食品经营许可管理办法", "食品安全法第35条"]
    assert first.finding == ["无证经营"]
    assert len(first.sources) == 2
    assert point_norm(" A，b ") == point_norm("a b")
