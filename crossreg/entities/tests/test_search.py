"""Fuzzy name search: recall on the name variants departments write, on either database, and on
PostgreSQL the generated search columns and the index the search must be able to use."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crossreg.entities import selectors
from crossreg.entities.models import Entity
from crossreg.entities.names import name_core, name_county
from crossreg.entities.tests.factories import EntityFactory
from crossreg.orgs.models import Division, User

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL search columns")

# Registered names and the shop next door that a careless query could also mean.
NAMES = {
    "320923": ["阜宁县涛吉饭店", "阜宁县老张酒家", "阜宁县吉祥饭店", "阜宁县陈良镇发诚理发店"],
    "320902": ["亭湖区王记服装店", "亭湖区李记服装店", "盐城市亭湖区宁翔物资有限公司", "亭湖区老杨面馆"],
    "320924": ["射阳县老王修脚店", "射阳县老王面馆"],
    "320971": ["盐城经济技术开发区煜瑞水果店", "盐城经济技术开发区瑞丰水果店"],
    "320903": ["盐城市盐都区宇敏鱼馆", "盐城晨峰牧业有限责任公司", "盐城东台KTV有限公司", "盐都区乐明食品店"],
    "320904": ["大丰区九林家禽养殖专业合作社", "大丰区九林生态农场专业合作社"],
}

# query as another department wrote it → the registered name it means
VARIANTS = [
    ("阜宁县吉饭店", "阜宁县涛吉饭店"),  # a short shop name with a character missing
    ("盐城市盐都区敏鱼馆", "盐城市盐都区宇敏鱼馆"),
    ("亭湖区王记服装", "亭湖区王记服装店"),
    ("盐城亭湖区宁翔物资有限责任公司", "盐城市亭湖区宁翔物资有限公司"),  # region and form written otherwise
    ("宁翔物资有限公司", "盐城市亭湖区宁翔物资有限公司"),  # no region at all
    ("射阳老王修脚店", "射阳县老王修脚店"),  # the county's short name
    ("盐城经济技术发区煜瑞水果店", "盐城经济技术开发区煜瑞水果店"),  # the zone's name mistyped
    ("盐城晨峰牧业有限公司", "盐城晨峰牧业有限责任公司"),
    ("大丰区九林禽养殖专业合作社", "大丰区九林家禽养殖专业合作社"),
    ("晨峰(盐城)牧业有限公司", "盐城晨峰牧业有限责任公司"),  # the region in brackets
    ("射阳县老王修脚店（个体工商户）", "射阳县老王修脚店"),  # the suffix some lists append
    ("盐城市亭湖区宁祥物资有限公司", "盐城市亭湖区宁翔物资有限公司"),  # a trade-name typo, short core
    ("王记服装店", "亭湖区王记服装店"),  # region left out
    ("盐城市宁县老张酒家", "阜宁县老张酒家"),  # the county's name missing a character
    ("盐城市东台KTV有限公司", "盐城东台KTV有限公司"),  # a trade name that starts like a county
    ("陈良镇发诚理发店", "阜宁县陈良镇发诚理发店"),  # region and township left out
    ("发诚理发店", "阜宁县陈良镇发诚理发店"),
    ("盐城市盐都区乐鸣食品店", "盐都区乐明食品店"),  # a typo in a five-character core
]


@pytest.fixture
def registry(yancheng: dict[str, Division]) -> dict[str, Entity]:
    for code, name in (
        ("320923", "阜宁县"),
        ("320924", "射阳县"),
        ("320971", "盐城经济技术开发区"),
        ("320904", "大丰区"),
    ):
        yancheng[code] = Division.objects.create(
            code=code, name=name, level=Division.Level.COUNTY, parent=yancheng["320900"]
        )
    out = {}
    for code, names in NAMES.items():
        for name in names:
            out[name] = EntityFactory.create(name=name, division=yancheng[code])
    # Noise: the same industries in every county, so that a query's industry words alone match much.
    for i, code in enumerate(NAMES):
        for shop in ("饭店", "服装店", "面馆", "水果店", "物资有限公司", "食品店"):
            EntityFactory.create(
                name=f"{Division.objects.get(code=code).name}恒{i}达{shop}", division=yancheng[code]
            )
    return out


@pytest.mark.parametrize(("query", "meant"), VARIANTS)
def test_fuzzy_search_finds_the_entity_meant(
    registry: dict[str, Entity], staff: User, query: str, meant: str
) -> None:
    hits = selectors.entity_search(user=staff, q=query, mode="fuzzy")
    assert hits, query
    assert hits[0].entity.pk == registry[meant].pk, [h.entity.name for h in hits]
    assert all(h.match == "fuzzy" and 0 < h.score <= 1 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_fuzzy_search_keeps_other_filters(registry: dict[str, Entity], staff: User) -> None:
    assert selectors.entity_search(user=staff, q="阜宁县吉饭店", mode="fuzzy", division="320902") == []
    hits = selectors.entity_search(user=staff, q="宁翔物资", mode="fuzzy", division="320902")
    assert [h.entity.pk for h in hits][:1] == [registry["盐城市亭湖区宁翔物资有限公司"].pk]


@postgres_only
def test_fuzzy_search_of_a_region_or_form_alone_finds_nothing(
    registry: dict[str, Entity], staff: User
) -> None:
    """Nothing distinctive is left to compare (on PostgreSQL; auto mode still lists the names that
    contain such a query)."""
    auto = selectors.entity_search(user=staff, q="盐城市亭湖区", mode="auto")
    assert {h.match for h in auto} == {"contains"}
    for query in ("盐城市亭湖区", "有限公司", "盐城市有限责任公司"):
        assert selectors.entity_search(user=staff, q=query, mode="fuzzy") == [], query


@postgres_only
def test_generated_columns_agree_with_python(registry: dict[str, Entity]) -> None:
    """The stored core and county are what names.name_core / name_county make of name_norm
    (the query side uses those): names with brackets, branches, forms and zones."""
    tricky = [
        "江晟(盐城)实业有限公司东台分公司",
        "阜宁县陈集镇稻麦植保农民专业合作社",
        "盐城恒通投资合伙企业(有限合伙)",
        "盐城市东台市东台镇老韩批发部",
        "江苏省盐城市华盛纺织股份有限公司",
    ]
    for name in tricky:
        EntityFactory.create(name=name, division=Division.objects.get(code="320902"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT name_norm, search_core, search_county FROM entities_entity")
        rows = cursor.fetchall()
    assert len(rows) == Entity.objects.count() > len(tricky)
    for norm, core, county in rows:
        assert (core, county) == (name_core(norm), name_county(norm)), norm


@postgres_only
def test_fuzzy_search_can_use_the_index(registry: dict[str, Entity], staff: User) -> None:
    """Both ways a query matches (city-wide and in the county named) are conditions the GIN index
    over (search_county, search_core) serves: with only bitmap scans left (a small table would
    rather be read whole), the plan must be one bitmap scan of that index per condition."""
    with CaptureQueriesContext(connection) as ctx:
        selectors.entity_search(user=staff, q="阜宁县吉饭店", mode="fuzzy")
    [sql] = [q["sql"] for q in ctx.captured_queries if "search_core" in q["sql"]]
    assert "search_county" in sql  # the county tier ran
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "BitmapOr" in plan and plan.count("Bitmap Index Scan on entity_search_county_core") == 2, plan
    assert "Seq Scan on entities_entity" not in plan, plan


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_thresholds_stay_in_the_search(registry: dict[str, Entity], staff: User) -> None:
    """The search sets its thresholds for its own transaction only: afterwards the connection is
    back at pg_trgm's defaults, whatever else uses pg_trgm on it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity('a', 'b')")  # loads pg_trgm and its settings
        cursor.execute("SHOW pg_trgm.similarity_threshold")
        before: Any = cursor.fetchone()
    assert selectors.entity_search(user=staff, q="阜宁县吉饭店", mode="fuzzy")
    with connection.cursor() as cursor:
        cursor.execute("SHOW pg_trgm.similarity_threshold")
        after: Any = cursor.fetchone()
        cursor.execute("SHOW pg_trgm.strict_word_similarity_threshold")
        strict: Any = cursor.fetchone()
    assert after == before and float(after[0]) == 0.3
    assert float(strict[0]) == 0.5


@postgres_only
def test_names_sharing_only_industry_words_are_not_even_candidates(
    registry: dict[str, Entity], staff: User
) -> None:
    """乐鸣食品店 shares two trigrams (食品店, 品店_) with every …食品店: the index itself must keep
    those out (each candidate is a table read), while the name meant, 乐明食品店, three trigrams
    in common, is found — which takes the never-matching words fuzzy_typo_query appends."""
    with CaptureQueriesContext(connection) as ctx:
        hits = selectors.entity_search(user=staff, q="盐都区乐鸣食品店", mode="fuzzy")
    assert [h.entity.name for h in hits][:1] == ["盐都区乐明食品店"]
    [setting, sql] = [
        q["sql"] for q in ctx.captured_queries if "pg_trgm" in q["sql"] or "search_core" in q["sql"]
    ]
    with connection.cursor() as cursor:
        cursor.execute(setting)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        plan: Any = cursor.fetchone()[0]

    def nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
        return [node, *(n for child in node.get("Plans", []) for n in nodes(child))]

    [heap] = [
        n
        for n in nodes(plan[0]["Plan"])
        if n["Node Type"] == "Bitmap Heap Scan" and n["Relation Name"] == "entities_entity"
    ]
    assert heap["Rows Removed by Index Recheck"] == 0, heap
    assert Entity.objects.filter(name__endswith="食品店", division__code="320903").count() >= 2
