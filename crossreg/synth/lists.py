"""Each supervising department's own list of the entities it supervises (部门监管对象名录).

A department lists an entity when the entity belongs to one of the department's domains
(a restaurant is on the lists of 市场监管局 for food, 消防 for fire safety, 城管局 for cooking
fumes …), with the department's own columns, record-ID format, date and phone styles, encoding,
and its own degree of messiness. The ground truth ((department, record ID) → entity) is written
apart, in ``_truth/truth.csv``.

Rows are built column by column (:func:`dept_rows`): which entities a department lists, the
duplicates, the shuffle and every mess decision are drawn as numpy arrays for all rows of a chunk at
once; the string-level mess (a typo, a dropped region …) is then applied in Python only to the rows
drawn for it, in the same order of kinds as a row-by-row model would.

Determinism: the rows of chunk ``k`` for department ``d`` come from their own numpy generator,
seeded with the SHA-256 of ``"crossreg-synth:<seed>:lists:[<plan>:]<d>:<k>"`` (the few string-level
choices from a ``random.Random`` seeded from it); record IDs are numbered in file order.
"""

from __future__ import annotations

import hashlib
import operator
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from crossreg.orgs.data.departments import SUPERVISING
from crossreg.orgs.data.divisions import COUNTY_BY_CODE
from crossreg.synth import mess
from crossreg.synth.generate import GenEntity, _np_rng, person_name
from crossreg.synth.pools import INDUSTRY_NAMES, LUCKY, STATUS_ZH

_LUCKY_CHARS = LUCKY

LIVE = frozenset({"active", "operating", "moved_out"})


@dataclass(frozen=True)
class ListSpec:
    """How one department keeps its list."""

    department: str
    filename: str
    encoding: str
    columns: tuple[tuple[str, str], ...]  # (header, field)
    row_id: Callable[[list[int], Rows], list[str]]  # record IDs from sequence numbers
    messiness: float = 1.0
    coverage: float = 0.92  # share of its live supervised entities a department actually lists
    stale: float = 0.2  # share of its cancelled/revoked entities still on the list
    date_format: str = "%Y-%m-%d"
    phone_style: str = "plain"
    id_kind: str = "uscc"  # "uscc" or "orgcode"
    foreign_ids: bool = False  # record IDs in another department's format
    licence: Callable[[np.random.Generator, Rows], list[str]] | None = None
    title_rows: tuple[tuple[str, ...], ...] = ()  # rows above the header (a title, a date line)
    real_noise: bool = False  # the noise of real published lists (mess.REAL_MESS_KINDS)
    own_headers: bool = False  # the columns carry the department's own names (REAL_HEADERS)


def _seqid(prefix: str, width: int) -> Callable[[list[int], Rows], list[str]]:
    def make(seqs: list[int], _rows: Rows) -> list[str]:
        return [f"{prefix}{seq:0{width}d}" for seq in seqs]

    return make


_YBJ_HOSPITAL = frozenset({"i_clinic", "e_medical", "o_hospital"})


def _ybj_id(seqs: list[int], rows: Rows) -> list[str]:
    return [
        f"{'H' if kind in _YBJ_HOSPITAL else 'P'}{county}{seq:07d}"
        for seq, kind, county in zip(seqs, rows.get("kind"), rows.get("county"), strict=True)
    ]


def _lic_food(rng: np.random.Generator, rows: Rows) -> list[str]:
    serial = rng.integers(0, 10**7, rows.n).tolist()
    return [
        (f"JY{'2' if ind in ('62', '61') else '1'}{county}{x:07d}" if "food" in doms else "")
        for doms, ind, county, x in zip(
            rows.get("domains"), rows.get("industry"), rows.get("county"), serial, strict=True
        )
    ]


def _lic_pollution(rng: np.random.Generator, rows: Rows) -> list[str]:
    skip = (rng.random(rows.n) < 0.3).tolist()
    suffix = rng.integers(1, 4, rows.n).tolist()
    letter = rng.integers(0, 8, rows.n).tolist()
    return [
        "" if not uscc or sk else f"{uscc}{x:03d}{'VPUQWXYZ'[c]}"
        for uscc, sk, x, c in zip(rows.get("uscc"), skip, suffix, letter, strict=True)
    ]


def _lic_transport(rng: np.random.Generator, rows: Rows) -> list[str]:
    serial = rng.integers(0, 10**6, rows.n).tolist()
    return [
        f"苏交运管许可盐字{county}{x:06d}号" for county, x in zip(rows.get("county"), serial, strict=True)
    ]


def _lic_hazchem(rng: np.random.Generator, rows: Rows) -> list[str]:
    later = rng.integers(0, 4, rows.n).tolist()
    serial = rng.integers(0, 10**4, rows.n).tolist()
    out = []
    for doms, year, dy, x in zip(rows.get("domains"), rows.get("year"), later, serial, strict=True):
        if "fireworks" in doms:
            out.append(f"苏盐烟花零字〔{year + dy}〕{x:04d}")
        elif "hazchem" in doms:
            out.append(f"苏盐危化经字〔{year + dy}〕{x:04d}")
        else:
            out.append("")
    return out


def _lic_education(rng: np.random.Generator, rows: Rows) -> list[str]:
    serial = rng.integers(0, 10**8, rows.n).tolist()
    return [f"教民1{county}{x:08d}号" for county, x in zip(rows.get("county"), serial, strict=True)]


def _lic_construction(rng: np.random.Generator, rows: Rows) -> list[str]:
    grade = rng.integers(2, 4, rows.n).tolist()
    serial = rng.integers(0, 10**6, rows.n).tolist()
    return [
        f"D{g}32{x:06d}" if "construction" in doms and et == "enterprise" else ""
        for doms, et, g, x in zip(rows.get("domains"), rows.get("entity_type"), grade, serial, strict=True)
    ]


def _lic_health(rng: np.random.Generator, rows: Rows) -> list[str]:
    serial = rng.integers(0, 10**4, rows.n).tolist()
    return [
        f"盐卫公字〔{max(year, 2010)}〕第{x:04d}号" for year, x in zip(rows.get("year"), serial, strict=True)
    ]


_COMMON = (("名称", "name"), ("地址", "address"), ("负责人", "legal_rep"), ("联系电话", "phone"))

SPECS: tuple[ListSpec, ...] = (
    ListSpec(
        "scjg",
        "scjg.csv",
        "utf-8",
        (
            ("监管对象编号", "row_id"),
            ("统一社会信用代码(注册号)", "uscc"),
            ("主体名称", "name"),
            ("住所(经营场所)", "address"),
            ("法定代表人(负责人)", "legal_rep"),
            ("联系电话", "phone"),
            ("成立日期", "registered_on"),
            ("登记状态", "status"),
            ("行业门类", "industry"),
            ("食品经营许可证编号", "licence"),
        ),
        _seqid("SJ", 9),
        messiness=0.5,
        coverage=0.97,
        stale=0.3,
        licence=_lic_food,
    ),
    ListSpec(
        "sthj",
        "sthj.csv",
        "utf-8",
        (
            ("污染源编码", "row_id"),
            ("单位名称", "name"),
            ("统一社会信用代码", "uscc"),
            ("排污许可证编号", "licence"),
            ("单位地址", "address"),
            ("法定代表人", "legal_rep"),
            ("联系电话", "phone"),
            ("所属区县", "county"),
        ),
        _seqid("WR3209", 7),
        messiness=1.0,
        phone_style="dashed",
        licence=_lic_pollution,
    ),
    ListSpec(
        "jtys",
        "jtys.csv",
        "utf-8",
        (
            ("业户编号", "row_id"),
            ("业户名称", "name"),
            ("经营许可证号", "licence"),
            ("统一社会信用代码", "uscc"),
            ("经营地址", "address"),
            ("负责人", "legal_rep"),
            ("联系方式", "phone"),
            ("发证日期", "registered_on"),
        ),
        _seqid("JT-", 8),
        messiness=1.2,
        date_format="%Y/%-m/%-d",
        phone_style="spaced",
        licence=_lic_transport,
    ),
    ListSpec(
        "nyny",
        "nyny.csv",
        "utf-8",
        (
            ("主体编号", "row_id"),
            ("主体名称", "name"),
            ("统一社会信用代码", "uscc"),
            ("所在乡镇", "township"),
            ("详细地址", "address"),
            ("法人/负责人", "legal_rep"),
            ("电话", "phone"),
            ("主体类型", "entity_type"),
        ),
        _seqid("NY", 8),
        messiness=1.5,
        coverage=0.85,
    ),
    ListSpec(
        "yjgl",
        "yjgl.csv",
        "utf-8",
        (
            ("企业编号", "row_id"),
            ("企业名称", "name"),
            ("统一社会信用代码", "uscc"),
            ("注册地址", "address"),
            ("主要负责人", "legal_rep"),
            ("联系电话", "phone"),
            ("许可证号", "licence"),
            ("行业类别", "industry"),
        ),
        _seqid("YJ3209", 8),
        messiness=1.0,
        phone_style="dashed",
        licence=_lic_hazchem,
    ),
    ListSpec(
        "wjw",
        "wjw.csv",
        "utf-8-sig",
        (
            ("单位编码", "row_id"),
            ("单位名称", "name"),
            ("社会信用代码", "uscc"),
            ("卫生许可证号", "licence"),
            ("单位地址", "address"),
            ("法定代表人", "legal_rep"),
            ("联系电话", "phone"),
        ),
        _seqid("WJ", 8),
        messiness=1.0,
        licence=_lic_health,
    ),
    ListSpec(
        "jyj",
        "jyj.csv",
        "utf-8",
        (
            ("机构编号", "row_id"),
            ("机构名称", "name"),
            ("统一社会信用代码", "uscc"),
            ("办学许可证号", "licence"),
            ("办学地址", "address"),
            ("举办者/法定代表人", "legal_rep"),
            ("联系电话", "phone"),
        ),
        _seqid("JYJ", 8),
        messiness=1.0,
        licence=_lic_education,
    ),
    ListSpec(
        "rsj",
        "rsj.csv",
        "gb18030",
        (
            ("单位编号", "row_id"),
            ("用人单位名称", "name"),
            ("统一社会信用代码", "uscc"),
            ("单位地址", "address"),
            ("法定代表人", "legal_rep"),
            ("联系电话", "phone"),
            ("成立时间", "registered_on"),
        ),
        _seqid("", 10),
        messiness=1.6,
        date_format="%Y%m%d",
        phone_style="paren",
    ),
    ListSpec(
        "ybj",
        "ybj.csv",
        "utf-8",
        (
            ("定点医药机构编码", "row_id"),
            ("定点医药机构名称", "name"),
            ("统一社会信用代码", "uscc"),
            ("机构地址", "address"),
            ("负责人", "legal_rep"),
            ("联系电话", "phone"),
        ),
        _ybj_id,
        messiness=0.8,
    ),
    ListSpec(
        "jrjg",
        "jrjg.csv",
        "utf-8",
        (
            ("机构编号", "row_id"),
            ("机构名称", "name"),
            ("统一社会信用代码", "uscc"),
            ("注册地址", "address"),
            ("法定代表人", "legal_rep"),
            ("联系电话", "phone"),
            ("成立日期", "registered_on"),
        ),
        _seqid("JR", 7),
        messiness=0.6,
        date_format="%Y年%-m月%-d日",
    ),
    ListSpec(
        "fgw",
        "fgw.csv",
        "utf-8",
        (
            ("企业编号", "row_id"),
            ("企业名称", "name"),
            ("统一社会信用代码", "uscc"),
            ("所在地区", "county"),
            ("地址", "address"),
            ("负责人", "legal_rep"),
            ("电话", "phone"),
        ),
        _seqid("FG", 8),
        messiness=1.0,
    ),
    ListSpec(
        "zjj",
        "zjj.csv",
        "utf-8",
        (
            ("企业编号", "row_id"),
            ("企业名称", "name"),
            ("统一社会信用代码", "uscc"),
            ("资质证书编号", "licence"),
            ("注册地址", "address"),
            ("法定代表人", "legal_rep"),
            ("联系电话", "phone"),
        ),
        _seqid("ZJ", 8),
        messiness=1.0,
        phone_style="dashed",
        licence=_lic_construction,
    ),
    ListSpec(
        "xf",
        "xf.csv",
        "utf-8",
        (
            ("单位编号", "row_id"),
            ("单位名称", "name"),
            ("统一社会信用代码", "uscc"),
            ("单位地址", "address"),
            ("消防安全责任人", "legal_rep"),
            ("联系电话", "phone"),
        ),
        _seqid("SJ", 9),  # copied from 市场监管局's numbering: another department's ID format
        messiness=1.3,
        foreign_ids=True,
    ),
    ListSpec(
        "gaj",
        "gaj.csv",
        "gb18030",
        (
            ("单位编码", "row_id"),
            ("单位名称", "name"),
            ("组织机构代码", "uscc"),
            ("单位地址", "address"),
            ("法人代表", "legal_rep"),
            ("联系电话", "phone"),
            ("行业类别", "industry"),
        ),
        _seqid("GA320900", 7),
        messiness=1.2,
        id_kind="orgcode",
        phone_style="local",
    ),
    ListSpec(
        "swj",
        "swj.csv",
        "utf-8",
        (
            ("备案编号", "row_id"),
            ("企业名称", "name"),
            ("统一社会信用代码", "uscc"),
            ("经营地址", "address"),
            ("法定代表人", "legal_rep"),
            ("联系电话", "phone"),
            ("备案日期", "registered_on"),
        ),
        _seqid("SW", 8),
        messiness=1.1,
        date_format="%Y.%m.%d",
    ),
    ListSpec(
        "wgl",
        "wgl.csv",
        "utf-8",
        (
            ("许可证编号", "row_id"),
            ("单位名称", "name"),
            ("统一社会信用代码", "uscc"),
            ("经营地址", "address"),
            ("法定代表人", "legal_rep"),
            ("联系电话", "phone"),
        ),
        _seqid("WG3209", 7),
        messiness=1.1,
        phone_style="intl",
    ),
    ListSpec(
        "cgj",
        "cgj.csv",
        "utf-8-sig",
        (
            ("编号", "row_id"),
            ("商户名称", "name"),
            ("信用代码", "uscc"),
            ("地址", "address"),
            ("负责人", "legal_rep"),
            ("电话", "phone"),
        ),
        _seqid("CG", 8),
        messiness=1.8,
        coverage=0.8,
    ),
)

SPEC_BY_DEPT = {s.department: s for s in SPECS}
DEPT_DOMAINS: dict[str, frozenset[str]] = {d.code: frozenset(d.domains) for d in SUPERVISING}
assert set(SPEC_BY_DEPT) == set(DEPT_DOMAINS), "every supervising department keeps a list"

TRUTH_COLUMNS = ("department", "file", "row_id", "entity_id", "uscc", "mess")

_TYPE_ZH = {
    "enterprise": "企业",
    "individual": "个体工商户",
    "coop": "农民专业合作社",
    "other": "民办非企业单位",
}


REAL_HEADERS: dict[str, dict[str, str]] = {
    "scjg": {
        "name": "企业（单位）名称",
        "uscc": "社会信用代码",
        "address": "经营场所",
        "legal_rep": "法人代表",
    },
    "sthj": {"name": "排污单位名称", "address": "生产经营场所地址"},
    "jtys": {"name": "经营单位", "legal_rep": "业户负责人"},
    "nyny": {"name": "经营主体名称"},
    "yjgl": {"name": "生产经营单位名称"},
    "wjw": {"name": "机构全称", "address": "执业地址"},
    "jyj": {"name": "学校（机构）名称"},
    "rsj": {"name": "参保单位名称", "legal_rep": "单位负责人"},
    "jrjg": {"name": "机构全称"},
    "fgw": {"name": "企业（单位）全称", "address": "实际经营地址"},
    "zjj": {"name": "企业名称（全称）"},
    "xf": {"name": "单位名称（全称）"},
    "swj": {"name": "纳税人名称", "uscc": "纳税人识别号", "address": "生产经营地址"},
    "wgl": {"name": "经营单位名称", "address": "经营场所"},
    "cgj": {"name": "经营单位", "address": "经营场所", "legal_rep": "业主"},
}
"""Column names that departments' published lists use (the ``real`` plan): 双随机 检查对象名录,
排污许可名录, 纳税人名单, 参保单位名单 …. Record-ID columns keep their names (they end in 编号/编码)."""

_DEPT_NAME = {d.code: d.name for d in SUPERVISING}
_TWO_TITLE_ROWS = frozenset({"scjg", "yjgl", "rsj", "swj", "cgj", "nyny", "wjw"})


def real_spec(spec: ListSpec) -> ListSpec:
    """A department's list as it is published: its own column names, a title row (and for some a
    填报单位/导出日期 line) above the header, and the noise of :data:`mess.REAL_MESS_KINDS`."""
    import dataclasses

    own = REAL_HEADERS.get(spec.department, {})
    columns = tuple((own.get(f, header), f) for header, f in spec.columns)
    width = len(columns)
    title: list[tuple[str, ...]] = [
        (f"{_DEPT_NAME[spec.department]}2026年度监管对象名录", *([""] * (width - 1)))
    ]
    if spec.department in _TWO_TITLE_ROWS:
        title.append(
            (f"填报单位：{_DEPT_NAME[spec.department]}", *([""] * (width - 2)), "导出日期：2026-11-30")
        )
    return dataclasses.replace(
        spec, columns=columns, title_rows=tuple(title), real_noise=True, own_headers=bool(own)
    )


@dataclass(frozen=True)
class ListPlan:
    """Which departments write a list, and how widely each lists beyond its own domains.

    A department always considers the entities that share one of its domains; ``wide[d]`` is the
    chance that department ``d`` also considers an entity outside them (市场监管局 registers every
    market entity, 消防 keeps its 九小场所 list of every small shop, 城管局 its 门前三包 list of
    street-front shops …). Considered entities are then listed with the department's coverage
    (live) or stale rate (cancelled/revoked), exactly as in the default plan.
    """

    name: str
    departments: tuple[str, ...]
    wide: tuple[tuple[str, float], ...] = ()
    description: str = ""
    real_noise: bool = False
    """The departments' lists as published (:func:`real_spec`), with the noise of real lists."""
    streams: str = ""
    """The plan whose random streams the rows are drawn from ('' = this plan's own): the ``real``
    plan draws the ``city`` plan's rows and adds its noise on top, so the two compare row for row."""

    @property
    def specs(self) -> tuple[ListSpec, ...]:
        specs = tuple(SPEC_BY_DEPT[d] for d in self.departments)
        return tuple(real_spec(s) for s in specs) if self.real_noise else specs


PLANS: dict[str, ListPlan] = {
    plan.name: plan
    for plan in (
        ListPlan(
            "city",
            tuple(s.department for s in SPECS),
            description="every supervising department's list (17), ~2.4 rows per entity",
        ),
        ListPlan(
            "bench8",
            ("scjg", "sthj", "yjgl", "wjw", "rsj", "zjj", "xf", "cgj"),
            wide=(
                ("scjg", 0.75),  # the registration authority: nearly every market entity
                ("xf", 0.4),  # 九小场所: every small shop, workshop and office
                ("cgj", 0.35),  # 门前三包: street-front businesses
                ("rsj", 0.3),  # employers paying social insurance
                ("sthj", 0.12),  # 排污登记 (registration, below permit level)
                ("yjgl", 0.08),  # work-safety supervision of ordinary businesses
                ("wjw", 0.04),
                ("zjj", 0.04),
            ),
            description="eight departments, ~3 rows per entity (issue 5's linking benchmark)",
        ),
        ListPlan(
            "real",
            tuple(s.department for s in SPECS),
            description="the city plan's lists as departments publish them: title rows, their own "
            "column names, former names, homophones, OCR-misread codes, moved regions, cut addresses",
            real_noise=True,
            streams="city",
        ),
    )
}
DEFAULT_PLAN = "city"


_DEPTS_BY_DOMAIN: dict[str, tuple[str, ...]] = {}
for _dept, _domains in DEPT_DOMAINS.items():
    for _domain in _domains:
        _DEPTS_BY_DOMAIN[_domain] = (*_DEPTS_BY_DOMAIN.get(_domain, ()), _dept)

_SPEC_BIT = {spec.department: i for i, spec in enumerate(SPECS)}

ROW_BLOCK = 20_000
"""Record-ID block per chunk (a chunk yields at most ~10,300 rows for one department): row ``j``
(1-based) of chunk ``k`` gets sequence number ``k * ROW_BLOCK + j``."""


def _date_template(strftime: str) -> str:
    """A ``str.format`` template (year, month, day) for the few ``strftime`` formats lists use."""
    out = strftime
    for code, field in (("%Y", "{0}"), ("%-m", "{1}"), ("%m", "{1:02d}"), ("%-d", "{2}"), ("%d", "{2:02d}")):
        out = out.replace(code, field)
    assert "%" not in out, strftime
    return out


class ChunkEntities:
    """The entities of one chunk as columns (attribute → list), computed once and shared by every
    department's list."""

    def __init__(self, entities: list[GenEntity]) -> None:
        self.entities = entities
        self._columns: dict[str, list[Any]] = {}
        self._arrays: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.entities)

    def column(self, name: str) -> list[Any]:
        col = self._columns.get(name)
        if col is None:
            col = self._columns[name] = self._compute(name)
        return col

    def array(self, name: str) -> np.ndarray:
        """A numeric column as a numpy array."""
        arr = self._arrays.get(name)
        if arr is None:
            arr = self._arrays[name] = np.asarray(self.column(name), dtype=np.int64)
        return arr

    def _compute(self, name: str) -> list[Any]:
        es = self.entities
        if name in GenEntity._fields:
            i = GenEntity._fields.index(name)
            return [e[i] for e in es]
        if name == "year":
            return [e.registered_on.year for e in es]
        if name == "ymd":
            return [(e.registered_on.year, e.registered_on.month, e.registered_on.day) for e in es]
        if name == "live":
            return [e.status in LIVE for e in es]
        if name == "depts":  # bit i set: the entity shares a domain with SPECS[i]'s department
            masks: dict[tuple[str, ...], int] = {}
            out = []
            for e in es:
                bits = masks.get(e.domains)
                if bits is None:
                    bits = masks[e.domains] = sum(
                        1 << _SPEC_BIT[d]
                        for d in {d for dom in e.domains for d in _DEPTS_BY_DOMAIN.get(dom, ())}
                    )
                out.append(bits)
            return out
        if name == "status_zh":
            return [STATUS_ZH[e.status] for e in es]
        if name == "industry_scjg":
            return [
                f"{INDUSTRY_NAMES[e.industry][0]}{e.industry} {INDUSTRY_NAMES[e.industry][1]}" for e in es
            ]
        if name == "industry_label":
            return [INDUSTRY_NAMES[e.industry][1] for e in es]
        if name == "county_name":
            return [COUNTY_BY_CODE[e.county].name for e in es]
        if name == "type_zh":
            return [_TYPE_ZH[e.entity_type] for e in es]
        if name == "orgcode_text":
            return [f"{e.orgcode[:8]}-{e.orgcode[8]}" if e.orgcode else "" for e in es]
        if name == "form_variant":
            return [mess.form_variant(e.name) for e in es]
        if name == "bracketed":
            return ["（" in e.name or "(" in e.name for e in es]
        if name == "individual":
            return [e.entity_type == "individual" for e in es]
        raise KeyError(name)


class Rows:
    """The rows of one department's list in one chunk: positions of their entities in the chunk
    (in file order), and entity columns taken in that order."""

    def __init__(self, chunk: ChunkEntities, positions: list[int]) -> None:
        self.chunk = chunk
        self.positions = positions
        self.n = len(positions)
        self._taken: dict[str, list[Any]] = {}

    def get(self, name: str) -> list[Any]:
        col = self._taken.get(name)
        if col is None:
            source = self.chunk.column(name)
            if self.n > 1:
                col = list(operator.itemgetter(*self.positions)(source))
            else:
                col = [source[i] for i in self.positions]
            self._taken[name] = col
        return col


@dataclass
class DeptRows:
    """One department's rows of one chunk, column by column, in file order."""

    spec: ListSpec
    rows: Rows
    values: dict[str, list[str]]  # field → column ("row_id" included)
    mess: list[list[str]]  # kinds per row, in the order they were applied

    def csv_columns(self) -> list[list[str]]:
        return [self.values[f] for _, f in self.spec.columns]


@dataclass
class PendingRow:
    """One list row, for tests and inspection (the renderer works on :class:`DeptRows`)."""

    entity: GenEntity
    values: dict[str, str]
    mess: list[str]


# Uniform draws per row (columns of one matrix per department and chunk).
_U_ID_A, _U_ID_B, _U_ID_C = 0, 1, 2
_U_FORM, _U_BRACKETS, _U_REGION, _U_TRADE, _U_SUFFIX, _U_TRAD, _U_SPACES = 3, 4, 5, 6, 7, 8, 9
_U_COUNTY, _U_TOWNSHIP, _U_NUMBER, _U_PROVINCE = 10, 11, 12, 13
_U_REP, _U_PHONE, _U_STYLE, _U_STYLE_ALT = 14, 15, 16, 17
_N_UNIFORMS = 18
_ALT_STYLES = ("plain", "dashed", "spaced")


def _flagged(mask: np.ndarray) -> list[int]:
    return np.flatnonzero(mask).tolist()


def _identifiers(
    spec: ListSpec, rows: Rows, u: np.ndarray, m: float, kinds: list[list[str]], py: random.Random
) -> list[str]:
    """The identifier column (USCC, or the organisation code for 公安局) with its mess."""
    n = rows.n
    if spec.id_kind == "orgcode":
        codes = rows.get("orgcode_text")
        missing = (u[:, _U_ID_C] < 0.08 * m) | np.array([not c for c in codes], dtype=bool)
        out = list(codes)
        for i in range(n):
            kinds[i].append("orgcode_instead")
        for i in _flagged(missing):
            kinds[i].append("uscc_missing")
            out[i] = ""
        return out
    usccs = rows.get("uscc")
    regnos = rows.get("registration_no")
    has = np.array([c is not None for c in usccs], dtype=bool)
    has_regno = np.array([bool(r) for r in regnos], dtype=bool)
    a, b = u[:, _U_ID_A], u[:, _U_ID_B]
    missing = has & (a < 0.06 * m)
    regno = has & ~missing & has_regno & (a < 0.31 * m)
    clean = has & ~missing & ~regno
    out = [c or "" for c in usccs]
    kind_of: list[tuple[str, np.ndarray]] = [
        ("no_uscc", ~has),
        ("uscc_missing", missing),
        ("regno_instead", regno),
        ("typo", clean & (b < 0.015 * m)),
        ("transpose", clean & (b >= 0.015 * m) & (b < 0.025 * m)),
        ("format", clean & (b >= 0.025 * m) & (b < 0.04 * m)),
    ]
    flagged = np.zeros(n, dtype=bool)
    for _, mask in kind_of:
        flagged |= mask
    which = {name: mask for name, mask in kind_of}
    c = u[:, _U_ID_C]
    for i in _flagged(flagged):
        code = out[i]
        if which["no_uscc"][i]:
            kinds[i].append("no_uscc")
            out[i] = regnos[i] if c[i] < 0.7 else ""
        elif which["uscc_missing"][i]:
            kinds[i].append("uscc_missing")
            out[i] = ""
        elif which["regno_instead"][i]:
            kinds[i].append("regno_instead")
            out[i] = regnos[i]
        elif which["typo"][i]:
            kinds[i].append("uscc_typo")
            out[i] = mess.uscc_typo(py, code)
        else:
            swapped = mess.uscc_transpose(py, code) if which["transpose"][i] else None
            if swapped:
                kinds[i].append("uscc_transposed")
                out[i] = swapped
            else:  # nothing to swap: written sloppily instead
                kinds[i].append("uscc_format")
                out[i] = mess.uscc_format(py, code)
    return out


_Step = tuple[str, np.ndarray, Callable[[str, int], "str | None"]]


def _apply_steps(values: list[str], steps: list[_Step], kinds: list[list[str]]) -> list[str]:
    """Apply each step (kind of mess, rows drawn for it, change) in order to the rows drawn for any
    of them; a change that does not apply (returns ``None``) records nothing."""
    out = list(values)
    drawn = np.zeros(len(values), dtype=bool)
    for _, flag, _ in steps:
        drawn |= flag
    flags = [(kind, flag.tolist(), change) for kind, flag, change in steps]
    for i in _flagged(drawn):
        value = out[i]
        for kind, flag, change in flags:
            if flag[i]:
                changed = change(value, i)
                if changed:
                    value = changed
                    kinds[i].append(kind)
        out[i] = value
    return out


def _names(rows: Rows, u: np.ndarray, m: float, kinds: list[list[str]], py: random.Random) -> list[str]:
    """The name column with its mess; only the rows drawn for some kind of mess are touched."""
    form_v = rows.get("form_variant")
    regions = rows.get("name_region")
    trades = rows.get("trade_name")
    counties = rows.get("county")
    x = u[:, _U_REGION]
    drop = x < 0.08 * m
    steps: list[_Step] = [
        ("name_form_variant", u[:, _U_FORM] < 0.15 * m, lambda name, i: form_v[i]),
        (
            "name_brackets",
            np.array(rows.get("bracketed"), dtype=bool) & (u[:, _U_BRACKETS] < 0.5),
            lambda name, i: mess.brackets(name),
        ),
        ("name_region_dropped", drop, lambda name, i: mess.region_dropped(name, regions[i])),
        (
            "name_region_added",
            ~drop & (x < 0.12 * m),
            lambda name, i: mess.region_added(name, regions[i], counties[i]),
        ),
        ("name_trade_typo", u[:, _U_TRADE] < 0.02 * m, lambda name, i: mess.trade_typo(py, name, trades[i])),
        (
            "name_suffix",
            np.array(rows.get("individual"), dtype=bool) & (u[:, _U_SUFFIX] < 0.01 * m),
            lambda name, i: name + "（个体工商户）",
        ),
        ("name_traditional", u[:, _U_TRAD] < 0.01 * m, lambda name, i: mess.traditional(name)),
        ("name_spaces", u[:, _U_SPACES] < 0.03 * m, lambda name, i: mess.spaces(py, name)),
    ]
    return _apply_steps(rows.get("name"), steps, kinds)


def _addresses(rows: Rows, u: np.ndarray, m: float, kinds: list[list[str]], py: random.Random) -> list[str]:
    """The address column with its mess."""
    counties = rows.get("county")
    townships = rows.get("township_name")
    numbers = rows.get("number")
    x = u[:, _U_NUMBER]
    chinese = x < 0.04 * m
    steps: list[_Step] = [
        (
            "address_county_abbrev",
            u[:, _U_COUNTY] < 0.12 * m,
            lambda address, i: mess.address_county_abbrev(address, counties[i]),
        ),
        (
            "address_no_township",
            u[:, _U_TOWNSHIP] < 0.1 * m,
            lambda address, i: mess.address_no_township(address, townships[i]),
        ),
        (
            "address_number_chinese",
            chinese,
            lambda address, i: mess.address_number_chinese(address, numbers[i]),
        ),
        (
            "address_number_format",
            ~chinese & (x < 0.07 * m),
            lambda address, i: mess.address_number_format(py, address, numbers[i]),
        ),
        (
            "address_province_added",
            u[:, _U_PROVINCE] < 0.04 * m,
            lambda address, i: None if address.startswith("江苏") else mess.address_province_added(address),
        ),
    ]
    return _apply_steps(rows.get("address"), steps, kinds)


def _blanked(values: list[str], mask: np.ndarray, kind: str, kinds: list[list[str]]) -> list[str]:
    out = list(values)
    for i in _flagged(mask):
        out[i] = ""
        kinds[i].append(kind)
    return out


def _phones(spec: ListSpec, rows: Rows, u: np.ndarray, m: float, kinds: list[list[str]]) -> list[str]:
    """The phone column: the department's style (85%) or another one, sometimes left empty."""
    phones = rows.get("phone")
    alt = (u[:, _U_STYLE_ALT] * len(_ALT_STYLES)).astype(np.int64)
    style_of = np.where(u[:, _U_STYLE] < 0.85, -1, alt)
    out = [""] * rows.n
    for code in np.unique(style_of).tolist():
        style = spec.phone_style if code < 0 else _ALT_STYLES[code]
        idx = _flagged(style_of == code)
        for i, text in zip(idx, mess.phones_format([phones[i] for i in idx], style), strict=True):
            out[i] = text
    return _blanked(out, u[:, _U_PHONE] < 0.08 * m, "phone_missing", kinds)


def _select(
    spec: ListSpec, chunk: ChunkEntities, wide: float, rng: np.random.Generator
) -> tuple[list[int], np.ndarray]:
    """Which entities of the chunk the department lists (positions, in file order) and which rows
    are duplicates."""
    s = len(chunk)
    u = rng.random((s, 2))
    considered = (chunk.array("depts") >> _SPEC_BIT[spec.department]) & 1 == 1
    if wide:
        considered |= u[:, 0] < wide
    live = chunk.array("live").astype(bool)
    listed = considered & (u[:, 1] < np.where(live, spec.coverage, spec.stale))
    first = np.flatnonzero(listed)
    again = first[rng.random(len(first)) < 0.012 * spec.messiness]
    positions = np.concatenate([first, again])
    duplicate = np.concatenate([np.zeros(len(first), dtype=bool), np.ones(len(again), dtype=bool)])
    # Lists are not in registration order: shuffle within the chunk; duplicates drift apart.
    order = rng.permutation(len(positions))
    return positions[order].tolist(), duplicate[order]


_FIELD_COLUMN = {
    "status": "status_zh",
    "county": "county_name",
    "township": "township_name",
    "entity_type": "type_zh",
}


def dept_rows(seed: int, k: int, chunk: ChunkEntities, spec: ListSpec, plan: ListPlan) -> DeptRows:
    """Department ``spec``'s rows from chunk ``k``: drawn column by column from the department's
    own numpy generator (``crossreg-synth:<seed>:lists:[<plan>:]<dept>:<k>``); the string mess is
    applied, in Python, only to the rows drawn for it."""
    stream = plan.streams or plan.name
    tag = "" if stream == DEFAULT_PLAN else f"{stream}:"
    rng = _np_rng("crossreg-synth", seed, "lists", f"{tag}{spec.department}", k)
    positions, duplicate = _select(spec, chunk, dict(plan.wide).get(spec.department, 0.0), rng)
    rows = Rows(chunk, positions)
    n = rows.n
    m = spec.messiness
    u = rng.random((n, _N_UNIFORMS))
    py = random.Random(int(rng.integers(2**62)))  # the few string-level choices of messy rows
    kinds: list[list[str]] = [[] for _ in range(n)]
    for i in _flagged(duplicate):
        kinds[i].append("duplicate")
    for i, live in enumerate(rows.get("live")):
        if not live:
            kinds[i].append("stale")
    if spec.foreign_ids:
        for k_ in kinds:
            k_.append("foreign_id_format")
    values: dict[str, list[str]] = {
        "row_id": spec.row_id(list(range(k * ROW_BLOCK + 1, k * ROW_BLOCK + n + 1)), rows)
    }
    for _, f in spec.columns:
        if f == "row_id":
            continue
        if f == "uscc":
            values[f] = _identifiers(spec, rows, u, m, kinds, py)
        elif f == "name":
            values[f] = _names(rows, u, m, kinds, py)
        elif f == "address":
            values[f] = _addresses(rows, u, m, kinds, py)
        elif f == "legal_rep":
            values[f] = _blanked(rows.get("legal_rep"), u[:, _U_REP] < 0.05 * m, "legal_rep_missing", kinds)
        elif f == "phone":
            values[f] = _phones(spec, rows, u, m, kinds)
        elif f == "registered_on":
            template = _date_template(spec.date_format)
            values[f] = [template.format(*ymd) for ymd in rows.get("ymd")]
        elif f == "industry":
            values[f] = rows.get("industry_scjg" if spec.department == "scjg" else "industry_label")
        elif f == "licence":
            values[f] = spec.licence(rng, rows) if spec.licence else [""] * n
        else:
            values[f] = rows.get(_FIELD_COLUMN[f])
    if spec.real_noise:
        _real_noise(seed, k, spec, rows, values, kinds)
    return DeptRows(spec, rows, values, kinds)


RENAMED_SHARE = 0.04
"""Share of entities renamed since some department listed them (they have a former name)."""


def former_trade(e: GenEntity) -> str | None:
    """The entity's former trade name, if it was renamed (the same for every department: drawn
    from the entity's id and name)."""
    digest = hashlib.blake2b(f"former:{e.id}:{e.name}".encode(), digest_size=8).digest()
    x = int.from_bytes(digest, "big")
    if (x % 10_000) / 10_000 >= RENAMED_SHARE or len(e.trade_name) < 2 or e.trade_name not in e.name:
        return None
    lucky = _LUCKY_CHARS
    new = lucky[(x >> 16) % len(lucky)] + lucky[(x >> 32) % len(lucky)]
    if new == e.trade_name or new in e.name or new[0] == new[1]:
        return None
    return new


def former_name(e: GenEntity) -> str | None:
    """The entity's former name, if it was renamed: its name with its former trade name."""
    old = former_trade(e)
    return e.name.replace(e.trade_name, old, 1) if old else None


def _real_noise(
    seed: int, k: int, spec: ListSpec, rows: Rows, values: dict[str, list[str]], kinds: list[list[str]]
) -> None:
    """The noise of real published lists (:data:`mess.REAL_MESS_KINDS`) on top of the rows, from
    the department's own generator (``crossreg-synth:<seed>:lists-real:<dept>:<k>``), so that the
    rows otherwise stay those of the plan it draws from."""
    rng = _np_rng("crossreg-synth", seed, "lists-real", spec.department, k)
    n, m = rows.n, spec.messiness
    u = rng.random((n, 10))
    py = random.Random(int(rng.integers(2**62)))
    entities = [rows.chunk.entities[p] for p in rows.positions]
    file_kinds = (["title_rows"] if spec.title_rows else []) + (
        ["department_headers"] if spec.own_headers else []
    )
    for kinds_i in kinds:
        kinds_i.extend(file_kinds)
    if "name" in values:
        names = values["name"]
        for i, e in enumerate(entities):
            name = names[i]
            old = former_trade(e)
            if old is not None and u[i, 0] < 0.35:
                name = f"{name}（原名{e.name.replace(e.trade_name, old, 1)}）"
                kinds[i].append("name_former_note")
            elif old is not None and u[i, 0] < 0.6 and e.trade_name in name:
                name = name.replace(e.trade_name, old, 1)  # the old name, with the list's other noise
                kinds[i].append("name_former")
            if u[i, 1] < 0.02 * m:
                changed = mess.name_homophone(py, name, e.trade_name)
                if changed:
                    name = changed
                    kinds[i].append("name_homophone")
            if u[i, 2] < 0.04 * m:
                changed = mess.region_moved(name, e.name_region)
                if changed:
                    name = changed
                    kinds[i].append("name_region_moved")
            if u[i, 3] < 0.01 * m:
                changed = mess.traditional_full(name)
                if changed:
                    name = changed
                    kinds[i].append("name_traditional_full")
            names[i] = name
    if "uscc" in values and spec.id_kind == "uscc":
        codes = values["uscc"]
        for i, e in enumerate(entities):
            if e.uscc and codes[i] == e.uscc and u[i, 4] < 0.02 * m:
                changed = mess.uscc_ocr(py, codes[i])
                if changed:
                    codes[i] = changed
                    kinds[i].append("uscc_ocr")
    if "address" in values:
        addresses = values["address"]
        for i, e in enumerate(entities):
            if addresses[i] and u[i, 5] < 0.08 * m:
                changed = mess.address_abbrev(addresses[i], e.road)
                if changed:
                    addresses[i] = changed
                    kinds[i].append("address_abbrev")
            if addresses[i] and u[i, 6] < 0.01 * m:
                changed = mess.traditional_full(addresses[i])
                if changed:
                    addresses[i] = changed
                    kinds[i].append("address_traditional")
    if "legal_rep" in values:
        reps = values["legal_rep"]
        for i in range(n):
            if not reps[i]:
                continue
            if u[i, 7] < 0.03 * m:
                other = person_name(py)
                if other != reps[i]:
                    reps[i] = other
                    kinds[i].append("legal_rep_changed")
            elif u[i, 8] < 0.02 * m:
                changed = mess.homophone(py, reps[i][1:])
                if changed:
                    reps[i] = reps[i][0] + changed
                    kinds[i].append("legal_rep_homophone")


def lists_for_chunk(
    seed: int, k: int, chunk: ChunkEntities, plan: ListPlan | str = DEFAULT_PLAN
) -> list[DeptRows]:
    """Every list of the plan's departments, the rows chunk ``k`` of the city gives them."""
    if isinstance(plan, str):
        plan = PLANS[plan]
    return [dept_rows(seed, k, chunk, spec, plan) for spec in plan.specs]


def list_rows_for_chunk(
    seed: int, k: int, entities: list[GenEntity], plan: ListPlan | str = DEFAULT_PLAN
) -> dict[str, list[PendingRow]]:
    """The rows each department's list gets from chunk ``k`` of the city, in file order, row by
    row (for tests and inspection; rendering uses :func:`lists_for_chunk`)."""
    out: dict[str, list[PendingRow]] = {}
    for d in lists_for_chunk(seed, k, ChunkEntities(entities), plan):
        fields = list(d.values)
        out[d.spec.department] = [
            PendingRow(entities[pos], dict(zip(fields, vals, strict=True)), kinds)
            for pos, kinds, *vals in zip(d.rows.positions, d.mess, *d.values.values(), strict=True)
        ]
    return out


def csv_header(spec: ListSpec) -> list[str]:
    return [header for header, _ in spec.columns]


def file_head(spec: ListSpec) -> list[list[str]]:
    """The rows a list file starts with: its title rows, if any, then the header."""
    return [list(row) for row in spec.title_rows] + [csv_header(spec)]
