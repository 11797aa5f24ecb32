from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from crossreg.catalog import exchange
from crossreg.catalog.exchange import ITEM_COLUMNS, POWER_COLUMNS, catalog_import
from crossreg.catalog.models import CheckPoint, ItemVersion, PowerItem, SupervisionItem, VersionEvent
from crossreg.catalog.tests.factories import compile_to, make_world
from crossreg.core.errors import Forbidden, Invalid
from crossreg.ledger.models import Entry

pytestmark = pytest.mark.django_db

HEADER = [label for _k, label in ITEM_COLUMNS]


def _row(
    code: str, seq: int, *, dept: str = "scjg", basis: str = "《食品安全法》第一百一十条", **over: str
) -> list[str]:
    values = {
        "code": code,
        "name": "食品销售经营者监督检查",
        "department": dept,
        "legal_basis": basis,
        "power_items": "JC-SCJG-001",
        "methods": "双随机;信用监管",
        "entity_types": "企业;个体工商户",
        "industries": "51;52",
        "domains": "food",
        "default_ratio": "5",
        "default_frequency": "每年1次",
        "procedure": "出示证件；现场检查；制作笔录",
        "method": "查阅资料、现场查看",
        "involved_departments": "hbj",
        "cp_seq": str(seq),
        "cp_content": f"检查要点{seq}",
        "cp_legal_basis": "《食品安全法》第三十五条",
        "cp_finding": "未取得许可",
        "cp_method": "查阅证照",
    }
    values.update(over)
    return [values[k] for k, _l in ITEM_COLUMNS]


def _csv(rows: list[list[str]], encoding: str = "utf-8", header: list[str] = HEADER) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


GOOD = [
    _row("JG-A-001", 1),
    _row("JG-A-001", 2),
    _row("JG-A-002", 1),
    _row("JG-A-002", 2),
    _row("JG-A-002", 3),
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_import_in_every_encoding(encoding: str) -> None:
    make_world()
    report = catalog_import(
        data=_csv(GOOD, encoding), filename="items.csv", actor="system:test", mode="published"
    )
    assert report.items_created == 2 and report.check_points == 5
    v = ItemVersion.objects.get(item__code="JG-A-002")
    assert v.status == "published" and v.name == "食品销售经营者监督检查"
    assert v.method_list == ["random", "credit"] and v.entity_type_list == ["enterprise", "individual"]
    assert [p.content for p in v.check_points.order_by("seq")] == ["检查要点1", "检查要点2", "检查要点3"]


def test_bad_rows_import_nothing_and_report_each_row_and_field() -> None:
    make_world()
    rows = [
        _row("JG-A-001", 1),
        _row("JG-B-001", 1, dept="nosuch"),  # row 3: unknown department
        _row("JG-C-001", 1, basis=""),  # row 4: missing legal basis
        _row("JG-A-002", 1),
        _row("JG-A-001", 2),  # row 6: duplicate code (a second, separate group)
        _row("JG-D-001", 1, cp_legal_basis=""),  # row 7: check point without legal basis
    ]
    before = (SupervisionItem.objects.count(), ItemVersion.objects.count(), Entry.objects.count())
    with pytest.raises(Invalid) as exc:
        catalog_import(data=_csv(rows), filename="items.csv", actor="system:test", mode="published")
    found = {(p.row, p.field) for p in exc.value.problems}
    assert {(3, "department"), (4, "legal_basis"), (6, "code"), (7, "cp_legal_basis")} <= found
    assert all(p.row is not None for p in exc.value.problems)
    assert (SupervisionItem.objects.count(), ItemVersion.objects.count(), Entry.objects.count()) == before


def test_reimport_is_idempotent() -> None:
    make_world()
    data = _csv(GOOD)
    catalog_import(data=data, filename="items.csv", actor="system:test", mode="published")
    counts = (ItemVersion.objects.count(), CheckPoint.objects.count(), VersionEvent.objects.count())
    report = catalog_import(data=data, filename="items.csv", actor="system:test", mode="published")
    assert report.unchanged == 2 and report.versions_created == 0
    assert (ItemVersion.objects.count(), CheckPoint.objects.count(), VersionEvent.objects.count()) == counts


def test_reimport_with_a_change_publishes_a_new_version() -> None:
    make_world()
    catalog_import(data=_csv(GOOD), filename="items.csv", actor="system:test", mode="published")
    changed = [*GOOD[:2], _row("JG-A-002", 1, cp_content="改过的要点"), *GOOD[3:]]
    report = catalog_import(data=_csv(changed), filename="items.csv", actor="system:test", mode="published")
    assert report.versions_created == 1 and report.unchanged == 1
    assert list(ItemVersion.objects.filter(item__code="JG-A-002").values_list("number", "status")) == [
        (1, "superseded"),
        (2, "published"),
    ]


def test_draft_mode_creates_drafts_and_is_limited_to_own_department() -> None:
    world = make_world()
    report = catalog_import(data=_csv(GOOD), filename="items.csv", actor=world.drafter, mode="draft")
    assert report.items_created == 2
    assert set(ItemVersion.objects.values_list("status", flat=True)) == {"draft"}
    with pytest.raises(Forbidden):
        catalog_import(data=_csv(GOOD), filename="items.csv", actor=world.reviewer, mode="draft")
    with pytest.raises(Forbidden):
        catalog_import(data=_csv(GOOD), filename="items.csv", actor=world.drafter, mode="published")


def test_power_items_csv_and_withdrawal_by_import() -> None:
    make_world()
    header = [label for _k, label in POWER_COLUMNS]
    rows = [
        ["JC-X-001", "对食品经营的检查", "行政检查", "scjg", "《食品安全法》第一百一十条", "有效"],
        ["JC-X-002", "对排污的处罚", "penalty", "hbj", "《环境保护法》第五十九条", "active"],
    ]
    report = catalog_import(data=_csv(rows, header=header), filename="p.csv", actor="system:test")
    assert report.power_created == 2
    assert PowerItem.objects.get(code="JC-X-001").kind == "inspection"
    bad = [["JC-X-003", "x", "行政检查", "nosuch", "", "有效"]]
    with pytest.raises(Invalid) as exc:
        catalog_import(data=_csv(bad, header=header), filename="p.csv", actor="system:test")
    assert {(p.row, p.field) for p in exc.value.problems} >= {(2, "department"), (2, "legal_basis")}


def _wipe_catalog() -> None:
    SupervisionItem.objects.update(published=None)
    ItemVersion.objects.all().delete()
    SupervisionItem.objects.all().delete()
    PowerItem.objects.all().delete()


def test_csv_export_import_export_roundtrip() -> None:
    world = make_world()
    compile_to(world, "published")
    compile_to(world, "published", code="JG-SCJG-0002")
    items_csv, power_csv = exchange.export_csv("items"), exchange.export_csv("power")
    _wipe_catalog()
    catalog_import(data=power_csv, filename="power.csv", actor="system:test", mode="published")
    catalog_import(data=items_csv, filename="items.csv", actor="system:test", mode="published")
    assert exchange.export_csv("items") == items_csv
    assert exchange.export_csv("power") == power_csv


def test_export_is_the_same_file_whatever_the_ui_language() -> None:
    """An English-speaking clerk exports the same file a Chinese-speaking one does, and it imports."""
    from django.utils import translation

    world = make_world()
    compile_to(world, "published")
    chinese = exchange.export_csv("items"), exchange.export_csv("power")
    with translation.override("en"):
        english = exchange.export_csv("items"), exchange.export_csv("power")
        _wipe_catalog()
        catalog_import(data=english[1], filename="power.csv", actor="system:test", mode="published")
        catalog_import(data=english[0], filename="items.csv", actor="system:test", mode="published")
    assert english == chinese


def test_xlsx_and_json_roundtrip() -> None:
    world = make_world()
    compile_to(world, "published")
    xlsx = exchange.export_xlsx()
    wb = load_workbook(io.BytesIO(xlsx))
    assert wb.sheetnames == ["权力事项", "监管事项"]
    before = exchange.export_csv("items")
    doc = json.loads(exchange.export_json())
    assert doc["items"][0]["code"] == "JG-SCJG-0001" and len(doc["items"][0]["check_points"]) == 3
    _wipe_catalog()
    catalog_import(data=xlsx, filename="catalog.xlsx", actor="system:test", mode="published")
    assert exchange.export_csv("items") == before


def test_json_import_of_export_document() -> None:
    world = make_world()
    compile_to(world, "published")
    data = exchange.export_json()
    before = exchange.export_csv("items")
    _wipe_catalog()
    report = catalog_import(data=data, filename="catalog.json", actor="system:test", mode="published")
    assert report.items_created == 1 and report.power_created == 1
    assert exchange.export_csv("items") == before


def test_committed_json_schema_is_current() -> None:
    from django.conf import settings

    path = settings.BASE_DIR / "docs" / "catalog.schema.json"
    assert path.read_text(encoding="utf-8") == exchange.json_schema_text(), "run `crossreg catalog schema`"


def test_export_validates_against_its_schema_model() -> None:
    """The export document parses back through the model the published JSON Schema is generated from."""
    from crossreg.catalog.schemas import CatalogExport

    world = make_world()
    compile_to(world, "published")
    doc = CatalogExport.model_validate_json(exchange.export_json())
    assert [i.code for i in doc.items] == ["JG-SCJG-0001"] and doc.items[0].history[0].status == "published"
    schema = exchange.json_schema()
    assert set(schema["required"]) >= {"generated_at", "publisher", "power_items", "items"}
