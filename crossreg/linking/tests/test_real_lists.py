"""Real-list quirks (issue 17 items 3–5, 9): bracketed former names, a valid USCC never split, former
names as a match, title rows above the header, the header names real lists use, the mapping shown
before importing, and duplicate rows reported with their row numbers."""

from __future__ import annotations

import io
from typing import Any

import pytest

from crossreg.entities.models import Entity
from crossreg.entities.names import normalize_name, parse_name
from crossreg.entities.uscc import uscc_make
from crossreg.linking import services
from crossreg.linking import standardise as std
from crossreg.linking.models import ReviewPair, SourceList, SourceRecord
from crossreg.linking.tests.conftest import SCJG_HEADER, STHJ_HEADER, csv_bytes, scjg_row, sthj_row

pytestmark = pytest.mark.django_db(transaction=False)


def _import(city: dict[str, Any], dept: str, content: bytes, name: str = "list.csv", **kw: Any) -> Any:
    return services.source_list_import(
        actor="system:test", department=city["depts"][dept], content=content, file_name=name, **kw
    )


def _entity(name: str, uscc: str, county: str = "320902", **kw: Any) -> Entity:
    p = parse_name(name)
    return Entity.objects.create(
        uscc=uscc,
        name=name,
        name_norm=normalize_name(name),
        name_region=p.region,
        trade_name=p.trade_name,
        industry_words=p.industry_words,
        org_form=p.org_form,
        branch=p.branch,
        entity_type=Entity.Type.ENTERPRISE,
        division_id=county,
        **kw,
    )


# --- item 3: former names in brackets; a valid USCC is never split ------------------------------

EXAMPLE = "江苏景名餐饮有限公司潘黄分公司(原名江苏琰澜餐饮有限公司潘黄分公司)"


@pytest.mark.parametrize(
    "raw",
    [
        EXAMPLE,
        "江苏景名餐饮有限公司潘黄分公司（原名江苏琰澜餐饮有限公司潘黄分公司）",
        "江苏景名餐饮有限公司潘黄分公司（曾用名：江苏琰澜餐饮有限公司潘黄分公司）",
        "江苏景名餐饮有限公司潘黄分公司[原:江苏琰澜餐饮有限公司潘黄分公司]",
        "江苏景名餐饮有限公司潘黄分公司【原名称江苏琰澜餐饮有限公司潘黄分公司】",
    ],
)
def test_bracketed_former_name_is_kept_apart_not_parsed_as_the_branch(raw: str) -> None:
    import polars as pl

    out = std.standardise_names(pl.DataFrame({"name": [raw]})).row(0, named=True)
    assert out["branch"] == "潘黄分公司"
    assert out["trade_name"] == "景名"
    assert out["name_clean"] == "江苏景名餐饮有限公司潘黄分公司"
    assert out["former_names"] == "江苏琰澜餐饮有限公司潘黄分公司"


def test_a_trade_name_in_brackets_is_not_a_former_name() -> None:
    import polars as pl

    out = std.standardise_names(pl.DataFrame({"name": ["王记(原野)小吃店"]})).row(0, named=True)
    assert out["former_names"] == "" and "原野" in out["name_clean"]


def test_branch_with_a_former_name_links_to_its_entity_by_uscc(city: dict[str, Any]) -> None:
    code = uscc_make("9", "1", "320902", "MA0PH001")
    branch = _entity("江苏景名餐饮有限公司潘黄分公司", code, address="盐城市亭湖区潘黄街道1号")
    before = Entity.objects.count()
    row = ["SJ1", code, EXAMPLE, "盐城市亭湖区潘黄街道1号", "周军", "13800000099"]
    _import(city, "scjg", csv_bytes(SCJG_HEADER, [row]))
    rec = SourceRecord.objects.get()
    assert rec.entity_id == branch.pk and rec.link_method == "uscc"
    assert rec.branch == "潘黄分公司" and rec.former_names == "江苏琰澜餐饮有限公司潘黄分公司"
    assert rec.raw["主体名称"] == EXAMPLE  # the raw row is kept as it came
    assert Entity.objects.count() == before  # no source-only entity for an exact, valid USCC


def test_records_sharing_a_valid_uscc_are_not_split_and_the_conflict_is_reviewed(
    city: dict[str, Any],
) -> None:
    e = city["entities"][1]
    # The same valid code, but the name says a branch: a data-entry error or a wrong parse.
    rows = [scjg_row(e, "SJ1", name=e.name + "亭湖分公司")]
    _import(city, "scjg", csv_bytes(SCJG_HEADER, rows))
    rec = SourceRecord.objects.get()
    assert rec.entity_id == e.pk
    pair = ReviewPair.objects.get(status=ReviewPair.Status.PENDING)
    assert pair.origin == "uscc_branch" and pair.record_id == rec.pk and pair.other_entity_id == e.pk
    assert {x["comparison"] for x in pair.evidence} == {"code", "branch"}
    # A relink keeps them together and does not duplicate the pair.
    services.linking_relink(actor="system:test")
    rec.refresh_from_db()
    assert rec.entity_id == e.pk
    assert ReviewPair.objects.filter(origin="uscc_branch").count() == 1


def test_two_records_with_one_valid_uscc_and_different_branches_stay_together(city: dict[str, Any]) -> None:
    code = uscc_make("9", "1", "320903", "MA0YY002")  # not in the registry
    rows = [
        ["SJ1", code, "盐城市恒远物流有限公司", "盐城市盐都区开放大道9号", "孙立", "13800000011"],
        ["SJ2", code, "盐城市恒远物流有限公司盐都分公司", "盐城市盐都区开放大道9号", "孙立", "13800000011"],
    ]
    _import(city, "scjg", csv_bytes(SCJG_HEADER, rows))
    assert SourceRecord.objects.values("entity_id").distinct().count() == 1
    assert ReviewPair.objects.filter(origin="uscc_branch", status="pending").count() == 1


# --- item 5: former names are compared ---------------------------------------------------------


def test_a_renamed_company_listed_under_its_former_name_is_linked(city: dict[str, Any]) -> None:
    e = city["entities"][1]  # 盐城市鹤鸣餐饮管理有限公司
    old = "盐城市金穗餐饮管理有限公司"
    _import(city, "sthj", csv_bytes(STHJ_HEADER, [sthj_row(e, "WR1", name=f"{e.name}（原名{old}）")]))
    # 市场监管局's list still has the old name, no code, no phone and no representative: only the
    # address agrees, and the trade names differ, so the model alone keeps them apart.
    _import(city, "scjg", csv_bytes(SCJG_HEADER, [scjg_row(e, "SJ1", code="", name=old, phone="", rep="")]))
    got = dict(SourceRecord.objects.values_list("department_id", "entity_id"))
    assert got == {"sthj": e.pk, "scjg": e.pk}
    services.linking_relink(actor="system:test")
    assert set(SourceRecord.objects.values_list("entity_id", flat=True)) == {e.pk}


def test_a_former_name_alone_does_not_link_a_different_company(city: dict[str, Any]) -> None:
    e = city["entities"][1]
    old = "盐城市金穗餐饮管理有限公司"
    _import(city, "sthj", csv_bytes(STHJ_HEADER, [sthj_row(e, "WR1", name=f"{e.name}（原名{old}）")]))
    # Another company now uses the freed name: other address, representative and phone.
    other = ["SJ1", "", old, "盐城市亭湖区黄海路77号", "陈刚", "13911112222"]
    _import(city, "scjg", csv_bytes(SCJG_HEADER, [other]))
    assert SourceRecord.objects.get(department_id="scjg").entity_id != e.pk


# --- item 4: header detection, real header names, the mapping shown first ----------------------


def _xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


TITLED_HEADER = ["序号", "机构全称", "社会信用代码", "经营场所", "法人代表", "联系电话"]


def _titled_rows(city: dict[str, Any]) -> list[list[str]]:
    e = city["entities"]
    return [
        ["2026年度监管对象名录", "", "", "", "", ""],
        ["填报单位:盐城市市场监督管理局", "", "", "", "导出日期:2026-11-30", ""],
        TITLED_HEADER,
        *[["1", e[1].name, e[1].uscc, e[1].address, e[1].legal_rep, "13800000001"]],
        *[["2", e[2].name, e[2].uscc, e[2].address, e[2].legal_rep, "13800000002"]],
        ["合计:2户", "", "", "", "", ""],
    ]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("with_mapping", [False, True])
def test_a_list_with_title_rows_above_the_header_is_imported(
    city: dict[str, Any], kind: str, with_mapping: bool
) -> None:
    rows = _titled_rows(city)
    content = csv_bytes(rows[0], rows[1:]) if kind == "csv" else _xlsx(rows)
    mapping = {"name": "机构全称", "uscc_raw": "社会信用代码"} if with_mapping else None
    result = _import(city, "scjg", content, name=f"list.{kind}", mapping=mapping)
    sl = result.source_list
    assert sl.row_count == 2
    assert sl.column_mapping["name"] == "机构全称" and sl.column_mapping["uscc_raw"] == "社会信用代码"
    assert sl.column_mapping["address"] == "经营场所" and sl.column_mapping["legal_rep"] == "法人代表"
    recs = SourceRecord.objects.order_by("row_number")
    assert [r.entity_id for r in recs] == [city["entities"][1].pk, city["entities"][2].pk]
    assert [r.row_number for r in recs] == [4, 5]  # the file's own row numbers
    title = next(w for w in result.warnings if w["kind"] == "title_rows")
    assert title["header_row"] == 3 and title["rows"][0] == "2026年度监管对象名录"
    assert next(w for w in result.warnings if w["kind"] == "footer_rows")["rows"] == [6]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("机构全称", "name"),
        ("经营单位", "name"),
        ("单位名称", "name"),
        ("企业（单位）名称", "name"),
        ("纳税人名称", "name"),
        ("社会信用代码", "uscc_raw"),
        ("社会统一信用代码", "uscc_raw"),
        ("纳税人识别号", "uscc_raw"),
        ("法人代表", "legal_rep"),
        ("法定代表人（负责人）", "legal_rep"),
        ("经营场所", "address"),
        ("实际经营地址", "address"),
        ("联系人电话", "phone"),
        ("所属辖区", "region"),
    ],
)
def test_header_names_of_real_lists_are_recognised(header: str, field: str) -> None:
    headers = ["序号", header] if field == "name" else ["序号", "单位名称", header]
    assert std.detect_mapping(headers).get(field) == header


def test_a_row_number_column_is_not_the_record_id() -> None:
    assert "local_id" not in std.detect_mapping(["序号", "单位名称", "地址"])


def test_the_preview_shows_the_guessed_mapping_and_writes_nothing(city: dict[str, Any]) -> None:
    rows = _titled_rows(city)
    content = csv_bytes(rows[0], rows[1:])
    preview = services.source_list_preview(
        actor="system:test", department=city["depts"]["scjg"], content=content, file_name="list.csv"
    )
    assert preview.header_row == 3 and preview.title_rows[0] == "2026年度监管对象名录"
    assert preview.mapping["name"] == "机构全称" and preview.mapping["phone"] == "联系电话"
    assert preview.unmapped == ["序号"]
    assert preview.rows == 2 and preview.importable and not preview.problems
    assert preview.sample[0]["name"] == city["entities"][1].name and preview.sample[0]["row"] == "4"
    assert not SourceList.objects.exists() and not SourceRecord.objects.exists()


def test_the_preview_reports_what_the_import_would_refuse(city: dict[str, Any]) -> None:
    e = city["entities"]
    content = csv_bytes(SCJG_HEADER, [scjg_row(e[1], "SJ1"), scjg_row(e[2], "SJ2", name="")])
    preview = services.source_list_preview(
        actor="system:test", department=city["depts"]["scjg"], content=content, file_name="list.csv"
    )
    assert not preview.importable and [p.row for p in preview.problems] == [3]


def test_a_mapping_naming_a_missing_column_is_refused(city: dict[str, Any]) -> None:
    from crossreg.core.errors import Invalid

    content = _scjg_bytes(city)
    with pytest.raises(Invalid) as exc:
        _import(city, "scjg", content, mapping={"name": "企业名称"})
    assert exc.value.problems[0].code == "missing_columns"


def _scjg_bytes(city: dict[str, Any]) -> bytes:
    e = city["entities"]
    return csv_bytes(SCJG_HEADER, [scjg_row(e[1], "SJ1")])


# --- item 9: duplicate rows are reported -------------------------------------------------------


def test_duplicate_rows_are_reported_with_their_row_numbers(city: dict[str, Any]) -> None:
    e = city["entities"]
    rows = [
        scjg_row(e[1], "SJ1"),
        scjg_row(e[2], "SJ2"),
        scjg_row(e[1], "SJ1"),  # the very same row again (row 4)
        scjg_row(e[3], "SJ3"),
        scjg_row(e[2], "SJ9", phone="13900000000"),  # the same company, another record ID (row 6)
        scjg_row(e[4], "SJ4", code=""),
        scjg_row(e[4], "SJ8", code=""),  # the same name and address, no code (row 8)
    ]
    result = _import(city, "scjg", csv_bytes(SCJG_HEADER, rows))
    dups = [w for w in result.warnings if w["kind"] == "duplicate"]
    assert [(w["kind"], w["rows"]) for w in dups] == [
        ("duplicate", [2, 4]),
        ("duplicate", [3, 6]),
        ("duplicate", [7, 8]),
    ]
    assert [w.get("value") for w in dups][1] == e[2].uscc
    assert result.counts["duplicate_rows"] == 3
    assert result.source_list.warnings == result.warnings  # kept with the snapshot
    assert SourceRecord.objects.count() == 7  # reported, not dropped


def test_a_one_cell_title_line_above_a_csv_header_is_skipped() -> None:
    text = (
        "2026年度监管对象名录\n填报单位：盐城市市场监督管理局\n单位名称,地址\n甲公司,人民路1号\n合计：1户\n"
    )
    t = std.read_table(text.encode("gb18030"), "x.csv")
    assert t.headers == ["单位名称", "地址"] and t.rows == [["甲公司", "人民路1号"]]
    assert t.header_row == 3 and t.row_numbers == [4] and t.footer_rows == [(5, "合计：1户")]


def test_ocr_letters_in_a_code_are_read_back_only_when_that_makes_it_valid() -> None:
    import polars as pl

    code = uscc_make("9", "1", "320902", "MA000001")
    misread = code.replace("0", "O").replace("1", "I", 1)
    out = std.standardise_codes(pl.DataFrame({"uscc_raw": [misread, "O" * 18]}))
    assert out.get_column("uscc").to_list() == [code, ""]
