"""Test helpers for the exchange: the fixtures' code mappings, departments, fixture events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crossreg.exchange import services
from crossreg.exchange.models import MappingVersion
from crossreg.orgs.permissions import Principal
from crossreg.outbox.tests.factories import admin, department

FIXTURES = Path(__file__).parent / "fixtures"

ITEM_ROWS = [
    {"local_code": "JG-SCJG-001", "national_code": "N-SCJG-001", "list_code": "SSQD-320900-SCJG-001"},
    {"local_code": "JG-YJGL-002", "national_code": "N-YJGL-002", "list_code": "SSQD-320900-YJGL-002"},
]
DEPARTMENT_ROWS = [
    {"local_code": "scjg", "national_code": "113209000001", "name": "盐城市市场监督管理局"},
    {"local_code": "yjgl", "national_code": "113209000002", "name": "盐城市应急管理局"},
]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def mappings() -> tuple[MappingVersion, MappingVersion]:
    department("scjg", "市场监管局")
    department("yjgl", "应急管理局")
    root = admin()
    p = Principal.of(root)
    return (
        services.mapping_import(actor=root, principal=p, kind="item", rows=ITEM_ROWS),
        services.mapping_import(actor=root, principal=p, kind="department", rows=DEPARTMENT_ROWS),
    )
