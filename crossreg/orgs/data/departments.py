"""Departments of the city, their roles and domains, and their enforcement teams.

The supervising departments are those named in 盐政办发〔2021〕94号 and in REQUIREMENTS "Who uses
it" (市场监管局, 生态环境局, 交通运输局 …). The approval bureau (行政审批局), the justice bureau
(司法局), the big-data bureau (大数据管理局) and the city government (leadership) have their own
roles. Every county-level unit (and both functional zones) has its own approval bureau, which
applies for catalog adjustments (REQUIREMENTS M1), and its own government, to which the township
comprehensive enforcement teams belong (M9: 乡镇街道实行"一支队伍管执法").

``officers`` is the number of certified enforcement officers the synthetic city gives a department
(roughly proportionate to real staffing; about 2,400 officers in all, with the township teams).
"""

from __future__ import annotations

from typing import NamedTuple

from crossreg.orgs.data.divisions import COUNTIES


class DepartmentRow(NamedTuple):
    code: str
    name: str
    short_name: str
    role: str  # orgs.Department.Role value
    domains: tuple[str, ...]
    officers: int = 0
    team: str = ""  # name of the department's city-level enforcement team, if any
    comprehensive: bool = False  # one of the ~7 comprehensive enforcement teams (M9)


SUPERVISING: tuple[DepartmentRow, ...] = (
    DepartmentRow(
        "scjg",
        "盐城市市场监督管理局",
        "市场监管局",
        "supervising",
        ("food", "drugs", "special_equipment", "product_quality"),
        420,
        "盐城市市场监管综合行政执法支队",
        True,
    ),
    DepartmentRow(
        "sthj",
        "盐城市生态环境局",
        "生态环境局",
        "supervising",
        ("environment",),
        160,
        "盐城市生态环境保护综合行政执法支队",
        True,
    ),
    DepartmentRow(
        "jtys",
        "盐城市交通运输局",
        "交通运输局",
        "supervising",
        ("transport",),
        150,
        "盐城市交通运输综合行政执法支队",
        True,
    ),
    DepartmentRow(
        "nyny",
        "盐城市农业农村局",
        "农业农村局",
        "supervising",
        ("agriculture",),
        140,
        "盐城市农业综合行政执法支队",
        True,
    ),
    DepartmentRow(
        "yjgl",
        "盐城市应急管理局",
        "应急管理局",
        "supervising",
        ("work_safety", "hazchem", "fireworks"),
        120,
        "盐城市应急管理综合行政执法支队",
        True,
    ),
    DepartmentRow(
        "wjw",
        "盐城市卫生健康委员会",
        "卫健委",
        "supervising",
        ("medical", "public_health"),
        120,
        "盐城市卫生健康监督所",
    ),
    DepartmentRow(
        "jyj", "盐城市教育局", "教育局", "supervising", ("education",), 40, "盐城市教育督导执法大队"
    ),
    DepartmentRow(
        "rsj",
        "盐城市人力资源和社会保障局",
        "人社局",
        "supervising",
        ("labour",),
        60,
        "盐城市劳动保障监察支队",
    ),
    DepartmentRow(
        "ybj",
        "盐城市医疗保障局",
        "医保局",
        "supervising",
        ("medical_insurance",),
        40,
        "盐城市医疗保障基金监管中心",
    ),
    DepartmentRow(
        "jrjg",
        "盐城市地方金融监督管理局",
        "金融监管局",
        "supervising",
        ("finance",),
        20,
        "盐城市地方金融监管执法大队",
    ),
    DepartmentRow(
        "fgw",
        "盐城市发展和改革委员会",
        "发改委",
        "supervising",
        ("energy", "grain"),
        30,
        "盐城市节能监察和粮食执法大队",
    ),
    DepartmentRow(
        "zjj",
        "盐城市住房和城乡建设局",
        "住建局",
        "supervising",
        ("construction", "gas"),
        90,
        "盐城市建设工程监察支队",
    ),
    DepartmentRow(
        "xf",
        "盐城市消防救援支队",
        "消防救援支队",
        "supervising",
        ("fire_safety",),
        150,
        "盐城市消防救援支队防火监督处",
    ),
    DepartmentRow(
        "gaj",
        "盐城市公安局",
        "公安局",
        "supervising",
        ("public_security", "fireworks"),
        120,
        "盐城市公安局治安警察支队",
    ),
    DepartmentRow(
        "swj", "盐城市商务局", "商务局", "supervising", ("commerce",), 30, "盐城市商务综合执法大队"
    ),
    DepartmentRow(
        "wgl",
        "盐城市文化广电和旅游局",
        "文广旅局",
        "supervising",
        ("culture", "tourism"),
        60,
        "盐城市文化市场综合行政执法支队",
        True,
    ),
    DepartmentRow(
        "cgj",
        "盐城市城市管理局",
        "城管局",
        "supervising",
        ("city_management",),
        150,
        "盐城市城市管理综合行政执法支队",
        True,
    ),
)

CITY_OTHERS: tuple[DepartmentRow, ...] = (
    DepartmentRow("spj", "盐城市行政审批局", "行政审批局", "approval", ()),
    DepartmentRow("sfj", "盐城市司法局", "司法局", "justice", ()),
    DepartmentRow("dsj", "盐城市大数据管理局", "大数据管理局", "bigdata", ()),
    DepartmentRow("szf", "盐城市人民政府", "市政府", "leadership", ()),
)

TOWNSHIP_OFFICERS = 4
"""Certified officers per township comprehensive enforcement team (plus assistants, not modelled)."""
TOWNSHIP_TEAM_DOMAINS = (
    "food",
    "work_safety",
    "environment",
    "city_management",
    "agriculture",
    "fire_safety",
    "culture",
)
"""What a township team (一支队伍管执法) enforces on behalf of the county departments."""


class CountyDepartmentRow(NamedTuple):
    code: str
    name: str
    short_name: str
    role: str
    division: str
    parent: str


def county_departments() -> tuple[CountyDepartmentRow, ...]:
    """Each county-level unit's approval bureau and government (管委会 for the two zones)."""
    rows: list[CountyDepartmentRow] = []
    for c in COUNTIES:
        rows.append(
            CountyDepartmentRow(
                f"spj-{c.code}", f"{c.name}行政审批局", "行政审批局", "approval", c.code, "spj"
            )
        )
        gov = f"{c.name}管委会" if c.level == "zone" else f"{c.name}人民政府"
        rows.append(
            CountyDepartmentRow(
                f"gov-{c.code}",
                gov,
                "管委会" if c.level == "zone" else "区县政府",
                "leadership",
                c.code,
                "szf",
            )
        )
    return tuple(rows)
