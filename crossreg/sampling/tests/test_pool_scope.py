"""Whom a plan draws from (issue 17, item 0a): what the items apply to, intersected with the plan's
filters, over the department's own directory of supervised entities by default; the whole registry
only as a recorded choice; and the plan page says why each stratum has its size."""

from __future__ import annotations

from typing import Any

import pytest

from crossreg.core.errors import Invalid
from crossreg.entities.models import Entity, Industry
from crossreg.ledger.models import Entry
from crossreg.orgs.models import Domain
from crossreg.sampling import services
from crossreg.sampling.models import SamplingPlan
from crossreg.sampling.tests.factories import (
    department_list,
    item_applying_to,
    make_plan,
    sampling_city,
)
from crossreg.web.tests.factories import PASSWORD, entity_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(settings: Any) -> dict[str, Any]:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    c = sampling_city(settings)
    county = c["divisions"]["320903"]  # 盐都区
    food = Industry.objects.get(code="62")
    soft = Industry.objects.get(code="65")
    c["restaurants"] = [
        entity_make(name=f"盐城市盐都区味{n}餐饮店有限公司", division=county, industry=food) for n in range(3)
    ]
    c["software"] = entity_make(name="盐城市盐都区码农软件科技有限公司", division=county, industry=soft)
    c["warehouse"] = entity_make(name="盐城市盐都区安达仓储有限公司", division=county)
    c["catering_item"] = item_applying_to(c["departments"]["smr"], "JG-SMR-0062", industries="62")
    return c


def _pool(plan: SamplingPlan) -> set[int]:
    return set(plan.pool.values_list("entity_id", flat=True))


def test_the_pool_follows_what_the_item_applies_to(city) -> None:
    """餐饮服务经营者监督检查 applies to industry 62: no software firm or warehouse is pooled."""
    plan = make_plan(city, "smr", divisions=["320903"], item_versions=[city["catering_item"]])
    services.plan_publish(actor=city["staff"]["smr"], plan=plan)
    assert _pool(plan) == {e.pk for e in city["restaurants"]}
    assert city["software"].pk not in _pool(plan) and city["warehouse"].pk not in _pool(plan)


def test_item_applicability_intersects_the_plan_filters(city) -> None:
    shop = city["restaurants"][0]
    Entity.objects.filter(pk=shop.pk).update(entity_type=Entity.Type.INDIVIDUAL)
    plan = make_plan(
        city, "smr", divisions=["320903"], item_versions=[city["catering_item"]], entity_types=["individual"]
    )
    services.plan_publish(actor=city["staff"]["smr"], plan=plan)
    assert _pool(plan) == {shop.pk}


def test_a_key_domain_item_pools_tagged_entities_and_those_on_the_domains_list(city) -> None:
    """An item of the key domain 危险化学品 applies to entities tagged with it and to those on a
    list kept for it (a licence register), not to others."""
    county = city["divisions"]["320903"]
    tagged = entity_make(name="盐城市盐都区华通化工有限公司", division=county)
    tagged.key_domains.add(Domain.objects.get(code="hazchem"))
    licensed = entity_make(name="盐城市盐都区顺达危化品经营有限公司", division=county)
    department_list(city["departments"]["mem"], [licensed], domain="hazchem")  # 危化品经营许可 register
    item = item_applying_to(city["departments"]["mem"], "JG-MEM-0026", domains=("hazchem",))
    plan = make_plan(city, "mem", divisions=["320903"], item_versions=[item])
    services.plan_publish(actor=city["staff"]["mem"], plan=plan)
    tagged_here = set(
        Entity.objects.filter(
            division__code__startswith="320903", key_domains="hazchem", status__in=["active", "operating"]
        ).values_list("pk", flat=True)
    )
    assert tagged.pk in tagged_here
    assert _pool(plan) == tagged_here | {licensed.pk}
    assert not _pool(plan) & {e.pk for e in city["restaurants"]}


def test_by_default_a_plan_draws_from_the_departments_own_directory(city) -> None:
    smr = city["departments"]["smr"]
    on_list = city["restaurants"][:2]
    department_list(smr, [*on_list, city["software"]])
    department_list(city["departments"]["mem"], [city["restaurants"][2]])  # another department's list
    plan = make_plan(
        city,
        "smr",
        divisions=["320903"],
        item_versions=[city["catering_item"]],
        source=SamplingPlan.Source.DEPARTMENT_LIST,
        source_reason="",
    )
    assert plan.source == SamplingPlan.Source.DEPARTMENT_LIST
    services.plan_publish(actor=city["staff"]["smr"], plan=plan)
    assert _pool(plan) == {e.pk for e in on_list}  # its list ∩ what the item applies to


def test_the_service_default_is_the_directory(city) -> None:
    department_list(city["departments"]["smr"], city["restaurants"][:1])
    plan = services.plan_create(
        actor=city["staff"]["smr"],
        department=city["departments"]["smr"],
        name="餐饮服务经营者监督检查",
        item_versions=[city["catering_item"]],
        period="2025Q3",
        period_start=city["catering_item"].published_at.date(),
        period_end=city["catering_item"].published_at.date(),
        seed_source="中国福利彩票双色球开奖号码",
        seed_due=city["catering_item"].published_at.date(),
    )
    assert plan.source == SamplingPlan.Source.DEPARTMENT_LIST
    services.plan_publish(actor=city["staff"]["smr"], plan=plan)
    assert _pool(plan) == {city["restaurants"][0].pk}


def test_an_empty_directory_says_so(city) -> None:
    with pytest.raises(Invalid) as e:
        make_plan(
            city, "smr", divisions=["320903"], source=SamplingPlan.Source.DEPARTMENT_LIST, source_reason=""
        )
    assert e.value.problems[0].code == "empty_pool"
    assert "检查对象名录库" in e.value.problems[0].message


def test_the_whole_registry_is_a_deliberate_recorded_choice(city) -> None:
    with pytest.raises(Invalid) as e:
        make_plan(city, "smr", divisions=["320903"], source=SamplingPlan.Source.REGISTRY, source_reason=" ")
    assert [(p.field, p.code) for p in e.value.problems] == [("source_reason", "required")]
    plan = make_plan(
        city,
        "smr",
        divisions=["320903"],
        item_versions=[city["catering_item"]],
        source=SamplingPlan.Source.REGISTRY,
        source_reason="名录尚未导入：本季度按全部市场主体抽取",
    )
    entry = Entry.objects.get(action="sampling.plan.create", subject_id=plan.code)
    assert entry.payload["source"] == "registry"
    assert entry.payload["source_reason"] == "名录尚未导入：本季度按全部市场主体抽取"


def test_plan_page_explains_the_size_of_the_pool_and_of_each_stratum(client, city) -> None:
    smr = city["departments"]["smr"]
    department_list(smr, [*city["restaurants"], city["software"], city["warehouse"]])
    Entity.objects.filter(pk=city["restaurants"][0].pk).update(credit_class="C")
    plan = make_plan(
        city,
        "smr",
        divisions=["320903"],
        item_versions=[city["catering_item"]],
        source=SamplingPlan.Source.DEPARTMENT_LIST,
        source_reason="",
        rules={"B": {"ratio": "5", "minimum": 1}, "C": {"ratio": "50", "minimum": 1}},
    )
    plan = services.plan_publish(actor=city["staff"]["smr"], plan=plan)
    steps = [(f["step"], f["count"]) for f in plan.pool_basis["funnel"]]
    assert steps == [("source", 5), ("items", 3), ("filters", 3), ("status", 3)]
    strata = plan.pool_basis["strata"]
    assert strata["B"] | {"graded": 0, "provisional": 2, "ungraded": 0} == strata["B"]  # registry's class
    assert strata["B"]["pool_size"] == 2 and strata["B"]["quota"] == 1
    assert strata["C"]["pool_size"] == 1 and strata["C"]["provisional"] == 1
    client.login(username="smr_staff", password=PASSWORD)
    html = client.get(f"/sampling/plans/{plan.code}/").content.decode()
    assert 'data-testid="pool-basis"' in html
    assert "部门监管对象名录" in html and "行业 62" in html
    assert "⌈5% × 2⌉ = 1，最低 1 → 抽 1" in html
