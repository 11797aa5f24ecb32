from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from crossreg.catalog import exchange
from crossreg.catalog.exchange import POWER_COLUMNS, catalog_import
from crossreg.catalog.models import CheckPoint, ItemVersion, PowerItem, SupervisionItem, VersionEvent
from crossreg.catalog.tests.factories import (
    GOOD_ROWS,
    ITEM_HEADER,
    catalog_state,
    compile_to,
    item_row,
    items_csv,
    make_world,
)
from crossreg.core.errors import Forbidden, Invalid
from crossreg.ledger.models import Entry

pytestmark = pytest.mark.django_db

HEADER = ITEM_HEADER
GOOD = GOOD_ROWS
_row = item_row
_csv = items_csv


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


_counts = catalog_state


def test_dry_run_reports_each_item_and_writes_nothing() -> None:
    world = make_world()
    compile_to(world, "published", code="JG-A-002")  # an existing item: the file brings a new version
    before = _counts()
    report = catalog_import(
        data=items_csv(GOOD_ROWS), filename="items.csv", actor=world.approver, mode="draft", dry_run=True
    )
    assert _counts() == before
    assert report.dry_run and report.changes_anything and report.changed == []
    lines = {(line.code, line.action, line.version, line.status, line.row) for line in report.lines}
    assert lines == {("JG-A-001", "create", 1, "draft", 2), ("JG-A-002", "new_version", 2, "draft", 4)}
    assert (report.items_created, report.versions_created, report.check_points) == (1, 2, 5)
    # the real import does what the dry run said
    real = catalog_import(data=items_csv(GOOD_ROWS), filename="items.csv", actor=world.approver, mode="draft")
    assert [(x.code, x.action, x.version) for x in real.lines] == [
        (x.code, x.action, x.version) for x in report.lines
    ]
    assert ItemVersion.objects.get(item__code="JG-A-002", number=2).status == "draft"


def test_dry_run_of_a_bad_file_raises_the_same_problems() -> None:
    make_world()
    rows = [item_row("JG-A-001", 1), item_row("JG-B-001", 1, dept="nosuch")]
    with pytest.raises(Invalid) as exc:
        catalog_import(data=items_csv(rows), filename="i.csv", actor="system:test", dry_run=True)
    assert [(p.row, p.field, p.code) for p in exc.value.problems] == [(3, "department", "unknown")]


def test_an_unchanged_reimport_records_nothing() -> None:
    make_world()
    data = items_csv(GOOD_ROWS)
    catalog_import(data=data, filename="items.csv", actor="system:test", mode="published")
    before = _counts()
    report = catalog_import(data=data, filename="items.csv", actor="system:test", mode="published")
    assert not report.changes_anything and _counts() == before


def test_missing_columns_are_named_at_the_header() -> None:
    make_world()
    header = [h for h in ITEM_HEADER if h not in ("实施部门代码", "设定依据")]
    rows = [[c for c, h in zip(item_row("JG-A-001", 1), ITEM_HEADER, strict=True) if h in header]]
    with pytest.raises(Invalid) as exc:
        catalog_import(data=items_csv(rows, header=header), filename="i.csv", actor="system:test")
    (p,) = exc.value.problems
    assert (p.field, p.code) == ("header", "missing_columns")
    assert "实施部门代码" in p.message and "设定依据" in p.message


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(settings: object) -> None:
    make_world()
    settings.CROSSREG = {**settings.CROSSREG, "CATALOG_IMPORT_MAX_BYTES": 100}  # type: ignore[attr-defined]
    with pytest.raises(Invalid) as exc:
        catalog_import(data=items_csv(GOOD_ROWS), filename="i.csv", actor="system:test", dry_run=True)
    assert [(p.field, p.code) for p in exc.value.problems] == [("file", "too_large")]
