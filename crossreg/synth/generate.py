"""The synthetic market entities of Yancheng, generated chunk by chunk from a seed.

Determinism: chunk ``k`` draws from its own ``random.Random`` seeded with ``(seed, k)`` (string
seeds hash with SHA-512, independent of ``PYTHONHASHSEED``), chunks are generated in order, and no
set or dict iteration order feeds a draw. The same seed therefore always gives the same entities,
and the first ``n`` entities of a city do not depend on how many more follow.

Chunks are independent of each other, so they can be generated in parallel and memory stays flat
at any size. Names are kept unique within a chunk (registration law requires unique names within a
registration authority); across chunks a repeat is possible but rare (trade names are drawn from
~40,000 two-character and ~8 million three-character combinations).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from crossreg.orgs.data.divisions import (
    COUNTIES,
    COUNTY_BY_CODE,
    ROADS_BY_COUNTY,
    ROADS_COMMON,
    TOWNSHIPS_BY_COUNTY,
    County,
    Township,
)
from crossreg.synth import pools
from crossreg.synth.codes import Permutations, uscc_from_parts

CHUNK = 10_000
"""Entities per generation chunk. Part of the determinism contract: changing it changes the city."""

USCC_REFORM = dt.date(2015, 10, 1)
"""三证合一: entities registered before this date also have a 15-digit registration number."""


class GenEntity(NamedTuple):
    """One synthetic market entity, with what the registry stores and what departments' lists need."""

    id: int
    uscc: str | None
    orgcode: str  # 9-character organisation code (body + check) embedded in the USCC, "" if none
    registration_no: str
    name: str
    name_region: str
    trade_name: str
    industry_words: str
    org_form: str
    branch: str
    entity_type: str
    kind: str
    industry: str
    county: str
    township: str  # township division code
    township_name: str
    road: str
    number: int
    address_extra: str
    address: str
    legal_rep: str
    phone: str
    registered_on: dt.date
    status: str
    lat: float
    lng: float
    domains: tuple[str, ...]
    credit_class: str


def _cum(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _choice(rng: random.Random, seq: Sequence[Any]) -> Any:
    """``rng.choice`` without its rejection sampling (a third of the cost; uniform enough here)."""
    return seq[int(rng.random() * len(seq))]


def _randint(rng: random.Random, a: int, b: int) -> int:
    return a + int(rng.random() * (b - a + 1))


def _pick(rng: random.Random, items: Sequence[str], cum: list[float]) -> str:
    return items[bisect.bisect_right(cum, rng.random() * cum[-1])]


_LUCKY = "".join(dict.fromkeys(pools.LUCKY))
_AGRI = "".join(dict.fromkeys(pools.AGRI_WORDS))
_SURNAMES = [s for s, _ in pools.SURNAMES]
_SURNAME_CUM = _cum([w for _, w in pools.SURNAMES])
_COUNTY_CODES = [c.code for c in COUNTIES]
_COUNTY_CUM = _cum([pools.COUNTY_WEIGHTS[c] for c in _COUNTY_CODES])
_TYPES = [t for t, _ in pools.TYPE_SHARES]
_TYPE_CUM = _cum([w for _, w in pools.TYPE_SHARES])
_KINDS_BY_TYPE = {t: [k for k in pools.KINDS if k.entity_type == t] for t in _TYPES}
_KIND_CUM = {t: _cum([k.weight for k in ks]) for t, ks in _KINDS_BY_TYPE.items()}
_YEARS = [str(y) for y, _ in pools.YEAR_WEIGHTS]
_YEAR_CUM = _cum([w for _, w in pools.YEAR_WEIGHTS])
_STATUSES = [s for s, _ in pools.STATUS_WEIGHTS]
_STATUS_CUM = _cum([w for _, w in pools.STATUS_WEIGHTS])
_CREDITS = [c for c, _ in pools.CREDIT_WEIGHTS]
_CREDIT_CUM = _cum([w for _, w in pools.CREDIT_WEIGHTS])
_EFORMS = [f for f, _ in pools.ENTERPRISE_FORMS]
_EFORM_CUM = _cum([w for _, w in pools.ENTERPRISE_FORMS])
_CFORMS = [f for f, _ in pools.COOP_FORMS]
_CFORM_CUM = _cum([w for _, w in pools.COOP_FORMS])
_ROADS = {c: ROADS_BY_COUNTY[c] + ROADS_COMMON for c in _COUNTY_CODES}


def person_name(rng: random.Random) -> str:
    """A person's name: a surname by frequency and one or two given-name characters."""
    surname = _pick(rng, _SURNAMES, _SURNAME_CUM)
    pool = pools.GIVEN_MALE if rng.random() < 0.5 else pools.GIVEN_FEMALE
    if rng.random() < 0.22:
        return surname + _choice(rng, pool)
    first = _choice(rng, pools.GIVEN_ANY) if rng.random() < 0.3 else _choice(rng, pool)
    return surname + first + _choice(rng, pool)


def phone_number(rng: random.Random, landline: bool) -> str:
    """A canonical phone: mobile ``13812345678`` or Yancheng landline ``0515-88123456``."""
    if landline:
        return f"0515-{_choice(rng, '868')}{_randint(rng, 10**6, 10**7 - 1)}"
    prefix = _choice(rng, ("13", "13", "15", "15", "18", "18", "17", "19"))
    return f"{prefix}{_randint(rng, 10**8, 10**9 - 1)}"


def _trade_lucky(rng: random.Random, three: float = 0.25) -> str:
    if rng.random() < three:
        return _choice(rng, _LUCKY) + _choice(rng, _LUCKY) + _choice(rng, _LUCKY)
    return _choice(rng, _LUCKY) + _choice(rng, _LUCKY)


def _stem(township: str) -> str:
    for suffix in ("街道", "镇"):
        if township.endswith(suffix):
            return township[: -len(suffix)]
    return township


@dataclass(frozen=True)
class _State:
    seed: int
    perms: Permutations


def new_state(seed: int) -> _State:
    return _State(seed=seed, perms=Permutations.from_seed(seed))


def _region_individual(rng: random.Random, county: County, township: Township) -> str:
    r = rng.random()
    if r < 0.55:
        return county.name
    if r < 0.75 and county.level != "zone":
        return "盐城市" + county.name
    return county.name + township.name


def _region_enterprise(rng: random.Random, county: County) -> tuple[str, bool]:
    """(region words, bracketed?) for an enterprise name."""
    r = rng.random()
    if r < 0.05:
        return "盐城", True
    options: tuple[tuple[str, float], ...]
    if county.district and county.level != "zone":
        options = (
            ("盐城市" + county.name, 0.35),
            ("盐城", 0.30),
            ("江苏", 0.10),
            (county.name, 0.15),
            ("盐城市", 0.05),
        )
    elif county.level == "zone":
        options = (("盐城", 0.45), ("江苏", 0.15), (county.name, 0.15), ("盐城市", 0.20))
    else:
        options = (
            (county.name, 0.50),
            ("盐城", 0.20),
            ("江苏", 0.12),
            ("盐城市", 0.08),
            ("盐城市" + county.name, 0.05),
        )
    x = rng.random() * sum(w for _, w in options)
    for region, w in options:
        x -= w
        if x < 0:
            return region, False
    return options[-1][0], False


def _compose(region: str, trade: str, words: str, form: str, bracketed: bool) -> str:
    if bracketed:
        return f"{trade}（{region}）{words}{form}"
    return f"{region}{trade}{words}{form}"


def generate_chunk(state: _State, k: int, n_total: int) -> list[GenEntity]:
    """The ``k``-th chunk of entities (ids ``k*CHUNK+1`` … )."""
    rng = random.Random(f"crossreg-synth:{state.seed}:entities:{k}")
    start = k * CHUNK
    m = min(CHUNK, n_total - start)
    out: list[GenEntity] = []
    enterprises_in_chunk: list[GenEntity] = []
    names: set[str] = set()
    perms = state.perms
    for j in range(m):
        i = start + j
        etype = _pick(rng, _TYPES, _TYPE_CUM)
        kinds = _KINDS_BY_TYPE[etype]
        kind = kinds[bisect.bisect_right(_KIND_CUM[etype], rng.random() * _KIND_CUM[etype][-1])]
        county = COUNTY_BY_CODE[_pick(rng, _COUNTY_CODES, _COUNTY_CUM)]
        townships = TOWNSHIPS_BY_COUNTY[county.code]
        # The seat town/street holds more entities than the others.
        township = townships[0] if rng.random() < 0.3 else _choice(rng, townships)
        legal_rep = person_name(rng)
        year = int(_pick(rng, _YEARS, _YEAR_CUM))
        registered_on = dt.date(year, _randint(rng, 1, 12), _randint(rng, 1, 28))
        words = _choice(rng, kind.words)

        branch = ""
        form = ""
        bracketed = False
        parent: GenEntity | None = None
        if etype == "enterprise" and enterprises_in_chunk and rng.random() < 0.02:
            parent = _choice(rng, enterprises_in_chunk)
        if parent is not None:
            region, trade, words, form = (
                parent.name_region,
                parent.trade_name,
                parent.industry_words,
                parent.org_form,
            )
            kind = next(x for x in pools.KINDS if x.key == parent.kind)
            stem = county.short if county.code != parent.county else _stem(township.name)
            branch = f"{stem}分公司"
            name = parent.name + branch
            if name in names:
                branch = f"{_stem(township.name)}第{_randint(rng, 2, 9)}分公司"
                name = parent.name + branch
            registered_on = max(registered_on, parent.registered_on)
        else:
            for attempt in range(12):
                if etype == "individual":
                    region = _region_individual(rng, county, township)
                    r = rng.random()
                    given = legal_rep[1:] if len(legal_rep) == 3 and legal_rep[0] in _SURNAMES else ""
                    if r < 0.30 and given:
                        trade = given
                    elif r < 0.38:
                        trade = "老" + legal_rep[0]
                    elif r < 0.46:
                        trade = legal_rep[0] + "记"
                    else:
                        trade = _trade_lucky(rng, 0.15 + 0.05 * attempt)
                    form = ""
                elif etype == "enterprise":
                    region, bracketed = _region_enterprise(rng, county)
                    r = rng.random()
                    if r < 0.02:
                        trade = _choice(rng, pools.PLACE_WORDS) + (_choice(rng, _LUCKY) if attempt else "")
                    elif r < 0.05:
                        trade = _trade_lucky(rng, 0) + _trade_lucky(rng, 0)
                    else:
                        trade = _trade_lucky(rng, 0.35 + 0.1 * attempt)
                    form = _pick(rng, _EFORMS, _EFORM_CUM)
                    if form == "厂" and kind.industry not in pools.MANUFACTURING_DIVISIONS:
                        form = "有限公司"
                elif etype == "coop":
                    region = county.name if rng.random() < 0.6 else county.name + township.name
                    if rng.random() < 0.5:
                        trade = _choice(rng, _AGRI) + _choice(rng, _AGRI)
                    else:
                        trade = _trade_lucky(rng, 0.1 + 0.1 * attempt)
                    form = _pick(rng, _CFORMS, _CFORM_CUM)
                else:
                    r = rng.random()
                    region = county.name if r < 0.5 or county.level == "zone" else "盐城市" + county.name
                    trade = _trade_lucky(rng, 0.1 + 0.1 * attempt)
                    form = ""
                if attempt >= 8:
                    trade += _choice(rng, _LUCKY)
                name = _compose(region, trade, words, form, bracketed)
                if name not in names:
                    break
                bracketed = False
        names.add(name)

        # Identifiers.
        old = registered_on < USCC_REFORM
        registration_no = ""
        if etype != "other" and old:
            type_digit = {"enterprise": _choice(rng, "01"), "individual": _choice(rng, "678"), "coop": "3"}[
                etype
            ]
            registration_no = perms.registration_no(i, county.code, type_digit)
        if etype == "other":
            body = perms.body_ma(i, "MJ")
            prefix = "52"
        else:
            body = perms.body_numeric(i) if old and etype != "individual" else perms.body_ma(i)
            prefix = {"enterprise": "91", "individual": "92", "coop": "93"}[etype]
        uscc: str | None = uscc_from_parts(prefix, county.code, body)
        orgcode = uscc[8:17] if uscc else ""
        if etype == "individual" and old and rng.random() < 0.05:
            uscc, orgcode = None, ""  # an old individual business never re-registered

        # Address and place.
        road = _choice(rng, _ROADS[county.code])
        number = int(rng.triangular(1, 400, 12))
        extra = ""
        r = rng.random()
        if etype == "individual" and r < 0.2:
            extra = f"{_randint(rng, 1, 30)}幢{_randint(rng, 1, 3)}{_randint(rng, 1, 12):02d}室"
        elif etype == "enterprise" and kind.industry in pools.MANUFACTURING_DIVISIONS and r < 0.4:
            road = f"{_stem(township.name)}工业园区{road}"
        elif r < 0.05:
            extra = f"-{_randint(rng, 1, 9)}"
        prefix_addr = "盐城市" + county.name if county.district and county.level != "zone" else county.name
        address = f"{prefix_addr}{township.name}{road}{number}号{extra}"
        lat = round(township.lat + rng.gauss(0, 0.012), 6)
        lng = round(township.lng + rng.gauss(0, 0.014), 6)

        landline = etype in ("enterprise", "other") and rng.random() < 0.5
        phone = phone_number(rng, landline)

        status = _pick(rng, _STATUSES, _STATUS_CUM)
        if year >= 2024 and status in ("cancelled", "revoked"):
            status = "active"
        if etype == "individual" and year < 2012 and status == "active" and rng.random() < 0.15:
            status = "cancelled"
        credit = _pick(rng, _CREDITS, _CREDIT_CUM)
        if status == "revoked":
            credit = "D" if rng.random() < 0.6 else "C"
        domains = tuple(d for d, p in kind.domains if rng.random() < p)

        entity = GenEntity(
            id=i + 1,
            uscc=uscc,
            orgcode=orgcode,
            registration_no=registration_no,
            name=name,
            name_region=region,
            trade_name=trade,
            industry_words=words,
            org_form=form,
            branch=branch,
            entity_type=etype,
            kind=kind.key,
            industry=kind.industry,
            county=county.code,
            township=township.code,
            township_name=township.name,
            road=road,
            number=number,
            address_extra=extra,
            address=address,
            legal_rep=legal_rep,
            phone=phone,
            registered_on=registered_on,
            status=status,
            lat=lat,
            lng=lng,
            domains=domains,
            credit_class=credit,
        )
        out.append(entity)
        if etype == "enterprise" and not branch:
            enterprises_in_chunk.append(entity)
    return out


def entities_generate(seed: int, n: int) -> Iterator[list[GenEntity]]:
    """All ``n`` entities of the city of ``seed``, chunk by chunk."""
    state = new_state(seed)
    for k in range((n + CHUNK - 1) // CHUNK):
        yield generate_chunk(state, k, n)
