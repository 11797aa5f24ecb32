"""The working-list helper (crossreg.core.lists): CSV with a BOM and formula cells defused, XLSX
read back, unknown sorts and choices ignored, and the list templates' strings in English."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from django.test import RequestFactory
from django.utils import translation

from crossreg.core.lists import Column, Filter, ListSpec, rows_csv, rows_xlsx

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "lists"


def test_csv_starts_with_a_bom_and_defuses_formulas() -> None:
    text = rows_csv(["名称", "日期", "数"], [["=HYPERLINK(1)", dt.date(2026, 10, 31), -3], ["-12.5", "", 0]])
    assert text.startswith("\ufeff名称,日期,数\r\n")
    assert "'=HYPERLINK(1),2026-10-31,-3" in text and "\r\n-12.5,,0" in text


def test_xlsx_reads_back() -> None:
    from openpyxl import load_workbook

    data = rows_xlsx(["名称", "日期"], [["盐城", dt.date(2026, 10, 31)], ["@x", None]], title="t")
    ws = load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("名称", "日期") and rows[1][0] == "盐城" and rows[1][1].date() == dt.date(2026, 10, 31)
    assert rows[2][0] == "'@x"


def test_unknown_sort_and_choice_are_ignored(db: None) -> None:
    from crossreg.orgs.models import Division

    spec = ListSpec(
        name="divisions",
        columns=[
            Column("code", "代码", lambda d: d.code, sort="code"),
            Column("name", "名称", lambda d: d.name),
        ],
        filters=[Filter("level", "层级", choices=Division.Level.choices, field="level")],
        default_sort="-code",
    )
    rf = RequestFactory()
    qs = Division.objects.all()
    state = spec.page(rf.get("/", {"sort": "name; drop table", "level": "nonsense"}), qs)
    assert state.sort == "-code" and state.values == {"level": ""}
    codes = [d.code for d in state.rows]
    assert codes == sorted(codes, reverse=True)
    counties = spec.page(rf.get("/", {"level": "county", "sort": "code"}), qs)
    assert counties.total == Division.objects.filter(level="county").count()
    assert "sort=-code" in counties.headers()[0]["href"]  # the header toggles the direction
    assert "level=county" in counties.csv_href and "export=csv" in counties.csv_href


def test_list_templates_have_english() -> None:
    ids: list[str] = []
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text()
        ids += re.findall(r'{% translate "([^"]+)" %}', text)
        for body in re.findall(
            r"{% blocktranslate[^%]*%}(.*?){% (?:endblocktranslate|plural) %}", text, re.S
        ):
            ids.append(re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", body))
    assert len(ids) >= 8
    with translation.override("en"):
        assert [m for m in ids if translation.gettext(m) == m] == []
