"""Yancheng's divisions: the city, nine county-level units, two functional zones, and their townships.

County-level codes are GB/T 2260 (FACTS.md). The two functional zones have no GB/T 2260 code; they
carry the codes of the national statistical division list (统计用区划代码, 320971/320972) and
``gb2260=False``.

Township and street names are the real ones as far as we know them (adjustments after 2021 may be
missing). **Township codes are illustrative**: they follow the 9-digit GB/T 10114 pattern
(county code + 3 digits; streets 001–099, towns 100–199) but the exact numbers were assigned here,
in list order, and need not match the official statistical codes.

Centre coordinates (WGS-84, degrees) of the city and county-level units are rough seats of
government; township centres are derived from them by :func:`township_centre` (a deterministic
placement around the county seat), good enough for maps and synthetic coordinates, not for
navigation.
"""

from __future__ import annotations

import math
from typing import NamedTuple

CITY_CODE = "320900"
CITY_NAME = "盐城市"
CITY_CENTRE = (33.348, 120.163)


class County(NamedTuple):
    code: str
    name: str
    short: str  # the name without 区/县/市, as people abbreviate it (亭湖, 射阳 …)
    level: str  # "county" or "zone"
    gb2260: bool
    lat: float
    lng: float
    district: bool  # a 市辖区 (its names often carry the 盐城市 prefix)
    townships: tuple[str, ...]


COUNTIES: tuple[County, ...] = (
    County(
        "320902",
        "亭湖区",
        "亭湖",
        "county",
        True,
        33.390,
        120.163,
        True,
        (
            "五星街道",
            "文峰街道",
            "先锋街道",
            "毓龙街道",
            "大洋街道",
            "南洋镇",
            "新兴镇",
            "便仓镇",
            "盐东镇",
            "黄尖镇",
        ),
    ),
    County(
        "320903",
        "盐都区",
        "盐都",
        "county",
        True,
        33.338,
        120.090,
        True,
        (
            "潘黄街道",
            "盐龙街道",
            "张庄街道",
            "大冈镇",
            "大纵湖镇",
            "楼王镇",
            "学富镇",
            "尚庄镇",
            "秦南镇",
            "龙冈镇",
            "郭猛镇",
            "义丰镇",
        ),
    ),
    County(
        "320904",
        "大丰区",
        "大丰",
        "county",
        True,
        33.200,
        120.466,
        True,
        (
            "大中街道",
            "丰华街道",
            "新丰镇",
            "草堰镇",
            "白驹镇",
            "刘庄镇",
            "西团镇",
            "小海镇",
            "大桥镇",
            "草庙镇",
            "万盈镇",
            "南阳镇",
            "三龙镇",
        ),
    ),
    County(
        "320921",
        "响水县",
        "响水",
        "county",
        True,
        34.199,
        119.578,
        False,
        ("响水镇", "陈家港镇", "小尖镇", "黄圩镇", "大有镇", "双港镇", "南河镇", "运河镇"),
    ),
    County(
        "320922",
        "滨海县",
        "滨海",
        "county",
        True,
        33.990,
        119.820,
        False,
        (
            "东坎街道",
            "坎北街道",
            "五汛镇",
            "蔡桥镇",
            "正红镇",
            "通榆镇",
            "界牌镇",
            "八巨镇",
            "八滩镇",
            "滨淮镇",
            "天场镇",
            "陈涛镇",
            "滨海港镇",
        ),
    ),
    County(
        "320923",
        "阜宁县",
        "阜宁",
        "county",
        True,
        33.759,
        119.802,
        False,
        (
            "阜城街道",
            "吴滩街道",
            "古河镇",
            "芦蒲镇",
            "板湖镇",
            "东沟镇",
            "益林镇",
            "沟墩镇",
            "陈良镇",
            "三灶镇",
            "郭墅镇",
            "新沟镇",
            "陈集镇",
            "羊寨镇",
            "硕集镇",
            "罗桥镇",
            "施庄镇",
        ),
    ),
    County(
        "320924",
        "射阳县",
        "射阳",
        "county",
        True,
        33.774,
        120.258,
        False,
        (
            "合德镇",
            "临海镇",
            "千秋镇",
            "四明镇",
            "海河镇",
            "海通镇",
            "兴桥镇",
            "新坍镇",
            "长荡镇",
            "盘湾镇",
            "特庸镇",
            "洋马镇",
            "黄沙港镇",
        ),
    ),
    County(
        "320925",
        "建湖县",
        "建湖",
        "county",
        True,
        33.464,
        119.799,
        False,
        (
            "近湖街道",
            "钟庄街道",
            "塘河街道",
            "建阳镇",
            "宝塔镇",
            "上冈镇",
            "冈东镇",
            "庆丰镇",
            "恒济镇",
            "颜单镇",
            "沿河镇",
            "芦沟镇",
            "高作镇",
            "九龙口镇",
        ),
    ),
    County(
        "320981",
        "东台市",
        "东台",
        "county",
        True,
        32.867,
        120.320,
        False,
        (
            "东台镇",
            "溱东镇",
            "时堰镇",
            "五烈镇",
            "梁垛镇",
            "安丰镇",
            "南沈灶镇",
            "富安镇",
            "唐洋镇",
            "新街镇",
            "许河镇",
            "三仓镇",
            "头灶镇",
            "弶港镇",
        ),
    ),
    County(
        "320971",
        "盐城经济技术开发区",
        "经开区",
        "zone",
        False,
        33.370,
        120.270,
        True,
        ("新城街道", "步凤镇", "新洋街道"),
    ),
    County(
        "320972",
        "盐南高新区",
        "盐南",
        "zone",
        False,
        33.305,
        120.170,
        True,
        ("新河街道", "新都街道", "伍佑街道", "科城街道"),
    ),
)

COUNTY_BY_CODE = {c.code: c for c in COUNTIES}


class Township(NamedTuple):
    code: str
    name: str
    level: str  # "street" or "township"
    county: str
    lat: float
    lng: float


def township_centre(county: County, index: int, count: int) -> tuple[float, float]:
    """A rough centre for the ``index``-th of ``count`` townships: the seat itself for the first
    (the seat town/street), the others on two rings around it."""
    if index == 0:
        return county.lat, county.lng
    ring = 1 if index <= 6 else 2
    per_ring = 6 if ring == 1 else max(1, count - 7)
    pos = (index - 1) if ring == 1 else (index - 7)
    angle = 2 * math.pi * pos / per_ring + (0.0 if ring == 1 else math.pi / per_ring)
    radius = 0.035 if county.level == "zone" else (0.07 if ring == 1 else 0.14)
    lat = county.lat + radius * math.sin(angle)
    lng = county.lng + radius * math.cos(angle) / math.cos(math.radians(county.lat))
    return round(lat, 5), round(lng, 5)


def _townships() -> tuple[Township, ...]:
    out: list[Township] = []
    for county in COUNTIES:
        street_no, town_no = 1, 100
        for i, name in enumerate(county.townships):
            if name.endswith("街道"):
                code, level = f"{county.code}{street_no:03d}", "street"
                street_no += 1
            else:
                code, level = f"{county.code}{town_no:03d}", "township"
                town_no += 1
            lat, lng = township_centre(county, i, len(county.townships))
            out.append(Township(code, name, level, county.code, lat, lng))
    return tuple(out)


TOWNSHIPS: tuple[Township, ...] = _townships()
TOWNSHIPS_BY_COUNTY: dict[str, tuple[Township, ...]] = {
    c.code: tuple(t for t in TOWNSHIPS if t.county == c.code) for c in COUNTIES
}

GRID_CELLS_PER_STREET = 8
GRID_CELLS_PER_TOWNSHIP = 5
"""Grid cells (网格) per street / town; real counts vary, these are illustrative."""


def grid_cells() -> list[tuple[str, str, str]]:
    """(code, name, township code) for every grid cell: township code + 3 digits."""
    out = []
    for t in TOWNSHIPS:
        n = GRID_CELLS_PER_STREET if t.level == "street" else GRID_CELLS_PER_TOWNSHIP
        for k in range(1, n + 1):
            out.append((f"{t.code}{k:03d}", f"{t.name}第{k}网格", t.code))
    return out


# Road names used in synthetic addresses: common ones everywhere plus a few real ones per county seat.
ROADS_COMMON: tuple[str, ...] = (
    "人民路",
    "建设路",
    "解放路",
    "团结路",
    "幸福路",
    "新华路",
    "文化路",
    "朝阳路",
    "青年路",
    "健康路",
    "长江路",
    "黄河路",
    "世纪大道",
    "振兴路",
    "富民路",
    "通榆路",
    "海洋路",
    "工业路",
    "兴业路",
    "友谊路",
    "和平路",
    "东风路",
    "跃进路",
    "光明路",
    "新村路",
    "育才路",
    "中心路",
    "环城路",
    "迎宾路",
    "港城路",
)
ROADS_BY_COUNTY: dict[str, tuple[str, ...]] = {
    "320902": (
        "建军路",
        "开放大道",
        "大庆路",
        "毓龙路",
        "文港路",
        "范公路",
        "青年中路",
        "解放南路",
        "人民中路",
    ),
    "320903": ("盐都大道", "西环路", "公园路", "盐马路", "日月路", "潘黄路", "龙冈大道"),
    "320904": ("健康西路", "幸福大道", "南翔路", "新团路", "丰收大道", "常新路"),
    "320921": ("双园路", "灌江路", "响坎路", "黄海路", "城中路"),
    "320922": ("振兴路", "人民中路", "东坎路", "沿海路", "八巨路"),
    "320923": ("崇文路", "香港路", "澳门路", "益林路", "阜城大街"),
    "320924": ("合德路", "解放东路", "红旗路", "幸福大道", "振阳路"),
    "320925": ("冠华路", "秀夫路", "湖中路", "双湖路", "建宝路"),
    "320981": ("望海路", "海陵路", "东进路", "范公路", "北海路", "金海路"),
    "320971": ("深圳路", "希望大道", "松江路", "东环路", "天山路", "嵩山路"),
    "320972": ("新都路", "世纪大道", "戴庄路", "文港南路", "盐渎路", "府东路"),
}
