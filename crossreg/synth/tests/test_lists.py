"""Department lists without the database: who lists what, and every promised kind of mess."""

from __future__ import annotations

from collections import Counter

import pytest
from stdnum.cn import uscc as stdnum_uscc

from crossreg.synth.generate import GenEntity, entities_generate
from crossreg.synth.lists import DEPT_DOMAINS, PLANS, SPECS, PendingRow, list_rows_for_chunk
from crossreg.synth.mess import MESS_KINDS

SEED = 2021


@pytest.fixture(scope="module")
def rows() -> tuple[list[GenEntity], dict[str, list[PendingRow]]]:
    entities: list[GenEntity] = []
    out: dict[str, list[PendingRow]] = {s.department: [] for s in SPECS}
    for k, chunk in enumerate(entities_generate(SEED, 12_000)):
        entities.extend(chunk)
        for dept, dept_rows in list_rows_for_chunk(SEED, k, chunk).items():
            out[dept].extend(dept_rows)
    return entities, out


def test_every_kind_of_mess_appears(rows: tuple[list[GenEntity], dict[str, list[PendingRow]]]) -> None:
    _, lists = rows
    seen = Counter(kind for dept_rows in lists.values() for r in dept_rows for kind in r.mess)
    missing = sorted(set(MESS_KINDS) - set(seen))
    assert not missing, f"mess kinds never produced: {missing}"


def test_mess_is_really_in_the_values(rows: tuple[list[GenEntity], dict[str, list[PendingRow]]]) -> None:
    _, lists = rows
    for dept_rows in lists.values():
        for r in dept_rows:
            e, v = r.entity, r.values
            name = "".join(v.get("name", "").split())
            if "uscc" in v and e.uscc:
                if "uscc_typo" in r.mess or "uscc_transposed" in r.mess:
                    assert v["uscc"] != e.uscc and not stdnum_uscc.is_valid(v["uscc"])
                if "regno_instead" in r.mess:
                    assert v["uscc"] == e.registration_no and len(v["uscc"]) == 15
                if "uscc_missing" in r.mess:
                    assert v["uscc"] == ""
            if "name_form_variant" in r.mess:
                assert ("有限责任公司" in name) != ("有限责任公司" in e.name) or "name_traditional" in r.mess
            if "name_region_dropped" in r.mess:
                assert not name.startswith(e.name_region)
            if "name_traditional" in r.mess:
                assert v["name"] != e.name
            if "address_number_chinese" in r.mess:
                assert f"{e.number}号" not in v["address"]
            if "legal_rep_missing" in r.mess:
                assert v["legal_rep"] == ""
            if not r.mess or r.mess == ["foreign_id_format"]:
                assert v.get("name", e.name) == e.name


def test_lists_follow_domains(rows: tuple[list[GenEntity], dict[str, list[PendingRow]]]) -> None:
    entities, lists = rows
    for dept, dept_rows in lists.items():
        assert dept_rows, f"{dept} lists nobody"
        for r in dept_rows:
            assert DEPT_DOMAINS[dept] & set(r.entity.domains)
    restaurants = {e.id for e in entities if e.kind == "i_restaurant" and e.status in ("active", "operating")}
    on_scjg = {r.entity.id for r in lists["scjg"]}
    assert len(restaurants & on_scjg) / len(restaurants) > 0.9


def test_a_cross_department_base_forms(rows: tuple[list[GenEntity], dict[str, list[PendingRow]]]) -> None:
    entities, lists = rows
    per_entity: Counter[int] = Counter()
    for dept_rows in lists.values():
        for eid in {r.entity.id for r in dept_rows}:
            per_entity[eid] += 1
    two_plus = sum(1 for n in per_entity.values() if n >= 2)
    assert 0.5 < two_plus / len(entities) < 0.9  # most live entities are on 2–4 lists


def test_duplicates_and_foreign_formats(rows: tuple[list[GenEntity], dict[str, list[PendingRow]]]) -> None:
    _, lists = rows
    for dept, dept_rows in lists.items():
        ids = Counter(r.entity.id for r in dept_rows)
        dups = sum(1 for r in dept_rows if "duplicate" in r.mess)
        assert sum(n - 1 for n in ids.values()) == dups, dept
    assert all("orgcode_instead" in r.mess for r in lists["gaj"])
    assert all("foreign_id_format" in r.mess for r in lists["xf"])
    xf_ids = {r.values["row_id"] for r in lists["xf"]}
    scjg_ids = {r.values["row_id"] for r in lists["scjg"]}
    assert all(x.startswith("SJ") and len(x) == 11 for x in xf_ids)
    assert xf_ids & scjg_ids  # the same record IDs mean different entities in the two lists


def test_bench8_plan_lists_each_entity_about_three_times() -> None:
    """Issue 5's benchmark: eight departments' lists, ~3 rows per entity (3,000,000 at 1,000,000)."""
    plan = PLANS["bench8"]
    n, rows, per_dept = 0, 0, Counter[str]()
    kinds: Counter[str] = Counter()
    for k, chunk in enumerate(entities_generate(SEED, 20_000)):
        n += len(chunk)
        out = list_rows_for_chunk(SEED, k, chunk, plan)
        assert list(out) == list(plan.departments)
        again = list_rows_for_chunk(SEED, k, chunk, "bench8")
        assert [[(r.entity.id, r.values, r.mess) for r in rs] for rs in again.values()] == [
            [(r.entity.id, r.values, r.mess) for r in rs] for rs in out.values()
        ]
        for dept, dept_rows in out.items():
            rows += len(dept_rows)
            per_dept[dept] += len(dept_rows)
            kinds.update(kind for r in dept_rows for kind in r.mess)
    assert 2.85 < rows / n < 3.15
    assert all(per_dept[d] > 0.05 * n for d in plan.departments)
    # The mess model is the default plan's: identifier, name and address kinds all appear.
    assert {"uscc_typo", "regno_instead", "orgcode_instead", "foreign_id_format"} - set(kinds) == {
        "orgcode_instead"  # 公安局 (the one list with organisation codes) is not in the plan
    }
    assert {"name_form_variant", "address_number_chinese", "duplicate", "stale"} <= set(kinds)
