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
import hashlib
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from crossreg.orgs.data.divisions import (
    COUNTIES,
    COUNTY_BY_CODE,
    ROADS_BY_COUNTY,
    ROADS_COMMON,
    TOWNSHIPS_BY_COUNTY,
    County,
)
from crossreg.synth import pools
from crossreg.synth.codes import ALPHABET, ORG_WEIGHTS, USCC_WEIGHTS, Permutations

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


def _np_rng(*parts: object) -> np.random.Generator:
    """A numpy generator seeded from a string (SHA-256, independent of ``PYTHONHASHSEED``)."""
    key = ":".join(str(p) for p in parts).encode()
    return np.random.Generator(np.random.PCG64(int.from_bytes(hashlib.sha256(key).digest()[:16], "little")))


def _cum_np(weights: Sequence[float]) -> np.ndarray:
    return np.cumsum(np.asarray(weights, dtype=np.float64))


def _pick_np(rng: np.random.Generator, cum: np.ndarray, m: int) -> np.ndarray:
    return np.searchsorted(cum, rng.random(m) * cum[-1], side="right")


def _idx_np(rng: np.random.Generator, sizes: np.ndarray | int, m: int) -> np.ndarray:
    """A uniform index below ``sizes`` (per row) for ``m`` rows."""
    return (rng.random(m) * sizes).astype(np.int64)


_LUCKY_ARR = list(_LUCKY)
_N_LUCKY = len(_LUCKY)
_AGRI_ARR = list(_AGRI)
_SURNAME_CUM_NP = _cum_np([w for _, w in pools.SURNAMES])
_GIVEN_M = list(pools.GIVEN_MALE)
_GIVEN_F = list(pools.GIVEN_FEMALE)
_GIVEN_A = list(pools.GIVEN_ANY)
_COUNTIES = [COUNTY_BY_CODE[c] for c in _COUNTY_CODES]
_COUNTY_CUM_NP = _cum_np([pools.COUNTY_WEIGHTS[c] for c in _COUNTY_CODES])
_TYPE_CUM_NP = _cum_np([w for _, w in pools.TYPE_SHARES])
_KIND_INDEX = {k.key: i for i, k in enumerate(pools.KINDS)}
_KIND_GLOBAL = {t: np.array([_KIND_INDEX[k.key] for k in ks]) for t, ks in _KINDS_BY_TYPE.items()}
_KIND_CUM_NP = {t: _cum_np([k.weight for k in ks]) for t, ks in _KINDS_BY_TYPE.items()}
_YEAR_INT = np.array([y for y, _ in pools.YEAR_WEIGHTS])
_YEAR_CUM_NP = _cum_np([w for _, w in pools.YEAR_WEIGHTS])
_STATUS_CUM_NP = _cum_np([w for _, w in pools.STATUS_WEIGHTS])
_CREDIT_CUM_NP = _cum_np([w for _, w in pools.CREDIT_WEIGHTS])
_EFORM_CUM_NP = _cum_np([w for _, w in pools.ENTERPRISE_FORMS])
_CFORM_CUM_NP = _cum_np([w for _, w in pools.COOP_FORMS])
_TOWNSHIPS = [TOWNSHIPS_BY_COUNTY[c] for c in _COUNTY_CODES]
_TS_COUNT = np.array([len(t) for t in _TOWNSHIPS])
_ROADS_L = [_ROADS[c] for c in _COUNTY_CODES]
_ROAD_COUNT = np.array([len(r) for r in _ROADS_L])
_MANUF = np.array([k.industry in pools.MANUFACTURING_DIVISIONS for k in pools.KINDS])
_MAX_DOMAINS = max(len(k.domains) for k in pools.KINDS)
_DOMAIN_P = np.zeros((len(pools.KINDS), _MAX_DOMAINS))
for _ki, _kind in enumerate(pools.KINDS):
    for _di, (_d, _p) in enumerate(_kind.domains):
        _DOMAIN_P[_ki, _di] = _p
_TYPE_PREFIX = {"enterprise": "91", "individual": "92", "coop": "93", "other": "52"}
_PREFIX_ADDR = ["盐城市" + c.name if c.district and c.level != "zone" else c.name for c in _COUNTIES]


def _region_options(county: County) -> tuple[tuple[str, ...], np.ndarray]:
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
    return tuple(r for r, _ in options), np.cumsum([w for _, w in options])


_ENT_REGIONS = [_region_options(c) for c in _COUNTIES]


_NORM_UNSAFE = "晶元"
"""The one pair of auspicious characters that ``normalize_name`` rewrites (zhconv: 晶元 → 芯片);
trade names containing it are redrawn so that the fast ``name_norm`` path holds."""


def person_names(rng: np.random.Generator, m: int) -> tuple[list[str], list[str]]:
    """``m`` people's names (column-wise :func:`person_name`) and their surnames."""
    sur = _pick_np(rng, _SURNAME_CUM_NP, m).tolist()
    u = rng.random((m, 3))
    male = (u[:, 0] < 0.5).tolist()
    single = (u[:, 1] < 0.22).tolist()
    any_first = (u[:, 2] < 0.3).tolist()
    c = rng.random((m, 2))
    nm, nf, na = len(_GIVEN_M), len(_GIVEN_F), len(_GIVEN_A)
    i0 = c[:, 0].tolist()
    i1 = c[:, 1].tolist()
    names: list[str] = []
    surnames: list[str] = []
    for j in range(m):
        s = _SURNAMES[sur[j]]
        pool, n = (_GIVEN_M, nm) if male[j] else (_GIVEN_F, nf)
        last = pool[int(i1[j] * n)]
        if single[j]:
            names.append(s + last)
        else:
            first = _GIVEN_A[int(i0[j] * na)] if any_first[j] else pool[int(i0[j] * n)]
            names.append(s + first + last)
        surnames.append(s)
    return names, surnames


def _lucky_np(rng: np.random.Generator, m: int, three: np.ndarray | float) -> list[str]:
    idx = (rng.random((m, 3)) * _N_LUCKY).astype(np.int64).tolist()
    is3 = (rng.random(m) < three).tolist()
    L = _LUCKY_ARR
    return [L[a] + L[b] + L[c] if t else L[a] + L[b] for (a, b, c), t in zip(idx, is3, strict=True)]


def _trades(
    rng: np.random.Generator, etypes: list[str], reps: list[str], surnames: list[str], attempt: int
) -> list[str]:
    """Trade names for entities of the given types (one draw per row; ``attempt`` > 0 on a retry)."""
    m = len(etypes)
    r = rng.random(m).tolist()
    extra = rng.random(m).tolist()
    lucky_ind = _lucky_np(rng, m, 0.15 + 0.05 * attempt)
    lucky_ent = _lucky_np(rng, m, 0.35 + 0.1 * attempt)
    lucky_4a = _lucky_np(rng, m, 0.0)
    lucky_4b = _lucky_np(rng, m, 0.0)
    lucky_oth = _lucky_np(rng, m, 0.1 + 0.1 * attempt)
    agri = (rng.random((m, 2)) * len(_AGRI_ARR)).astype(np.int64).tolist()
    place = (rng.random(m) * len(pools.PLACE_WORDS)).astype(np.int64).tolist()
    out: list[str] = []
    for j, et in enumerate(etypes):
        x = r[j]
        if et == "individual":
            rep, sur = reps[j], surnames[j]
            given = rep[1:] if len(rep) == 3 and len(sur) == 1 else ""
            if x < 0.30 and given:
                t = given
            elif x < 0.38:
                t = "老" + rep[0]
            elif x < 0.46:
                t = rep[0] + "记"
            else:
                t = lucky_ind[j]
        elif et == "enterprise":
            if x < 0.02:
                t = pools.PLACE_WORDS[place[j]] + (_LUCKY_ARR[int(extra[j] * _N_LUCKY)] if attempt else "")
            elif x < 0.05:
                t = lucky_4a[j] + lucky_4b[j]
            else:
                t = lucky_ent[j]
        elif et == "coop":
            t = _AGRI_ARR[agri[j][0]] + _AGRI_ARR[agri[j][1]] if x < 0.5 else lucky_oth[j]
        else:
            t = lucky_oth[j]
        if attempt >= 8:
            t += _LUCKY_ARR[int(extra[j] * _N_LUCKY)]
        out.append(t)
    return out


def _base31_matrix(values: np.ndarray, width: int) -> np.ndarray:
    out = np.empty((len(values), width), dtype=np.int64)
    v = values.copy()
    for p in range(width - 1, -1, -1):
        out[:, p] = v % 31
        v //= 31
    return out


_ALPHA_NP = np.array(list(ALPHABET))
_USCC_W = np.array(USCC_WEIGHTS, dtype=np.int64)
_ORG_W = np.array(ORG_WEIGHTS, dtype=np.int64)
_ORG_VAL_OF_IDX = np.array([int(c) if c.isdigit() else ord(c) - 55 for c in ALPHABET], dtype=np.int64)


def _usccs(prefix: list[str], county: np.ndarray, body_idx: np.ndarray) -> list[str]:
    """Vectorised ``uscc_from_parts``: ``body_idx`` is an (m, 8) matrix of alphabet indices."""
    m = len(prefix)
    mat = np.zeros((m, 18), dtype=np.int64)
    pre = np.array([[int(p[0]), int(p[1])] for p in prefix], dtype=np.int64).reshape(m, 2)
    mat[:, 0:2] = pre
    div = np.array([[int(ch) for ch in c] for c in _COUNTY_CODES], dtype=np.int64)[county]
    mat[:, 2:8] = div
    mat[:, 8:16] = body_idx
    org = 11 - (_ORG_VAL_OF_IDX[body_idx] @ _ORG_W) % 11
    org_idx = np.where(org == 10, ALPHABET.index("X"), np.where(org == 11, 0, org))
    mat[:, 16] = org_idx
    mat[:, 17] = (31 - (mat[:, :17] @ _USCC_W) % 31) % 31
    chars = np.ascontiguousarray(_ALPHA_NP[mat])
    return chars.view("<U18").ravel().tolist()


def _regnos(county: np.ndarray, type_digit: np.ndarray, seq: np.ndarray) -> list[str]:
    """Vectorised registration numbers: division + type digit + 7 digits + MOD 11,10 check."""
    m = len(county)
    digits = np.zeros((m, 15), dtype=np.int64)
    digits[:, 0:6] = np.array([[int(ch) for ch in c] for c in _COUNTY_CODES], dtype=np.int64)[county]
    digits[:, 6] = type_digit
    s = seq.copy()
    for p in range(13, 6, -1):
        digits[:, p] = s % 10
        s //= 10
    check = np.full(m, 5, dtype=np.int64)
    for p in range(14):
        c10 = np.where(check == 0, 10, check)
        check = ((c10 * 2) % 11 + digits[:, p]) % 10
    c10 = np.where(check == 0, 10, check)
    digits[:, 14] = (1 - (c10 * 2) % 11) % 10
    chars = np.ascontiguousarray(np.array(list("0123456789"))[digits])
    return chars.view("<U15").ravel().tolist()


def generate_chunk(state: _State, k: int, n_total: int) -> list[GenEntity]:
    """The ``k``-th chunk of entities (ids ``k*CHUNK+1`` … ), drawn column by column."""
    rng = _np_rng("crossreg-synth", state.seed, "entities", k)
    start = k * CHUNK
    size = min(CHUNK, n_total - start)
    if size <= 0:
        return []
    # Every column is drawn for a whole chunk and the last chunk is cut short, so that the first
    # ``n`` entities do not depend on the city's size.
    m = CHUNK
    perms = state.perms
    ids = np.arange(start, start + m, dtype=np.int64)

    tcode = _pick_np(rng, _TYPE_CUM_NP, m)
    etypes = [_TYPES[t] for t in tcode.tolist()]
    u_kind = rng.random(m)
    kind = np.zeros(m, dtype=np.int64)
    for ti, t in enumerate(_TYPES):
        mask = tcode == ti
        cum = _KIND_CUM_NP[t]
        local = np.searchsorted(cum, u_kind[mask] * cum[-1], side="right")
        kind[mask] = _KIND_GLOBAL[t][local]
    county = _pick_np(rng, _COUNTY_CUM_NP, m)
    seat = rng.random(m) < 0.3
    ts_idx = np.where(seat, 0, _idx_np(rng, _TS_COUNT[county], m))
    reps, surnames = person_names(rng, m)
    year = _YEAR_INT[_pick_np(rng, _YEAR_CUM_NP, m)]
    month = rng.integers(1, 13, m)
    day = rng.integers(1, 29, m)
    u_words = rng.random(m)

    # Branches (分公司) of an earlier enterprise of the chunk: copy its name parts.
    is_ent = tcode == _TYPES.index("enterprise")
    branch_draw = is_ent & (rng.random(m) < 0.02)
    u_parent = rng.random(m)
    u_branch_no = rng.integers(2, 10, m)
    heads = np.flatnonzero(is_ent & ~branch_draw)
    earlier = np.searchsorted(heads, np.arange(m), side="left")
    is_branch = branch_draw & (earlier > 0)
    parent = np.full(m, -1, dtype=np.int64)
    bi = np.flatnonzero(is_branch)
    parent[bi] = heads[(u_parent[bi] * earlier[bi]).astype(np.int64)]
    kind[bi] = kind[parent[bi]]

    county_l = county.tolist()
    ts_l = ts_idx.tolist()
    kind_l = kind.tolist()
    words = [
        pools.KINDS[kd].words[int(u * len(pools.KINDS[kd].words))]
        for kd, u in zip(kind_l, u_words.tolist(), strict=True)
    ]

    # Region and form.
    u_reg = rng.random((m, 2)).tolist()
    eform = _pick_np(rng, _EFORM_CUM_NP, m).tolist()
    cform = _pick_np(rng, _CFORM_CUM_NP, m).tolist()
    regions: list[str] = []
    forms: list[str] = []
    bracketed: list[bool] = []
    for j, et in enumerate(etypes):
        c = _COUNTIES[county_l[j]]
        t = _TOWNSHIPS[county_l[j]][ts_l[j]]
        r0, r1 = u_reg[j]
        br = False
        form = ""
        if et == "individual":
            if r0 < 0.55:
                region = c.name
            elif r0 < 0.75 and c.level != "zone":
                region = "盐城市" + c.name
            else:
                region = c.name + t.name
        elif et == "enterprise":
            if r0 < 0.05:
                region, br = "盐城", True
            else:
                opts, cum = _ENT_REGIONS[county_l[j]]
                region = opts[min(int(np.searchsorted(cum, r1 * cum[-1], side="right")), len(opts) - 1)]
            form = _EFORMS[eform[j]]
            if form == "厂" and not _MANUF[kind_l[j]]:
                form = "有限公司"
        elif et == "coop":
            region = c.name if r0 < 0.6 else c.name + t.name
            form = _CFORMS[cform[j]]
        else:
            region = c.name if r0 < 0.5 or c.level == "zone" else "盐城市" + c.name
        regions.append(region)
        forms.append(form)
        bracketed.append(br)

    # Trade names, redrawn until the names of the chunk are unique (branches come after).
    own = np.flatnonzero(~is_branch).tolist()
    trades = [""] * m
    names = [""] * m
    todo = own
    attempt = 0
    names_seen: set[str] = set()
    while todo:
        drawn = _trades(
            rng, [etypes[j] for j in todo], [reps[j] for j in todo], [surnames[j] for j in todo], attempt
        )
        again: list[int] = []
        for j, t in zip(todo, drawn, strict=True):
            name = (
                f"{t}（{regions[j]}）{words[j]}{forms[j]}"
                if bracketed[j]
                else f"{regions[j]}{t}{words[j]}{forms[j]}"
            )
            if (name in names_seen or _NORM_UNSAFE in t) and attempt < 20:
                again.append(j)
                continue
            names_seen.add(name)
            trades[j], names[j] = t, name
        todo = again
        attempt += 1
    branches = [""] * m
    for j, p in zip(bi.tolist(), parent[bi].tolist(), strict=True):
        regions[j], trades[j], words[j], forms[j] = regions[p], trades[p], words[p], forms[p]
        t = _TOWNSHIPS[county_l[j]][ts_l[j]]
        stem = _COUNTIES[county_l[j]].short if county_l[j] != county_l[p] else _stem(t.name)
        branch = f"{stem}分公司"
        if names[p] + branch in names_seen:
            branch = f"{_stem(t.name)}第{int(u_branch_no[j])}分公司"
        branches[j] = branch
        names[j] = names[p] + branch
        names_seen.add(names[j])
        if (year[j], month[j], day[j]) < (year[p], month[p], day[p]):
            year[j], month[j], day[j] = year[p], month[p], day[p]

    # Identifiers.
    reg_ord = year * 10000 + month * 100 + day
    old = reg_ord < 20151001
    is_ind = tcode == _TYPES.index("individual")
    is_oth = tcode == _TYPES.index("other")
    u_td = rng.random(m)
    type_digit = np.where(
        is_ent, (u_td * 2).astype(np.int64), np.where(is_ind, 6 + (u_td * 3).astype(np.int64), 3)
    )
    has_regno = old & ~is_oth
    regno_l = [""] * m
    ri = np.flatnonzero(has_regno)
    if len(ri):
        seq = (perms.a7 * ids[ri] + perms.b7) % 10**7
        for j, r in zip(ri.tolist(), _regnos(county[ri], type_digit[ri], seq), strict=True):
            regno_l[j] = r
    numeric = old & ~is_ind & ~is_oth
    body = np.empty((m, 8), dtype=np.int64)
    ma = _base31_matrix((perms.a31 * ids + perms.b31) % 31**6, 6)
    body[:, 0] = ALPHABET.index("M")
    body[:, 1] = np.where(is_oth, ALPHABET.index("J"), ALPHABET.index("A"))
    body[:, 2:] = ma
    num = (perms.a10 * ids + perms.b10) % 10**8
    ni = np.flatnonzero(numeric)
    s = num[ni].copy()
    for p in range(7, -1, -1):
        body[ni, p] = s % 10
        s //= 10
    prefixes = [_TYPE_PREFIX[et] for et in etypes]
    usccs: list[str | None] = list(_usccs(prefixes, county, body))
    drop = (is_ind & old & (rng.random(m) < 0.05)).tolist()

    # Address and place.
    road_i = _idx_np(rng, _ROAD_COUNT[county], m).tolist()
    number = np.floor(rng.triangular(1, 12, 400, m)).astype(np.int64).tolist()
    u_addr = rng.random(m).tolist()
    nums = rng.integers(1, 31, (m, 3)).tolist()
    lat = (
        (
            np.array([_TOWNSHIPS[c][t].lat for c, t in zip(county_l, ts_l, strict=True)])
            + rng.normal(0, 0.012, m)
        )
        .round(6)
        .tolist()
    )
    lng = (
        (
            np.array([_TOWNSHIPS[c][t].lng for c, t in zip(county_l, ts_l, strict=True)])
            + rng.normal(0, 0.014, m)
        )
        .round(6)
        .tolist()
    )

    u_phone = rng.random(m).tolist()
    landline_digit = (rng.random(m) * 3).astype(np.int64).tolist()
    mobile_prefix = (rng.random(m) * 8).astype(np.int64).tolist()
    phone_digits = rng.integers(10**8, 10**9, m).tolist()
    land_digits = rng.integers(10**6, 10**7, m).tolist()

    status_i = _pick_np(rng, _STATUS_CUM_NP, m)
    u_cancel = rng.random(m)
    credit_i = _pick_np(rng, _CREDIT_CUM_NP, m)
    u_credit = rng.random(m)
    statuses = np.array(_STATUSES, dtype=object)[status_i]
    late = (year >= 2024) & np.isin(statuses, ("cancelled", "revoked"))
    statuses[late] = "active"
    statuses[is_ind & (year < 2012) & (statuses == "active") & (u_cancel < 0.15)] = "cancelled"
    credits = np.array(_CREDITS, dtype=object)[credit_i]
    revoked = statuses == "revoked"
    credits[revoked] = np.where(u_credit[revoked] < 0.6, "D", "C")
    dom_draw = rng.random((m, _MAX_DOMAINS)) < _DOMAIN_P[kind]
    # The drawn domains as a bit mask per row; each (kind, mask) gives its tuple once per chunk.
    dom_bits = (dom_draw.astype(np.int64) << np.arange(_MAX_DOMAINS, dtype=np.int64)).sum(axis=1).tolist()
    dom_tuples: dict[tuple[int, int], tuple[str, ...]] = {}

    year_l, month_l, day_l = year.tolist(), month.tolist(), day.tolist()
    statuses_l = statuses.tolist()
    credits_l = credits.tolist()
    out: list[GenEntity] = []
    mobile = ("13", "13", "15", "15", "18", "18", "17", "19")
    for j in range(size):
        kd = pools.KINDS[kind_l[j]]
        et = etypes[j]
        c = _COUNTIES[county_l[j]]
        t = _TOWNSHIPS[county_l[j]][ts_l[j]]
        uscc = None if drop[j] else usccs[j]
        road = _ROADS_L[county_l[j]][road_i[j]]
        extra = ""
        r = u_addr[j]
        a, b, cc = nums[j]
        if et == "individual" and r < 0.2:
            extra = f"{a}幢{1 + b % 3}{1 + cc % 12:02d}室"
        elif et == "enterprise" and _MANUF[kind_l[j]] and r < 0.4:
            road = f"{_stem(t.name)}工业园区{road}"
        elif r < 0.05:
            extra = f"-{1 + a % 9}"
        n = number[j]
        if et in ("enterprise", "other") and u_phone[j] < 0.5:
            phone = f"0515-{'868'[landline_digit[j]]}{land_digits[j]}"
        else:
            phone = f"{mobile[mobile_prefix[j]]}{phone_digits[j]}"
        key = (kind_l[j], dom_bits[j])
        domains = dom_tuples.get(key)
        if domains is None:
            domains = dom_tuples[key] = tuple(
                d for i, (d, _) in enumerate(kd.domains) if dom_bits[j] >> i & 1
            )
        out.append(
            GenEntity(
                id=start + j + 1,
                uscc=uscc,
                orgcode=uscc[8:17] if uscc else "",
                registration_no=regno_l[j],
                name=names[j],
                name_region=regions[j],
                trade_name=trades[j],
                industry_words=words[j],
                org_form=forms[j],
                branch=branches[j],
                entity_type=et,
                kind=kd.key,
                industry=kd.industry,
                county=c.code,
                township=t.code,
                township_name=t.name,
                road=road,
                number=n,
                address_extra=extra,
                address=f"{_PREFIX_ADDR[county_l[j]]}{t.name}{road}{n}号{extra}",
                legal_rep=reps[j],
                phone=phone,
                registered_on=dt.date(year_l[j], month_l[j], day_l[j]),
                status=statuses_l[j],
                lat=lat[j],
                lng=lng[j],
                domains=domains,
                credit_class=credits_l[j],
            )
        )
    return out


def entities_generate(seed: int, n: int) -> Iterator[list[GenEntity]]:
    """All ``n`` entities of the city of ``seed``, chunk by chunk."""
    state = new_state(seed)
    for k in range((n + CHUNK - 1) // CHUNK):
        yield generate_chunk(state, k, n)
