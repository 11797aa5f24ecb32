"""Each supervising department's own list of the entities it supervises (部门监管对象名录).

A department lists an entity when the entity belongs to one of the department's domains
(a restaurant is on the lists of 市场监管局 for food, 消防 for fire safety, 城管局 for cooking
fumes …), with the department's own columns, record-ID format, date and phone styles, encoding,
and its own degree of messiness. The ground truth ((department, record ID) → entity) is written
apart, in ``_truth/truth.csv``.

Determinism: the rows of chunk ``k`` for department ``d`` come from their own
``random.Random((seed, "lists", d, k))``; record IDs are numbered in file order.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from crossreg.orgs.data.departments import SUPERVISING
from crossreg.orgs.data.divisions import COUNTY_BY_CODE
from crossreg.synth import mess
from crossreg.synth.generate import GenEntity
from crossreg.synth.pools import INDUSTRY_NAMES, STATUS_ZH

LIVE = frozenset({"active", "operating", "moved_out"})


@dataclass(frozen=True)
class ListSpec:
    """How one department keeps its list."""

    department: str
    filename: str
    encoding: str
    columns: tuple[tuple[str, str], ...]  # (header, field)
    row_id: Callable[[int, GenEntity], str]
    messiness: float = 1.0
    coverage: float = 0.92  # share of its live supervised entities a department actually lists
    stale: float = 0.2  # share of its cancelled/revoked entities still on the list
    date_format: str = "%Y-%m-%d"
    phone_style: str = "plain"
    id_kind: str = "uscc"  # "uscc" or "orgcode"
    foreign_ids: bool = False  # record IDs in another department's format
    licence: Callable[[random.Random, GenEntity], str] | None = None


def _seqid(prefix: str, width: int) -> Callable[[int, GenEntity], str]:
    def make(seq: int, _e: GenEntity) -> str:
        return f"{prefix}{seq:0{width}d}"

    return make


def _ybj_id(seq: int, e: GenEntity) -> str:
    letter = "H" if e.kind in ("i_clinic", "e_medical", "o_hospital") else "P"
    return f"{letter}{e.county}{seq:07d}"


def _lic_food(rng: random.Random, e: GenEntity) -> str:
    if "food" not in e.domains:
        return ""
    kind = "2" if e.industry in ("62", "61") else "1"
    return f"JY{kind}{e.county}{rng.randrange(10**7):07d}"


def _lic_pollution(rng: random.Random, e: GenEntity) -> str:
    if not e.uscc or rng.random() < 0.3:
        return ""
    return f"{e.uscc}{rng.randint(1, 3):03d}{rng.choice('VPUQWXYZ')}"


def _lic_transport(rng: random.Random, e: GenEntity) -> str:
    return f"苏交运管许可盐字{e.county}{rng.randrange(10**6):06d}号"


def _lic_hazchem(rng: random.Random, e: GenEntity) -> str:
    if "hazchem" not in e.domains and "fireworks" not in e.domains:
        return ""
    kind = "烟花零" if "fireworks" in e.domains else "危化经"
    return f"苏盐{kind}字〔{e.registered_on.year + rng.randint(0, 3)}〕{rng.randrange(10**4):04d}"


def _lic_education(rng: random.Random, e: GenEntity) -> str:
    return f"教民1{e.county}{rng.randrange(10**8):08d}号"


def _lic_construction(rng: random.Random, e: GenEntity) -> str:
    if "construction" not in e.domains or e.entity_type != "enterprise":
        return ""
    return f"D{rng.choice('23')}32{rng.randrange(10**6):06d}"


def _lic_health(rng: random.Random, e: GenEntity) -> str:
    return f"盐卫公字〔{max(e.registered_on.year, 2010)}〕第{rng.randrange(10**4):04d}号"


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


@dataclass
class PendingRow:
    """A list row before its record ID is assigned (IDs are numbered in file order)."""

    entity: GenEntity
    values: dict[str, str]
    mess: list[str]


def _identifier(rng: random.Random, e: GenEntity, spec: ListSpec, m: float, kinds: list[str]) -> str:
    if spec.id_kind == "orgcode":
        kinds.append("orgcode_instead")
        if not e.orgcode or rng.random() < 0.08 * m:
            kinds.append("uscc_missing")
            return ""
        return f"{e.orgcode[:8]}-{e.orgcode[8]}"
    if not e.uscc:
        kinds.append("no_uscc")
        return e.registration_no if rng.random() < 0.7 else ""
    r = rng.random()
    if r < 0.06 * m:
        kinds.append("uscc_missing")
        return ""
    if e.registration_no and r < 0.06 * m + 0.25 * m:
        kinds.append("regno_instead")
        return e.registration_no
    code = e.uscc
    r = rng.random()
    if r < 0.015 * m:
        kinds.append("uscc_typo")
        return mess.uscc_typo(rng, code)
    if r < 0.025 * m:
        swapped = mess.uscc_transpose(rng, code)
        if swapped:
            kinds.append("uscc_transposed")
            return swapped
    if r < 0.04 * m:
        kinds.append("uscc_format")
        return mess.uscc_format(rng, code)
    return code


def _took(kinds: list[str], kind: str, value: str) -> str:
    kinds.append(kind)
    return value


def _name(rng: random.Random, e: GenEntity, m: float, kinds: list[str]) -> str:
    name = e.name
    r = rng.random
    if r() < 0.15 * m:
        v = mess.form_variant(name)
        if v:
            name = _took(kinds, "name_form_variant", v)
    if r() < 0.5:
        v = mess.brackets(name)
        if v:
            name = _took(kinds, "name_brackets", v)
    x = r()
    if x < 0.08 * m:
        v = mess.region_dropped(name, e.name_region)
        if v:
            name = _took(kinds, "name_region_dropped", v)
    elif x < 0.12 * m:
        v = mess.region_added(name, e.name_region, e.county)
        if v:
            name = _took(kinds, "name_region_added", v)
    if r() < 0.02 * m:
        v = mess.trade_typo(rng, name, e.trade_name)
        if v:
            name = _took(kinds, "name_trade_typo", v)
    if e.entity_type == "individual" and r() < 0.01 * m:
        name += "（个体工商户）"
        kinds.append("name_suffix")
    if r() < 0.01 * m:
        v = mess.traditional(name)
        if v:
            name = _took(kinds, "name_traditional", v)
    if r() < 0.03 * m:
        name = mess.spaces(rng, name)
        kinds.append("name_spaces")
    return name


def _address(rng: random.Random, e: GenEntity, m: float, kinds: list[str]) -> str:
    address = e.address
    r = rng.random
    if r() < 0.12 * m:
        v = mess.address_county_abbrev(address, e.county)
        if v:
            address = _took(kinds, "address_county_abbrev", v)
    if r() < 0.1 * m:
        v = mess.address_no_township(address, e.township_name)
        if v:
            address = _took(kinds, "address_no_township", v)
    x = r()
    if x < 0.04 * m:
        v = mess.address_number_chinese(address, e.number)
        if v:
            address = _took(kinds, "address_number_chinese", v)
    elif x < 0.07 * m:
        v = mess.address_number_format(rng, address, e.number)
        if v:
            address = _took(kinds, "address_number_format", v)
    if r() < 0.04 * m and not address.startswith("江苏"):
        address = mess.address_province_added(address)
        kinds.append("address_province_added")
    return address


def _row(rng: random.Random, e: GenEntity, spec: ListSpec, extra_kinds: tuple[str, ...] = ()) -> PendingRow:
    m = spec.messiness
    kinds: list[str] = list(extra_kinds)
    if e.status not in LIVE:
        kinds.append("stale")
    if spec.foreign_ids:
        kinds.append("foreign_id_format")
    values: dict[str, str] = {}
    for _, field_name in spec.columns:
        if field_name == "uscc":
            values["uscc"] = _identifier(rng, e, spec, m, kinds)
        elif field_name == "name":
            values["name"] = _name(rng, e, m, kinds)
        elif field_name == "address":
            values["address"] = _address(rng, e, m, kinds)
        elif field_name == "legal_rep":
            if rng.random() < 0.05 * m:
                values["legal_rep"] = ""
                kinds.append("legal_rep_missing")
            else:
                values["legal_rep"] = e.legal_rep
        elif field_name == "phone":
            if rng.random() < 0.08 * m:
                values["phone"] = ""
                kinds.append("phone_missing")
            else:
                style = spec.phone_style if rng.random() < 0.85 else rng.choice(("plain", "dashed", "spaced"))
                values["phone"] = mess.phone_format(rng, e.phone, style)
        elif field_name == "registered_on":
            values["registered_on"] = e.registered_on.strftime(spec.date_format)
        elif field_name == "status":
            values["status"] = STATUS_ZH[e.status]
        elif field_name == "industry":
            section, label = INDUSTRY_NAMES[e.industry]
            values["industry"] = f"{section}{e.industry} {label}" if spec.department == "scjg" else label
        elif field_name == "licence":
            values["licence"] = spec.licence(rng, e) if spec.licence else ""
        elif field_name == "county":
            values["county"] = COUNTY_BY_CODE[e.county].name
        elif field_name == "township":
            values["township"] = e.township_name
        elif field_name == "entity_type":
            values["entity_type"] = _TYPE_ZH[e.entity_type]
    return PendingRow(e, values, kinds)


_DEPTS_BY_DOMAIN: dict[str, tuple[str, ...]] = {}
for _dept, _domains in DEPT_DOMAINS.items():
    for _domain in _domains:
        _DEPTS_BY_DOMAIN[_domain] = (*_DEPTS_BY_DOMAIN.get(_domain, ()), _dept)


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

    @property
    def specs(self) -> tuple[ListSpec, ...]:
        return tuple(SPEC_BY_DEPT[d] for d in self.departments)


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
    )
}
DEFAULT_PLAN = "city"


def list_rows_for_chunk(
    seed: int, k: int, entities: list[GenEntity], plan: ListPlan | str = DEFAULT_PLAN
) -> dict[str, list[PendingRow]]:
    """The rows each department's list gets from chunk ``k`` of the city, in file order."""
    if isinstance(plan, str):
        plan = PLANS[plan]
    specs = plan.specs
    wide = dict(plan.wide)
    domain_sets: list[set[str]] = []
    for e in entities:
        depts: set[str] = set()
        for d in e.domains:
            depts.update(_DEPTS_BY_DOMAIN.get(d, ()))
        domain_sets.append(depts)
    # The default plan keeps its generator names (its city stays byte-identical); other plans
    # draw from their own.
    tag = "" if plan.name == DEFAULT_PLAN else f"{plan.name}:"
    out: dict[str, list[PendingRow]] = {}
    for spec in specs:
        dept = spec.department
        rng = random.Random(f"crossreg-synth:{seed}:lists:{tag}{dept}:{k}")
        w = wide.get(dept, 0.0)
        rows: list[PendingRow] = []
        for e, depts in zip(entities, domain_sets, strict=True):  # in entity order
            if dept not in depts and not (w and rng.random() < w):
                continue
            if rng.random() >= (spec.coverage if e.status in LIVE else spec.stale):
                continue
            rows.append(_row(rng, e, spec))
            if rng.random() < 0.012 * spec.messiness:
                rows.append(_row(rng, e, spec, ("duplicate",)))
        # Lists are not in registration order: shuffle within the chunk; duplicates drift apart.
        rng.shuffle(rows)
        out[spec.department] = rows
    return out


def csv_header(spec: ListSpec) -> list[str]:
    return [header for header, _ in spec.columns]
