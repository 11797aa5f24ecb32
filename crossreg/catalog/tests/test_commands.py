from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from crossreg.catalog.models import ItemVersion
from crossreg.catalog.tests.factories import compile_to, make_world

pytestmark = pytest.mark.django_db


def test_export_then_import_with_the_command(tmp_path: Path) -> None:
    world = make_world()
    compile_to(world, "published")
    for fmt in ("csv", "xlsx", "json"):
        call_command("catalog", "export", "--format", fmt, "-o", str(tmp_path / f"c.{fmt}"))
    call_command("catalog", "export", "--format", "csv", "--kind", "power", "-o", str(tmp_path / "p.csv"))
    assert (tmp_path / "c.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    # re-importing what was exported changes nothing
    call_command("catalog", "import", str(tmp_path / "c.xlsx"))
    assert ItemVersion.objects.count() == 1


def test_import_reports_rows_and_fails(tmp_path: Path) -> None:
    make_world()
    bad = tmp_path / "bad.csv"
    bad.write_text("事项编码,事项名称,实施部门代码,设定依据\nJG-X-1,名称,nosuch,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("catalog", "import", str(bad))
    assert ItemVersion.objects.count() == 0


def test_schema_check() -> None:
    call_command("catalog", "schema", "--check")


def test_import_dry_run_prints_each_item_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from crossreg.catalog.tests.factories import GOOD_ROWS, catalog_state, items_csv

    make_world()
    path = tmp_path / "items.csv"
    path.write_bytes(items_csv(GOOD_ROWS))
    before = catalog_state()
    call_command("catalog", "import", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "row 2\titem\tJG-A-001\tcreate\tv1" in out and "row 4\titem\tJG-A-002\tcreate\tv1" in out
    assert '"dry_run": true' in out
    assert catalog_state() == before
