"""Supervision domains (监管领域). ``key=True`` marks the key domains (重点领域) of REQUIREMENTS M2/M10,
each of which gets a key-domain object library."""

from __future__ import annotations

from typing import NamedTuple


class DomainRow(NamedTuple):
    code: str
    name: str
    key: bool


DOMAINS: tuple[DomainRow, ...] = (
    DomainRow("food", "食品安全", True),
    DomainRow("drugs", "药品医疗器械化妆品", True),
    DomainRow("hazchem", "危险化学品", True),
    DomainRow("fireworks", "烟花爆竹", True),
    DomainRow("work_safety", "安全生产", True),
    DomainRow("environment", "生态环境", True),
    DomainRow("energy", "节能降碳", True),
    DomainRow("education", "校外培训及民办教育", True),
    DomainRow("medical", "医疗机构", True),
    DomainRow("medical_insurance", "医保基金", True),
    DomainRow("construction", "建筑施工", True),
    DomainRow("transport", "交通运输", True),
    DomainRow("labour", "劳动保障(根治欠薪)", True),
    DomainRow("special_equipment", "特种设备", True),
    DomainRow("fire_safety", "消防安全", True),
    DomainRow("finance", "地方金融", True),
    DomainRow("agriculture", "农业农资与农产品质量", True),
    DomainRow("grain", "粮食流通", True),
    DomainRow("gas", "城镇燃气", True),
    DomainRow("product_quality", "工业产品质量", False),
    DomainRow("public_health", "公共场所卫生", False),
    DomainRow("culture", "文化市场", False),
    DomainRow("tourism", "旅游市场", False),
    DomainRow("public_security", "治安管理(特种行业)", False),
    DomainRow("commerce", "商贸流通", False),
    DomainRow("city_management", "城市管理", False),
)

DOMAIN_CODES = tuple(d.code for d in DOMAINS)
