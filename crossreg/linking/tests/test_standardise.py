"""Standardisation: vectorised checks agree with the registry's own functions; DuckDB text functions."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossreg.entities.names import parse_name
from crossreg.entities.uscc import ALPHABET, registration_no_make, uscc_check, uscc_make
from crossreg.linking import standardise as std


def test_duckdb_edit_distance_counts_characters_not_bytes() -> None:
    """Pinned DuckDB: one Chinese character is one edit (it is three UTF-8 bytes)."""
    con = duckdb.connect()
    row = con.execute(
        "SELECT levenshtein('盐城鹤鸣', '盐城鹤明'), damerau_levenshtein('鹤鸣', '鸣鹤'),"
        " levenshtein('盐城', '盐城市'), length('盐城'), strlen('盐城'),"
        " jaro_winkler_similarity('鹤鸣餐饮', '鹤鸣餐饮')"
    ).fetchone()
    assert row == (1, 1, 1, 2, 6, 1.0)
    assert duckdb.__version__ == "2.0.1"


def _frame(codes: list[str]) -> pl.DataFrame:
    return std.standardise_codes(pl.DataFrame({"uscc_raw": codes}))


@settings(max_examples=60, deadline=None)
@given(
    body=st.text(alphabet=ALPHABET, min_size=8, max_size=8),
    county=st.sampled_from(["320902", "320903", "110000", "440300"]),
    kind=st.sampled_from(["91", "92", "93", "51", "12"]),
    pos=st.integers(min_value=0, max_value=17),
    ch=st.sampled_from(list(ALPHABET)),
)
def test_vectorised_uscc_verdict_matches_uscc_check(
    body: str, county: str, kind: str, pos: int, ch: str
) -> None:
    good = uscc_make(kind[0], kind[1], county, body)
    typo = good[:pos] + ch + good[pos + 1 :]
    out = _frame([good, typo]).get_column("uscc_valid").to_list()
    assert out == [uscc_check(good).valid, uscc_check(typo).valid]


def test_codes_in_other_formats_are_recognised() -> None:
    code = uscc_make("9", "1", "320902", "MA000001")
    regno = registration_no_make("320902", "00000001")
    df = _frame(
        [
            code.lower(),
            f"{code[:8]}-{code[8:17]}-{code[17]}",
            "９" + code[1:],
            regno,
            f"{code[8:16]}-{code[16]}",
            "bogus",
        ]
    )
    assert df.get_column("uscc").to_list() == [code, code, code, "", "", ""]
    assert df.get_column("registration_no").to_list() == ["", "", "", regno, "", ""]
    assert df.get_column("orgcode").to_list() == [code[8:17]] * 3 + ["", code[8:17], ""]


NAMES = [
    "盐城市鹤鸣餐饮管理有限公司",
    "盐城市鹤鸣餐饮管理有限公司亭湖分公司",
    "江苏恒达建设工程有限公司盐都分公司",
    "鹤鸣(盐城)餐饮管理有限公司",
    "盐城市亭湖区张三小吃店",
    "亭湖区南洋镇李四五金店",
    "阜宁县金穗家庭农场",
    "盐城经济技术开发区华信科技有限公司",
    "东台市宏发物流有限公司",
    "射阳县海通水产养殖专业合作社",
]


@pytest.mark.parametrize("name", NAMES)
def test_vectorised_name_parse_matches_parse_name(name: str) -> None:
    out = std.standardise_names(pl.DataFrame({"name": [name]})).row(0, named=True)
    p = parse_name(name)
    assert (out["trade_name"], out["branch"]) == (p.trade_name, p.branch)
    assert out["name_region"] == p.region


def test_names_fold_width_traditional_and_forms() -> None:
    df = std.standardise_names(
        pl.DataFrame(
            {
                "name": [
                    "鹤鸣（盐城）餐饮管理有限责任公司",
                    "鶴鳴(鹽城)餐飲管理有限公司 ",
                    "张三小吃店（个体工商户）",
                ]
            }
        )
    )
    norm = df.get_column("name_norm").to_list()
    assert norm[0] == norm[1] == "鹤鸣(盐城)餐饮管理有限公司"
    assert norm[2] == "张三小吃店"


def test_addresses_and_phones() -> None:
    gz = std.division_gazetteer([("盐城市", "320900"), ("亭湖区", "320902"), ("南洋镇", "320902001")])
    df = pl.DataFrame(
        {
            "address": ["江苏省盐城市亭湖区南洋镇人民路八十八号", "亭湖人民路88#", "人民路88 号"],
            "phone": ["(0515)88123456", "+86 138 0000 1111", "88123456"],
            "uscc_raw": ["", "", uscc_make("9", "1", "320903", "MA000001")],
            "name": ["a", "b", "c"],
        }
    )
    out = std.standardise(df, gz)
    assert out.get_column("address_core").to_list() == ["人民路88号"] * 3
    # address first; the USCC's positions 3–8 only when the address names no division
    assert out.get_column("county").to_list() == ["320902", "320902", "320903"]
    assert out.get_column("division_code").to_list()[0] == "320902001"
    assert out.get_column("phone_norm").to_list() == ["051588123456", "13800001111", "051588123456"]


def test_header_detection_finds_common_chinese_headers() -> None:
    m = std.detect_mapping(
        ["污染源编码", "单位名称", "统一社会信用代码", "排污许可证编号", "单位地址", "法定代表人", "联系电话"]
    )
    assert m == {
        "local_id": "污染源编码",
        "name": "单位名称",
        "uscc_raw": "统一社会信用代码",
        "address": "单位地址",
        "legal_rep": "法定代表人",
        "phone": "联系电话",
    }
    m2 = std.detect_mapping(["许可证编号", "主体名称", "组织机构代码", "消防安全责任人", "所属区县"])
    assert (m2["local_id"], m2["uscc_raw"], m2["legal_rep"], m2["region"]) == (
        "许可证编号",
        "组织机构代码",
        "消防安全责任人",
        "所属区县",
    )
    assert std.detect_mapping(["甲", "乙"], {"name": "乙"}) == {"name": "乙"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_read_table_detects_encoding(encoding: str) -> None:
    text = "单位名称,地址\n盐城市鹤鸣餐饮管理有限公司,盐城市亭湖区人民路1号\n"
    table = std.read_table(text.encode(encoding), "x.csv")
    assert table.headers == ["单位名称", "地址"]
    assert table.rows == [["盐城市鹤鸣餐饮管理有限公司", "盐城市亭湖区人民路1号"]]


def test_read_table_refuses_ragged_rows() -> None:
    with pytest.raises(std.ReadError, match="row 3"):
        std.read_table("名称,地址\na,b\nc,d,e,f\n".encode(), "x.csv")
