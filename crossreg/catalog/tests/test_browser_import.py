"""Real-browser test of the import page (/catalog/work/import/): the approval bureau uploads a file,
reviews the dry run, confirms, and finds the imported item on the internal catalog pages; a bad
file is refused naming its row; the page fits a phone.

Playwright drives Debian's chromium against a live server; run alone with ``pytest -m browser``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from crossreg.catalog.models import ItemVersion, SupervisionItem
from crossreg.catalog.tests.factories import GOOD_ROWS, World, item_row, items_csv, make_world
from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import PHONE, Browser, Page, expect, live_settings, new_page, page_width, sign_in

pytestmark = BROWSER_MARKS
PASSWORD = "pw-crossreg-test"  # catalog.tests.factories.UserFactory
CSV = "text/csv"


@pytest.fixture
def world(transactional_db: None, settings: Any, tmp_path: Path) -> World:
    live_settings(settings)
    settings.MEDIA_ROOT = tmp_path
    w = make_world()
    w.approver  # noqa: B018 - the city approval bureau's user
    return w


def _choose(page: Page, name: str, data: bytes) -> None:
    payload: Any = {"name": name, "mimeType": CSV, "buffer": data}
    page.get_by_label("清单文件").set_input_files(files=[payload])
    page.get_by_role("button", name="检查文件").click()


def test_approval_bureau_uploads_reviews_confirms_and_finds_the_item(
    browser: Browser, live_server: Any, world: World
) -> None:
    page = new_page(browser, live_server)
    sign_in(page, "approver", PASSWORD)
    try:
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="事项办理").click()
        page.get_by_role("link", name="导入清单文件").click()
        expect(page).to_have_url(re.compile(r"/catalog/work/import/$"))

        # a bad row: refused, naming the row and the column; nothing written
        _choose(page, "bad.csv", items_csv([*GOOD_ROWS, item_row("JG-B-001", 1, dept="nosuch")]))
        problems = page.get_by_test_id("import-problems")
        expect(problems).to_contain_text("文件未通过检查，未导入任何内容")
        row = problems.get_by_role("row", name=re.compile("第 7 行"))
        expect(row).to_contain_text("实施部门代码")
        expect(row).to_contain_text("未知部门代码“nosuch”")
        assert SupervisionItem.objects.count() == 0

        # the good file: the dry run says what would happen, and writes nothing
        _choose(page, "items.csv", items_csv(GOOD_ROWS))
        expect(page.get_by_role("heading", name="检查结果（尚未导入）")).to_be_visible()
        lines = page.get_by_test_id("import-lines")
        expect(lines.locator("tbody tr")).to_have_count(2)
        expect(lines.get_by_role("row", name=re.compile("JG-A-001"))).to_contain_text("新建")
        expect(lines.get_by_role("row", name=re.compile("JG-A-002"))).to_contain_text("v1 草稿")
        assert SupervisionItem.objects.count() == 0

        page.get_by_role("button", name="确认导入").click()
        expect(page.get_by_role("heading", name="导入完成")).to_be_visible()
        expect(page.get_by_test_id("import-summary")).to_contain_text("同一文件再次导入不会改变任何内容")
        page.get_by_test_id("import-lines").get_by_role("link", name="JG-A-001").click()
        expect(page).to_have_url(re.compile(r"/catalog/work/items/JG-A-001/$"))
        expect(page.locator("table").get_by_role("row", name=re.compile("^v1"))).to_contain_text("草稿")
        assert set(ItemVersion.objects.values_list("status", flat=True)) == {"draft"}

        # the same file again: nothing to import, and no button to do it
        page.goto("/catalog/work/import/")
        _choose(page, "items.csv", items_csv(GOOD_ROWS))
        expect(page.get_by_test_id("import-nothing")).to_contain_text("不会改变任何内容")
        expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    finally:
        page.context.close()


def test_import_page_fits_a_phone(browser: Browser, live_server: Any, world: World) -> None:
    page = new_page(browser, live_server, **PHONE)
    sign_in(page, "approver", PASSWORD)
    try:
        page.goto("/catalog/work/import/")
        assert page_width(page) <= 390
        _choose(page, "items.csv", items_csv(GOOD_ROWS))
        expect(page.get_by_role("button", name="确认导入")).to_be_visible()
        assert page_width(page) <= 390
        page.get_by_role("button", name="确认导入").click()
        expect(page.get_by_role("heading", name="导入完成")).to_be_visible()
        assert page_width(page) <= 390
        page.get_by_role("link", name="JG-A-002").click()
        expect(page).to_have_url(re.compile(r"/catalog/work/items/JG-A-002/$"))
    finally:
        page.context.close()
