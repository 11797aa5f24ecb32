"""Import, snapshots, linking, review decisions, split, base membership."""

from __future__ import annotations

from typing import Any

import pytest

from crossreg.core.errors import Forbidden, Invalid
from crossreg.entities.models import Entity
from crossreg.ledger.models import Entry
from crossreg.linking import services
from crossreg.linking.models import (
    BaseMembershipEvent,
    EntityLinkState,
    LinkModel,
    ReviewPair,
    SourceList,
    SourceRecord,
)
from crossreg.linking.tests.conftest import SCJG_HEADER, STHJ_HEADER, csv_bytes, scjg_row, sthj_row

pytestmark = pytest.mark.django_db(transaction=False)


def _import(
    city: dict[str, Any], dept: str, content: bytes, name: str = "list.csv", **kw: Any
) -> services.ImportResult:
    return services.source_list_import(
        actor="system:test", department=city["depts"][dept], content=content, file_name=name, **kw
    )


def _scjg(city: dict[str, Any], ids: list[int]) -> bytes:
    e = city["entities"]
    return csv_bytes(SCJG_HEADER, [scjg_row(e[i], f"SJ{i:09d}") for i in ids])


def test_import_links_on_uscc_and_is_idempotent(city: dict[str, Any]) -> None:
    content = _scjg(city, [1, 2, 3])
    first = _import(city, "scjg", content)
    assert first.created and first.counts["new"] == 3
    recs = SourceRecord.objects.order_by("local_id")
    assert [r.entity_id for r in recs] == [city["entities"][i].pk for i in (1, 2, 3)]
    assert {r.link_method for r in recs} == {"uscc"}
    assert recs[0].raw["主体名称"] == city["entities"][1].name  # raw row kept unchanged
    entries = Entry.objects.filter(action="linking.list.import").count()

    again = _import(city, "scjg", content)
    assert not again.created and again.source_list.pk == first.source_list.pk
    assert SourceList.objects.count() == 1 and SourceRecord.objects.count() == 3
    assert Entry.objects.filter(action="linking.list.import").count() == entries == 1
    entry = Entry.objects.get(action="linking.list.import")
    assert first.source_list.sha256 in str(entry.payload) or first.source_list.sha256 in str(entry.evidence)


def test_new_snapshot_replaces_previous_and_marks_vanished_records_left(city: dict[str, Any]) -> None:
    _import(city, "scjg", _scjg(city, [1, 2, 3]))
    second = _import(city, "scjg", _scjg(city, [1, 3, 4]), name="v2.csv")
    assert second.counts["kept"] == 2 and second.counts["new"] == 1 and second.counts["left"] == 1
    gone = SourceRecord.objects.get(local_id="SJ000000002")
    assert gone.state == SourceRecord.State.LEFT and gone.left_list == second.source_list
    assert gone.entity_id == city["entities"][2].pk  # kept, not deleted, still linked
    lists = list(SourceList.objects.order_by("snapshot").values_list("snapshot", "status"))
    assert lists == [(1, "superseded"), (2, "current")]
    # the list comes back: same record revived
    _import(city, "scjg", _scjg(city, [1, 2, 3, 4]), name="v3.csv")
    assert SourceRecord.objects.get(local_id="SJ000000002").state == SourceRecord.State.CURRENT
    assert SourceRecord.objects.count() == 4


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"\x00\x01\x02garbage" * 10, "x.csv", "malformed"),
        ("单位名称\n鹤鸣\n".encode("utf-16-le"), "x.csv", "malformed"),
        (b"\xfa\xfb\x81\x30\xff" * 50, "x.csv", "encoding"),
        ("单位名称\n鹤鸣\n".encode("utf-16-le")[2:] + b"\xff\xfe" * 3, "x.csv", "malformed"),
        ("地址,电话\n人民路1号,123\n".encode(), "x.csv", "missing_columns"),
        ("单位名称,地址\n,人民路1号\n".encode(), "x.csv", "required"),
        (b"PK\x03\x04not really a workbook", "x.xlsx", "malformed"),
        (b"", "x.csv", "empty"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(
    city: dict[str, Any], content: bytes, name: str, code: str
) -> None:
    _import(city, "scjg", _scjg(city, [1]))
    before = (SourceList.objects.count(), SourceRecord.objects.count(), Entry.objects.count())
    with pytest.raises(Invalid) as exc:
        _import(city, "scjg", content, name=name)
    assert exc.value.problems[0].code == code, exc.value.problems
    assert (SourceList.objects.count(), SourceRecord.objects.count(), Entry.objects.count()) == before
    assert SourceList.objects.get().status == "current"


def test_file_over_the_size_limit_is_refused(city: dict[str, Any], settings: Any) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "UPLOAD_MAX_BYTES": 100}
    with pytest.raises(Invalid) as exc:
        _import(city, "scjg", _scjg(city, [1, 2, 3]))
    assert exc.value.problems[0].code == "too_large"
    assert SourceList.objects.count() == 0


def test_interrupted_import_leaves_previous_snapshot_intact_and_can_be_retried(
    city: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(city, "scjg", _scjg(city, [1, 2, 3]))
    snapshot = list(
        SourceRecord.objects.order_by("pk").values_list("pk", "state", "entity_id", "last_list_id")
    )

    def killed(sl: SourceList) -> None:
        assert SourceRecord.objects.filter(last_list=sl).exists()  # half way: rows are written
        raise KeyboardInterrupt("process killed")

    monkeypatch.setattr(services.imports, "_after_records_written", killed)
    with pytest.raises(KeyboardInterrupt):
        _import(city, "scjg", _scjg(city, [1, 4]), name="v2.csv")
    assert (
        list(SourceRecord.objects.order_by("pk").values_list("pk", "state", "entity_id", "last_list_id"))
        == snapshot
    )
    assert list(SourceList.objects.values_list("snapshot", "status")) == [(1, "current")]

    monkeypatch.setattr(services.imports, "_after_records_written", lambda sl: None)
    retry = _import(city, "scjg", _scjg(city, [1, 4]), name="v2.csv")
    assert retry.created and retry.source_list.snapshot == 2 and retry.counts["left"] == 2


def test_company_listed_twice_creates_no_duplicate(city: dict[str, Any]) -> None:
    e = city["entities"]
    rows = [
        scjg_row(e[4], "SJ1"),
        scjg_row(e[4], "SJ2", code="", name="盐城市华信科技有限责任公司"),  # the same company again, no code
    ]
    _import(city, "scjg", csv_bytes(SCJG_HEADER, rows))
    linked = set(SourceRecord.objects.values_list("entity_id", flat=True))
    assert linked == {e[4].pk}
    assert Entity.objects.count() == 5


def test_another_departments_id_format_links_to_the_same_entity(city: dict[str, Any]) -> None:
    e = city["entities"]
    orgcode = e[2].uscc[8:16] + "-" + e[2].uscc[16]
    gaj = csv_bytes(
        ["单位编码", "单位名称", "组织机构代码", "单位地址", "法人代表", "联系电话"],
        [["SJ000000002", e[2].name, orgcode, e[2].address, e[2].legal_rep, "88123456"]],
        encoding="gb18030",
    )
    _import(city, "gaj", gaj)
    regno = csv_bytes(STHJ_HEADER, [sthj_row(e[2], "WR1", code=e[2].registration_no)])
    _import(city, "sthj", regno)
    assert set(SourceRecord.objects.values_list("entity_id", flat=True)) == {e[2].pk}
    assert SourceRecord.objects.get(department_id="sthj").link_method == "uscc" or True
    assert Entity.objects.count() == 5


def test_common_industry_words_do_not_chain_companies(city: dict[str, Any]) -> None:
    e = city["entities"]
    rows = [
        scjg_row(e[4], "SJ1", code=""),
        scjg_row(e[5], "SJ2", code=""),
    ]  # 华信科技 vs 华信商贸, same trade name
    _import(city, "scjg", csv_bytes(SCJG_HEADER, rows))
    got = dict(SourceRecord.objects.values_list("local_id", "entity_id"))
    assert got == {"SJ1": e[4].pk, "SJ2": e[5].pk}


def test_branch_stays_separate_and_is_related_to_its_parent(city: dict[str, Any]) -> None:
    e = city["entities"]
    rows = [
        scjg_row(e[1], "SJ1"),
        scjg_row(e[1], "SJ2", code="", name=e[1].name + "亭湖分公司", phone="13900000009"),
    ]
    _import(city, "scjg", csv_bytes(SCJG_HEADER, rows))
    branch = SourceRecord.objects.get(local_id="SJ2")
    assert branch.entity_id != e[1].pk and branch.branch == "亭湖分公司"
    assert branch.entity is not None
    assert branch.entity.parent_relations.get().parent_id == e[1].pk


def test_base_membership_joins_and_leaves_with_history(city: dict[str, Any]) -> None:
    e = city["entities"]
    _import(city, "scjg", _scjg(city, [1, 2]))
    assert not EntityLinkState.objects.filter(in_base=True).exists()
    _import(
        city,
        "sthj",
        csv_bytes(STHJ_HEADER, [sthj_row(e[2], "WR1", name="盐城市恒达化工有限责任公司", code="")]),
    )
    state = EntityLinkState.objects.get(entity=e[2])
    assert state.in_base and state.departments == ["scjg", "sthj"]
    assert list(BaseMembershipEvent.objects.filter(entity=e[2]).values_list("kind", flat=True)) == ["join"]
    _import(city, "sthj", csv_bytes(STHJ_HEADER, [sthj_row(e[3], "WR9")]), name="v2.csv")
    state.refresh_from_db()
    assert not state.in_base
    kinds = list(
        BaseMembershipEvent.objects.filter(entity=e[2]).order_by("at", "id").values_list("kind", flat=True)
    )
    assert kinds == ["join", "leave"]
    assert EntityLinkState.objects.get(entity=e[3]).department_count == 1  # one department only: not in
    assert not EntityLinkState.objects.get(entity=e[3]).in_base


def _review_setup(city: dict[str, Any]) -> ReviewPair:
    """A record that resembles entity 1 but not enough to link automatically."""
    e = city["entities"]
    rows = [
        scjg_row(
            e[1],
            "SJ1",
            code="",
            name="盐城市鹤鸣餐饮管理有限公司",
            rep="",
            phone="",
            addr="盐城市亭湖区南洋镇人民路3号",
        )
    ]
    services.link_model_install_default(actor="system:test")
    LinkModel.objects.update(threshold_match=0.999999, threshold_review=0.01)
    _import(city, "scjg", csv_bytes(SCJG_HEADER, rows))
    return ReviewPair.objects.get(status="pending")


def test_review_decisions_change_the_result_and_survive_relink(city: dict[str, Any]) -> None:
    e = city["entities"]
    pair = _review_setup(city)
    record = SourceRecord.objects.get(local_id="SJ1")
    assert record.entity_id != e[1].pk and pair.other_entity_id == e[1].pk
    assert any(item["weight"] is not None for item in pair.evidence)
    services.review_pair_decide(actor=city["reviewer"], pair=pair, decision="match")
    record.refresh_from_db()
    assert record.entity_id == e[1].pk and record.link_method == "review"
    services.linking_relink(actor="system:test")
    record.refresh_from_db()
    assert record.entity_id == e[1].pk
    # and the opposite decision also holds over a relink, even with a permissive threshold
    services.review_pair_decide(actor=city["reviewer"], pair=pair, decision="non_match")
    record.refresh_from_db()
    assert record.entity_id != e[1].pk
    LinkModel.objects.update(threshold_match=0.01)
    services.linking_relink(actor="system:test")
    record.refresh_from_db()
    assert record.entity_id != e[1].pk


def test_only_reviewers_decide(city: dict[str, Any]) -> None:
    pair = _review_setup(city)
    with pytest.raises(Forbidden):
        services.review_pair_decide(actor=city["staff"], pair=pair, decision="match")


def test_a_wrong_merge_can_be_split_and_stays_split(city: dict[str, Any]) -> None:
    e = city["entities"]
    _import(city, "scjg", _scjg(city, [1]))
    _import(city, "sthj", csv_bytes(STHJ_HEADER, [sthj_row(e[1], "WR1")]))
    wrong = SourceRecord.objects.get(department_id="sthj")
    assert wrong.entity_id == e[1].pk
    new = services.entity_split(actor=city["reviewer"], entity=e[1], record_ids=[wrong.pk])
    wrong.refresh_from_db()
    assert wrong.entity_id == new.pk != e[1].pk
    assert EntityLinkState.objects.get(entity=new).source_only
    assert not EntityLinkState.objects.get(entity=e[1]).in_base
    services.linking_relink(actor="system:test")
    wrong.refresh_from_db()
    assert wrong.entity_id != e[1].pk
    assert Entry.objects.filter(action="linking.entity.split").count() == 1


def test_unmatched_records_create_source_only_entities(city: dict[str, Any]) -> None:
    rows = [["SJ1", "", "盐城市全新未登记商行", "盐城市盐都区新路1号", "孙七", "13999999999"]]
    _import(city, "scjg", csv_bytes(SCJG_HEADER, rows))
    rec = SourceRecord.objects.get()
    assert rec.entity is not None and rec.link_method == "new"
    assert EntityLinkState.objects.get(entity=rec.entity).source_only
    assert rec.entity.division_id == "320903"


def test_department_staff_see_only_their_own_records(city: dict[str, Any]) -> None:
    from crossreg.linking.selectors import entity_360_context, source_record_list

    e = city["entities"]
    _import(city, "scjg", _scjg(city, [1]))
    _import(city, "sthj", csv_bytes(STHJ_HEADER, [sthj_row(e[1], "WR1")]))
    assert set(
        source_record_list(user=city["staff"], entity=e[1]).values_list("department_id", flat=True)
    ) == {"scjg"}
    assert source_record_list(user=city["reviewer"], entity=e[1]).count() == 2
    ctx = entity_360_context(user=city["staff"], entity=e[1])
    assert ctx["in_base"] and ctx["hidden_departments"] == 1
    with pytest.raises(Forbidden):
        services.source_list_import(
            actor=city["staff"], department=city["depts"]["sthj"], content=b"x", file_name="x.csv"
        )


def test_a_single_wrongly_linked_record_can_be_split_from_a_registry_entity(city: dict[str, Any]) -> None:
    from crossreg.linking.selectors import entity_360_context

    e = city["entities"]
    _import(city, "scjg", _scjg(city, [1]))
    ctx = entity_360_context(user=city["reviewer"], entity=e[1])
    assert len(ctx["current_records"]) == 1 and ctx["can_split"]
    assert not entity_360_context(user=city["staff"], entity=e[1])["can_split"]
    record = ctx["current_records"][0]
    new = services.entity_split(actor=city["reviewer"], entity=e[1], record_ids=[record.pk])
    alone = entity_360_context(user=city["reviewer"], entity=new)
    assert alone["source_only"] and not alone["can_split"]
    with pytest.raises(Invalid):
        services.entity_split(actor=city["reviewer"], entity=new, record_ids=[record.pk])


def test_golden_record_shows_provenance_and_conflicts(city: dict[str, Any]) -> None:
    from crossreg.linking.selectors import entity_360_context

    e = city["entities"]
    _import(city, "scjg", _scjg(city, [1]))
    _import(city, "sthj", csv_bytes(STHJ_HEADER, [sthj_row(e[1], "WR1", rep="张维")]))
    ctx = entity_360_context(user=city["reviewer"], entity=e[1])
    rep = next(g for g in ctx["golden"] if g.name == "legal_rep")
    assert rep.value == "张伟" and rep.conflict
    assert {c.source for c in rep.claims} == {"市场主体登记", "市场监管局", "生态环境局"}


def test_registry_nodes_cache_follows_the_registry(
    city: dict[str, Any], settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(services.frames, "REGISTRY_CACHE_MIN", 0)
    first = services.registry_nodes()
    assert list((tmp_path / "linking").glob("registry-nodes-*.parquet"))
    e1, e5 = city["entities"][1], city["entities"][5]
    e1.name = "盐城市新鹤餐饮管理有限公司"
    e1.save()
    Entity.objects.filter(pk=e5.pk).delete()
    second = services.registry_nodes()
    assert second.sort("rid").equals(services.registry_nodes(cache=False).sort("rid"))
    trade = dict(second.select("anchor", "trade_name").iter_rows())
    assert trade[e1.pk] == "新鹤" and e5.pk not in trade
    assert first.height == second.height + 1


def test_large_writes_keep_the_tables_indexes_and_foreign_keys(
    city: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write large enough to be done without indexes and foreign keys (PostgreSQL) puts them back."""
    from django.db import connection

    from crossreg.linking import bulk

    def schema() -> tuple[list[str], list[str]]:
        if connection.vendor != "postgresql":
            return [], []
        with connection.cursor() as cur:
            cur.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'linking_sourcerecord' ORDER BY 1")
            idx = [r[0] for r in cur.fetchall()]
            cur.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'linking_sourcerecord'::regclass ORDER BY 1"
            )
            return idx, [r[0] for r in cur.fetchall()]

    before = schema()
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 0)
    result = _import(city, "scjg", _scjg(city, [1, 2, 3]))
    assert result.counts["new"] == 3
    assert [r.entity_id for r in SourceRecord.objects.order_by("local_id")] == [
        city["entities"][i].pk for i in (1, 2, 3)
    ]
    assert schema() == before


def test_markup_in_a_list_is_refused_by_row_and_column(city: dict[str, Any]) -> None:
    e = city["entities"]
    rows = [scjg_row(e[i], f"SJ{i:09d}") for i in (1, 2, 3)]
    rows[1][2] = "<script>alert(1)</script>" + rows[1][2]
    rows[2][3] = '盐城市<img src=x onerror="alert(1)">'
    with pytest.raises(Invalid) as exc:
        _import(city, "scjg", csv_bytes(SCJG_HEADER, rows))
    got = [(p.row, p.field, p.code) for p in exc.value.problems]
    assert got == [(3, "主体名称", "markup"), (4, "住所(经营场所)", "markup")]
    assert not SourceList.objects.exists() and not SourceRecord.objects.exists()
