"""Name parsing (table) and normalisation (properties)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from crossreg.entities.names import INDUSTRY_WORDS, ORG_FORMS, normalize_name, parse_name

# name, region, trade name, industry words, organisation form, branch
TABLE = [
    ("盐城市鹤鸣餐饮管理有限公司", "盐城市", "鹤鸣", "餐饮管理", "有限公司", ""),
    ("盐城市鹤鸣餐饮管理有限公司亭湖分公司", "盐城市", "鹤鸣", "餐饮管理", "有限公司", "亭湖分公司"),
    ("亭湖区张三小吃店", "亭湖区", "张三", "小吃店", "", ""),
    ("鹤鸣（盐城）餐饮管理有限公司", "盐城", "鹤鸣", "餐饮管理", "有限公司", ""),
    ("江苏恒达建设工程有限公司盐都分公司", "江苏", "恒达", "建设工程", "有限公司", "盐都分公司"),
    ("盐城恒通投资合伙企业（有限合伙）", "盐城", "恒通", "投资", "合伙企业(有限合伙)", ""),
    ("射阳县丰收水稻种植专业合作社", "射阳县", "丰收", "水稻种植", "专业合作社", ""),
    ("东台市李四五金经营部", "东台市", "李四", "五金经营部", "", ""),
    ("江苏省盐城市华盛纺织有限责任公司", "江苏省盐城市", "华盛", "纺织", "有限责任公司", ""),
    ("盐城金达化工股份有限公司", "盐城", "金达", "化工", "股份有限公司", ""),
    ("张三小吃店亭湖分店", "", "张三", "小吃店", "", "亭湖分店"),
    ("苏宁易购集团股份有限公司盐城分公司", "", "苏宁易购", "", "集团股份有限公司", "盐城分公司"),
    ("盐城市东方市场管理有限公司", "盐城市", "东方", "市场管理", "有限公司", ""),
    ("盐城天衡会计师事务所（特殊普通合伙）", "盐城", "天衡", "会计师事务所", "(特殊普通合伙)", ""),
    ("响水县陈氏个人独资企业", "响水县", "陈氏", "", "个人独资企业", ""),
    ("盐城市亭湖区南洋镇刘家超市", "盐城市亭湖区南洋镇", "刘家", "超市", "", ""),
    ("鹽城市亭湖區張三小吃店", "盐城市亭湖区", "张三", "小吃店", "", ""),
    ("北京字节跳动科技有限公司", "北京", "字节跳动", "科技", "有限公司", ""),
    (
        "华泰证券股份有限公司盐城解放南路证券营业部",
        "",
        "华泰证券",
        "",
        "股份有限公司",
        "盐城解放南路证券营业部",
    ),
    ("盐城市老李家小吃店", "盐城市", "老李家", "小吃店", "", ""),
    ("阜宁县益林镇小明快餐店", "阜宁县益林镇", "小明", "快餐店", "", ""),
]


@pytest.mark.parametrize(("name", "region", "trade", "industry", "form", "branch"), TABLE)
def test_parse_table(name: str, region: str, trade: str, industry: str, form: str, branch: str) -> None:
    p = parse_name(name)
    assert (p.region, p.trade_name, p.industry_words, p.org_form, p.branch) == (
        region,
        trade,
        industry,
        form,
        branch,
    )


def test_parts_recompose_the_cleaned_name() -> None:
    for name, *_ in TABLE:
        p = parse_name(name)
        if p.bracket_region:
            continue
        assert p.region + p.trade_name + p.industry_words + p.org_form + p.branch == p.name


def test_industry_code_from_words() -> None:
    assert parse_name("亭湖区张三小吃店").industry_code == "62"
    assert parse_name("射阳县丰收水稻种植专业合作社").industry_code == "01"
    assert parse_name("响水县陈氏个人独资企业").industry_code is None


def test_extra_regions() -> None:
    p = parse_name("新洋港鹤鸣餐饮管理有限公司", extra_regions=["新洋港"])
    assert (p.region, p.trade_name) == ("新洋港", "鹤鸣")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("盐城市鹤鸣餐饮管理有限责任公司", "盐城市鹤鸣餐饮管理有限公司"),
        ("鹤鸣（盐城）餐饮管理有限公司", "鹤鸣(盐城)餐饮管理有限公司"),
        ("鹤鸣【盐城】餐饮管理有限公司", "鹤鸣(盐城)餐饮管理有限公司"),
        ("鹽城市亭湖區張三小吃店", "盐城市亭湖区张三小吃店"),
        ("盐城市 ＡＢＣ 科技有限公司", "盐城市abc科技有限公司"),
        ("盐城金达化工股份有限公司", "盐城金达化工股份公司"),
    ],
)
def test_variants_normalise_alike(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


def test_different_names_stay_different() -> None:
    assert normalize_name("盐城市鹤鸣餐饮管理有限公司") != normalize_name("盐城市鹤明餐饮管理有限公司")
    assert normalize_name("有限公司") != normalize_name("股份公司")


_NAME_CHARS = st.sampled_from(
    list("盐城市亭湖区鹤鸣餐饮管理有限责任公司股份合作社分店（）()【】[] 　ＡａBb１2鹽區張後髮·-")
)


@given(st.text())
def test_normalize_is_idempotent_on_any_text(text: str) -> None:
    once = normalize_name(text)
    assert normalize_name(once) == once


@given(st.lists(_NAME_CHARS, max_size=40).map("".join))
def test_normalize_is_idempotent_on_name_like_text(text: str) -> None:
    once = normalize_name(text)
    assert normalize_name(once) == once
    assert " " not in once and "（" not in once


@given(
    region=st.sampled_from(["盐城市", "亭湖区", "东台市", "江苏", "射阳县", ""]),
    trade=st.sampled_from(["鹤鸣", "恒达", "金达", "华盛", "老李家", "丰收", "新元"]),
    industry=st.sampled_from(sorted(w for w in INDUSTRY_WORDS if len(w) >= 2)),
    form=st.sampled_from(["有限公司", "有限责任公司", "股份有限公司", "专业合作社", "合伙企业(有限合伙)"]),
)
def test_composed_names_parse_back(region: str, trade: str, industry: str, form: str) -> None:
    """Names composed the way the synthetic city composes them parse back into their parts,
    where the composition is unambiguous: 老李家 + 纺织 reads as well as 老李 + 家纺织 (家纺 is an
    industry word), and no parser can know which was meant."""
    assume(not any((trade + industry).endswith(w) and len(w) > len(industry) for w in INDUSTRY_WORDS))
    assert form in ORG_FORMS
    p = parse_name(region + trade + industry + form)
    assert (p.region, p.trade_name, p.industry_words, p.org_form) == (region, trade, industry, form)


def test_fuzzy_patterns_are_the_ones_the_columns_were_built_with() -> None:
    """The query's core and county must be computed as PostgreSQL computes the generated columns
    (migration 0007), or a name would not find itself."""
    import importlib

    from crossreg.entities.names import FUZZY_CORE_PATTERN, FUZZY_COUNTY_PATTERN, name_core, name_county

    migration = importlib.import_module("crossreg.entities.migrations.0007_search_columns_township")
    assert migration.CORE_PATTERN == FUZZY_CORE_PATTERN
    assert migration.COUNTY_PATTERN == FUZZY_COUNTY_PATTERN
    assert name_core("盐城市亭湖区鑫瑞达商贸有限公司") == "鑫瑞达商贸"
    assert name_core("江晟(盐城)实业有限公司东台分公司") == "江晟实业东台"
    assert name_core("盐城经济技术开发区新城街道伟发蔬菜店") == "伟发蔬菜店"
    assert name_core("阜宁县陈集镇稻麦植保农民专业合作社") == "稻麦植保"
    assert name_core("东台市东台镇老韩批发部") == name_core("盐城市东台市老韩批发部") == "老韩批发部"
    assert name_core("亭湖区张三小吃店") == "张三小吃店"  # no township: nothing taken from the name
    assert name_core("盐城恒通投资合伙企业(有限合伙)") == "恒通投资"
    assert name_county("盐城市东台市东台镇老韩批发部") == "东台市"
    assert name_county("盐城宁翔物资有限公司") == ""


@pytest.mark.parametrize(
    ("query", "county", "core"),
    [
        ("盐城市亭湖区宁翔物资有限公司", "亭湖区", "宁翔物资"),
        ("射阳老王修脚店", "射阳县", "老王修脚店"),  # short county name
        ("盐城经济技术发区煜瑞水果店", "盐城经济技术开发区", "煜瑞水果店"),  # a character missed
        ("盐南高区泰春果园", "盐南高新区", "泰春果园"),
        ("盐城经开区永德蔬菜店", "盐城经济技术开发区", "永德蔬菜店"),
        ("江苏盐城恒达建材有限公司", "", "恒达建材"),
        ("鹤鸣(盐城)餐饮管理有限公司", "", "鹤鸣餐饮管理"),
        ("盐城市盐都区", "盐都区", ""),
        ("城市花园物业有限公司", "", "城市花园物业"),  # 城市 is not 盐城市 missing a character
        ("射阳合德镇老王修脚店", "射阳县", "老王修脚店"),  # the township goes with the county
        ("东台市东台镇老韩批发部", "东台市", "老韩批发部"),
        ("宁县老张酒家", "阜宁县", "老张酒家"),
    ],
)
def test_fuzzy_query_key_reads_the_region_leniently(query: str, county: str, core: str) -> None:
    from crossreg.entities.names import fuzzy_query_key

    assert fuzzy_query_key(normalize_name(query)) == (county, core)


@given(
    region=st.sampled_from(
        ["盐城市", "亭湖区", "盐城市东台市", "江苏", "射阳县合德镇", "盐南高新区新河街道", "东台市东台镇", ""]
    ),
    trade=st.sampled_from(["鹤鸣", "恒达", "金达", "华盛", "老李家", "丰收", "新元", "城市", "东台"]),
    industry=st.sampled_from(sorted(w for w in INDUSTRY_WORDS if len(w) >= 2)),
    form=st.sampled_from(
        ["有限公司", "有限责任公司", "股份有限公司", "专业合作社", "合伙企业(有限合伙)", ""]
    ),
)
def test_a_registered_name_queried_as_is_keys_like_its_columns(
    region: str, trade: str, industry: str, form: str
) -> None:
    """A name composed as the synthetic city composes them, searched for as written, reads as the
    county and core PostgreSQL stores for it — unless its trade name starts with a county's short
    name (盐城市 + 东台 + KTV): read as a county, the query looks in 东台市 too, and the name still
    finds itself across the city (tested in test_search)."""
    from crossreg.entities.names import FUZZY_COUNTIES, fuzzy_query_key, name_core, name_county

    assume(not any(trade.startswith(c[:2]) for c in FUZZY_COUNTIES))

    norm = normalize_name(region + trade + industry + form)
    assert fuzzy_query_key(norm) == (name_county(norm), name_core(norm))
