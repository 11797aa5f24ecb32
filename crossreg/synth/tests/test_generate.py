"""The generator alone (no database): determinism, proportions, codes, names, addresses, mess."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_10

from crossreg.entities.names import normalize_name, parse_name
from crossreg.entities.uscc import registration_no_make, uscc_check, uscc_make
from crossreg.orgs.data.divisions import COUNTY_BY_CODE, TOWNSHIPS
from crossreg.synth import mess
from crossreg.synth.codes import Permutations, mod_11_10_check, uscc_from_parts
from crossreg.synth.generate import CHUNK, GenEntity, entities_generate
from crossreg.synth.render import KNOWN, Plan, name_norm_fast
from crossreg.synth.services import _chunks

N = 20_000


@pytest.fixture(scope="module")
def city() -> list[GenEntity]:
    return [e for chunk in entities_generate(2021, N) for e in chunk]


def test_same_seed_same_entities_different_seed_different() -> None:
    a = [e for c in entities_generate(5, 1500) for e in c]
    b = [e for c in entities_generate(5, 1500) for e in c]
    c = [e for c in entities_generate(6, 1500) for e in c]
    assert a == b
    assert sum(x.name == y.name for x, y in zip(a, c, strict=True)) < 30
    assert {x.uscc for x in a} != {y.uscc for y in c}


def test_prefix_does_not_depend_on_city_size_or_workers() -> None:
    small = [e for c in entities_generate(9, 700) for e in c]
    big = [e for c in entities_generate(9, CHUNK + 50) for e in c]
    assert big[:700] == small
    plan = Plan("sqlite", tuple(range(len(KNOWN))), (), "2025-01-01 00:00:00", 0)
    one = list(_chunks(9, CHUNK + 50, plan, 1))
    two = list(_chunks(9, CHUNK + 50, plan, 2))
    assert one == two
    assert [row[0] for c in one for row in c.rows_entities] == [e.id for e in big]
    assert [row[4] for c in one for row in c.rows_entities] == [e.name for e in big]


def test_type_proportions(city: list[GenEntity]) -> None:
    share = {t: n / N for t, n in Counter(e.entity_type for e in city).items()}
    assert abs(share["individual"] - 0.70) <= 0.03
    assert abs(share["enterprise"] - 0.27) <= 0.03
    assert 0.01 <= share["coop"] <= 0.03
    assert 0.004 <= share["other"] <= 0.02


def test_industry_mix_is_realistic(city: list[GenEntity]) -> None:
    by_industry = Counter(e.industry for e in city)
    top = [code for code, _ in by_industry.most_common(4)]
    assert "52" in top and "62" in top  # retail and catering lead, as in every Chinese city
    assert by_industry["80"] > by_industry["27"] * 10  # resident services ≫ pharmaceutical plants
    coops = [e for e in city if e.entity_type == "coop"]
    assert all(e.industry in {"01", "03", "04", "05"} for e in coops)


def test_every_uscc_valid_unique_and_typed(city: list[GenEntity]) -> None:
    codes = [e.uscc for e in city if e.uscc]
    assert len(codes) == len(set(codes))
    type_prefix = {"enterprise": "91", "individual": "92", "coop": "93", "other": "52"}
    for e in city:
        if e.uscc is None:
            continue
        assert stdnum_uscc.is_valid(e.uscc), e.uscc
        verdict = uscc_check(e.uscc)
        assert verdict.valid and not verdict.orgcode_warning, (e.uscc, verdict.message)
        assert e.uscc[:2] == type_prefix[e.entity_type]
        assert e.uscc[2:8] == e.county
        assert e.uscc == uscc_make(e.uscc[0], e.uscc[1], e.uscc[2:8], e.uscc[8:16])
        assert e.orgcode == e.uscc[8:17]


def test_some_old_entities_lack_a_uscc_and_have_a_registration_number(city: list[GenEntity]) -> None:
    missing = [e for e in city if e.uscc is None]
    assert 0.003 <= len(missing) / N <= 0.02
    assert all(e.entity_type == "individual" and len(e.registration_no) == 15 for e in missing)
    regnos = [e.registration_no for e in city if e.registration_no]
    assert len(regnos) == len(set(regnos))
    for r in regnos:
        assert mod_11_10.is_valid(r)
        assert r == registration_no_make(r[:6], r[6:14])


def test_code_helpers_match_reference_implementations() -> None:
    perms = Permutations.from_seed(1)
    rng = random.Random(3)
    for i in range(300):
        body = perms.body_ma(rng.randrange(10**6)) if i % 2 else perms.body_numeric(i)
        assert uscc_from_parts("91", "320902", body) == uscc_make("9", "1", "320902", body)
        digits = f"{rng.randrange(10**14):014d}"
        assert mod_11_10_check(digits) == mod_11_10.calc_check_digit(digits)


def test_names_are_composed_of_their_parts(city: list[GenEntity]) -> None:
    for e in city:
        if e.name.startswith(e.trade_name + "（"):
            assert e.name == f"{e.trade_name}（{e.name_region}）{e.industry_words}{e.org_form}{e.branch}"
        else:
            assert e.name == e.name_region + e.trade_name + e.industry_words + e.org_form + e.branch
        assert e.trade_name and e.industry_words
        if e.entity_type == "individual":
            assert e.org_form == ""
        if e.entity_type == "enterprise":
            assert e.org_form in {"有限公司", "有限责任公司", "股份有限公司", "厂"}
        if e.entity_type == "coop":
            assert e.org_form.endswith("专业合作社")


def test_names_parse_into_their_parts(city: list[GenEntity]) -> None:
    sample = city[:3000]
    agree: Counter[str] = Counter()
    for e in sample:
        p = parse_name(e.name)
        agree["region"] += p.region == e.name_region
        agree["form"] += p.org_form == e.org_form
        agree["branch"] += p.branch == e.branch
        agree["trade"] += p.trade_name.startswith(e.trade_name)
    n = len(sample)
    assert agree["region"] / n >= 0.95
    assert agree["form"] / n >= 0.95
    assert agree["branch"] / n >= 0.99
    assert agree["trade"] / n >= 0.90


def test_names_are_mostly_unique(city: list[GenEntity]) -> None:
    assert len({e.name for e in city}) / N >= 0.99


def test_examples_look_like_real_names(city: list[GenEntity]) -> None:
    names = [e.name for e in city]
    assert any(n.startswith("盐城市亭湖区") and n.endswith("商贸有限公司") for n in names)
    assert any(n.startswith("江苏") and n.endswith("有限公司") for n in names)
    assert any(n.endswith("家庭农场专业合作社") for n in names)
    assert any("（盐城）" in n for n in names)
    assert any(n.endswith("分公司") for n in names)
    assert any(n.startswith("亭湖区") and n.endswith("便利店") for n in names)


def test_addresses_and_coordinates_match_the_region(city: list[GenEntity]) -> None:
    townships = {t.code: t for t in TOWNSHIPS}
    for e in city:
        county = COUNTY_BY_CODE[e.county]
        t = townships[e.township]
        assert t.county == e.county
        assert county.name in e.address and t.name in e.address and f"{e.number}号" in e.address
        assert abs(e.lat - t.lat) < 0.1 and abs(e.lng - t.lng) < 0.1


def test_status_and_credit_mix(city: list[GenEntity]) -> None:
    status = Counter(e.status for e in city)
    assert (status["active"] + status["operating"]) / N > 0.75
    assert status["cancelled"] > 0 and status["revoked"] > 0
    credit = Counter(e.credit_class for e in city)
    assert credit["B"] > credit["A"] > credit["C"] > credit["D"] > 0


def test_key_domains_follow_the_trade(city: list[GenEntity]) -> None:
    restaurants = [e for e in city if e.kind == "i_restaurant"]
    assert all("food" in e.domains for e in restaurants)
    pharmacies = [e for e in city if e.kind in ("i_pharmacy", "e_pharmacy")]
    assert all("drugs" in e.domains for e in pharmacies)
    assert any("hazchem" in e.domains for e in city if e.kind == "e_chemical")


def test_fast_name_norm_agrees_with_normalize_name(city: list[GenEntity]) -> None:
    for e in city[::7]:
        assert name_norm_fast(e.name) == normalize_name(e.name), e.name


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"),
        (10, "十"),
        (15, "十五"),
        (20, "二十"),
        (88, "八十八"),
        (105, "一百零五"),
        (110, "一百一十"),
        (2008, "二千零八"),
    ],
)
def test_chinese_numbers(n: int, text: str) -> None:
    assert mess.chinese_number(n) == text


def test_uscc_corruptions_are_always_invalid(city: list[GenEntity]) -> None:
    rng = random.Random(1)
    for e in city[:2000]:
        if not e.uscc:
            continue
        assert not stdnum_uscc.is_valid(mess.uscc_typo(rng, e.uscc))
        swapped = mess.uscc_transpose(rng, e.uscc)
        assert swapped is not None and not stdnum_uscc.is_valid(swapped)


def test_parse_name_recovers_the_generators_trade_name() -> None:
    """The parser knows every industry word the generator uses (crossreg.entities.names)."""
    from crossreg.entities.names import INDUSTRY_WORDS
    from crossreg.synth import pools

    assert {w for k in pools.KINDS for w in k.words} <= set(INDUSTRY_WORDS)
    city = [e for chunk in entities_generate(2021, 20_000) for e in chunk]
    same = sum(parse_name(e.name).trade_name == e.trade_name for e in city)
    assert same / len(city) >= 0.98
