"""The ``real`` list plan: the city's lists as departments publish them (issue 17 item 5)."""

from __future__ import annotations

from collections import Counter

import pytest

from crossreg.linking import standardise as std
from crossreg.synth.generate import GenEntity, entities_generate
from crossreg.synth.lists import PLANS, PendingRow, file_head, former_name, former_trade, list_rows_for_chunk
from crossreg.synth.mess import REAL_MESS_KINDS

SEED = 2021
FILE_KINDS = {"title_rows", "department_headers"}


@pytest.fixture(scope="module")
def both() -> tuple[dict[str, list[PendingRow]], dict[str, list[PendingRow]]]:
    real: dict[str, list[PendingRow]] = {}
    city: dict[str, list[PendingRow]] = {}
    for k, chunk in enumerate(entities_generate(SEED, 12_000)):
        for dept, rows in list_rows_for_chunk(SEED, k, chunk, "real").items():
            real.setdefault(dept, []).extend(rows)
        for dept, rows in list_rows_for_chunk(SEED, k, chunk, "city").items():
            city.setdefault(dept, []).extend(rows)
    return real, city


def test_every_real_kind_of_noise_appears(both: tuple[dict[str, list[PendingRow]], ...]) -> None:
    real, _ = both
    seen = Counter(kind for rows in real.values() for r in rows for kind in r.mess)
    assert not sorted(set(REAL_MESS_KINDS) - set(seen))


def test_the_real_plan_is_the_city_plan_plus_noise(both: tuple[dict[str, list[PendingRow]], ...]) -> None:
    real, city = both
    assert list(real) == list(city)
    for dept in real:
        assert [r.entity.id for r in real[dept]] == [r.entity.id for r in city[dept]]
        for r, c in zip(real[dept], city[dept], strict=True):
            assert r.mess[: len(c.mess)] == c.mess  # the city's noise first, then the real lists'
            if not set(r.mess) - set(c.mess) - FILE_KINDS:
                assert r.values == c.values


def _check(r: PendingRow, e: GenEntity) -> None:
    v = r.values
    if "name_former_note" in r.mess:
        assert "（原名" in v["name"] and former_name(e)
    if "name_former" in r.mess:
        assert former_name(e) is not None and "name_former_note" not in r.mess
    if "uscc_ocr" in r.mess:
        assert v["uscc"] != e.uscc and len(v["uscc"]) == 18
        assert any(ch in v["uscc"] for ch in "ODILZSBG")
    if "address_abbrev" in r.mess:
        assert v["address"].startswith(e.road) or "address_traditional" in r.mess
    if "legal_rep_changed" in r.mess:
        assert v["legal_rep"] != e.legal_rep
    if "name_traditional_full" in r.mess:
        assert v["name"] != e.name


def test_the_noise_is_really_in_the_values(both: tuple[dict[str, list[PendingRow]], ...]) -> None:
    real, _ = both
    for rows in real.values():
        for r in rows:
            _check(r, r.entity)


def test_a_renamed_entity_has_one_former_name_on_every_list(
    both: tuple[dict[str, list[PendingRow]], ...],
) -> None:
    real, _ = both
    notes: dict[int, set[str]] = {}
    for rows in real.values():
        for r in rows:
            if "name_former" in r.mess:
                old = former_trade(r.entity)
                assert (old and old in r.values["name"]) or {"name_homophone", "name_traditional_full"} & set(
                    r.mess
                )
            if "name_former_note" in r.mess and "name_traditional_full" not in r.mess:
                notes.setdefault(r.entity.id, set()).add(r.values["name"].split("（原名", 1)[1])
    assert notes and all(len(names) == 1 for names in notes.values())


def test_every_published_header_is_found_and_read_by_the_import() -> None:
    for spec in PLANS["real"].specs:
        head = file_head(spec)
        assert len(head) >= 2 and head[0][0].endswith("2026年度监管对象名录")
        row = ["x"] * len(head[-1])
        at = std.find_header_row([*head, row, row])
        assert at == len(spec.title_rows), spec.department
        mapping = std.detect_mapping(head[-1])
        fields = {f for _, f in spec.columns}
        assert mapping["name"] == next(h for h, f in spec.columns if f == "name"), spec.department
        if "uscc" in fields:
            assert mapping["uscc_raw"] == next(h for h, f in spec.columns if f == "uscc"), spec.department
        if "address" in fields:
            assert mapping["address"] == next(h for h, f in spec.columns if f == "address"), spec.department
        assert mapping["local_id"] == next(h for h, f in spec.columns if f == "row_id"), spec.department
