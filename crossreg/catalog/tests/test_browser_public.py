"""Real-browser test of the public catalog pages not walked by the workflow tests: the
cross-department items (/catalog/cross/), a past version (/catalog/items/<code>/v<n>/) and the
open-data downloads (JSON, JSON Schema, CSV, XLSX), as an anonymous visitor on a phone.

Playwright drives Debian's chromium against a live server; run alone with ``pytest -m browser``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from crossreg.catalog import services
from crossreg.catalog.schemas import CrossItemData
from crossreg.catalog.tests.factories import World, adjust_to, compile_to, make_world
from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import PHONE, Browser, expect, live_settings, new_page, page_width

pytestmark = BROWSER_MARKS


@pytest.fixture
def world(transactional_db: None, settings: Any) -> World:
    live_settings(settings)
    w = make_world()
    adjust_to(w, "published")  # JG-SCJG-0001: v1 published, then v2 through a change request
    compile_to(w, "published", code="JG-SCJG-0002")
    compile_to(w, "joint_review", code="JG-SCJG-0003")  # a draft: never public
    services.cross_item_save(
        actor=w.approver,
        data=CrossItemData(
            code="KBM-001",
            name="餐饮服务单位联合检查",
            scenario="一次进门，查食品安全和环境保护",
            lead_department="scjg",
            departments=["hbj"],
            items=["JG-SCJG-0001", "JG-SCJG-0003"],
            procedure="牵头部门制定方案；配合部门同时到场",
        ),
    )
    return w


def test_visitor_reads_cross_items_a_past_version_and_downloads_the_catalog(
    browser: Browser, live_server: Any, world: World, tmp_path: Path
) -> None:
    page = new_page(browser, live_server, accept_downloads=True, **PHONE)
    try:
        page.goto("/catalog/")
        page.get_by_role("link", name="跨部门综合监管事项").click()
        expect(page).to_have_url(re.compile(r"/catalog/cross/$"))
        card = page.locator("section#KBM-001")
        expect(card.get_by_role("heading", level=2)).to_have_text("餐饮服务单位联合检查")
        expect(card).to_contain_text("市市场监督管理局")
        expect(card).to_contain_text("市生态环境局")
        expect(card).to_contain_text("牵头部门制定方案")
        # The draft item is named by its code only; its unpublished content stays hidden.
        expect(card.get_by_role("link")).to_have_count(1)
        expect(card).to_contain_text("JG-SCJG-0003")
        assert page_width(page) <= 390

        card.get_by_role("link").click()
        expect(page).to_have_url(re.compile(r"/catalog/items/JG-SCJG-0001/$"))
        current = page.get_by_role("heading", level=1).inner_text()
        page.get_by_role("link", name="v1", exact=True).click()
        expect(page).to_have_url(re.compile(r"/catalog/items/JG-SCJG-0001/v1/$"))
        expect(page.get_by_text("这是历史版本，不是现行版本。")).to_be_visible()
        page.get_by_role("link", name="查看现行版本").click()
        expect(page).to_have_url(re.compile(r"/catalog/items/JG-SCJG-0001/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(current)
        expect(page.get_by_text("这是历史版本，不是现行版本。")).to_have_count(0)

        # Open data from the index: JSON (with its schema) and CSV hold the published items only.
        page.goto("/catalog/")
        doc = json.loads(
            page.request.get(
                page.get_by_role("link", name="JSON", exact=True).get_attribute("href") or ""
            ).text()
        )
        assert {item["code"] for item in doc["items"]} == {"JG-SCJG-0001", "JG-SCJG-0002"}
        assert doc["cross_items"][0]["code"] == "KBM-001"
        schema = page.request.get(page.get_by_role("link", name="JSON Schema").get_attribute("href") or "")
        assert schema.ok and "$schema" in schema.json()
        with page.expect_download() as info:
            page.get_by_role("link", name="CSV", exact=True).click()
        path = tmp_path / "catalog.csv"
        info.value.save_as(path)
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        codes = {cell for row in rows[1:] for cell in row if cell.startswith("JG-SCJG-")}
        assert codes == {"JG-SCJG-0001", "JG-SCJG-0002"}
        with page.expect_download() as info:
            page.get_by_role("link", name="XLSX", exact=True).click()
        xlsx = tmp_path / "catalog.xlsx"
        info.value.save_as(xlsx)
        book = openpyxl.load_workbook(xlsx, read_only=True)
        cells = {str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c}
        assert {"JG-SCJG-0001", "JG-SCJG-0002"} <= cells and "JG-SCJG-0003" not in cells
    finally:
        page.context.close()


def test_a_version_that_does_not_exist_or_is_a_draft_is_not_found(
    browser: Browser, live_server: Any, world: World
) -> None:
    page = new_page(browser, live_server)
    try:
        for url in (
            "/catalog/items/JG-SCJG-0001/v9/",
            "/catalog/items/JG-SCJG-0003/v1/",
            "/catalog/items/NOPE/v1/",
        ):
            resp = page.goto(url)
            assert resp is not None and resp.status == 404, url
            expect(page.locator("main")).not_to_contain_text("食品")
    finally:
        page.context.close()
