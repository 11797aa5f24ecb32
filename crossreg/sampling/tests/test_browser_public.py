"""Real-browser test of the public sampling pages (一公开): the list of published plans
(/sampling/public/), a drawn plan's page and its verification bundle, checked offline with
``verifiers/draw_verify.py`` as any member of the public would; the open-data list.

Playwright drives Debian's chromium against a live server; run alone with ``pytest -m browser``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crossreg.sampling import services
from crossreg.sampling.tests.factories import drawn_plan, make_plan, sampling_city
from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import PHONE, Browser, expect, live_settings, new_page, page_width

REPO = Path(__file__).resolve().parents[3]
SEED = "03 07 12 19 25 31 + 09"
pytestmark = BROWSER_MARKS


@pytest.fixture
def plans(transactional_db: None, settings: Any) -> dict[str, Any]:
    live_settings(settings)
    city = sampling_city(settings)
    division = city["hengda"].division.code
    drawn = drawn_plan(city, "smr", divisions=[division], seed=SEED)
    published = make_plan(city, "mem", divisions=[division])
    services.plan_publish(actor=city["staff"]["mem"], plan=published)
    draft = make_plan(city, "eeb", divisions=[division], name="生态环境 草稿计划")
    return {"drawn": drawn, "published": published, "draft": draft}


def _verify(bundle: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "verifiers" / "draw_verify.py"), str(bundle), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_public_verifies_a_draw_from_its_page(
    browser: Browser, live_server: Any, plans: dict[str, Any], tmp_path: Path
) -> None:
    drawn, published, draft = plans["drawn"], plans["published"], plans["draft"]
    page = new_page(browser, live_server, accept_downloads=True, **PHONE)
    try:
        page.goto("/")
        page.get_by_test_id("nav-toggle").click()
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="抽查公示").click()
        expect(page).to_have_url(re.compile(r"/sampling/public/$"))
        table = page.locator("table")
        expect(table.get_by_role("link", name=drawn.name)).to_be_visible()
        expect(table.get_by_role("link", name=published.name)).to_be_visible()
        expect(table).not_to_contain_text(draft.name)  # a draft is not public
        expect(table.get_by_role("row", name=re.compile(published.code))).to_contain_text("已公示")
        assert page_width(page) <= 390

        # A published plan not yet drawn says so, and offers no bundle.
        table.get_by_role("link", name=published.name).click()
        expect(page.get_by_text("尚未摇号")).to_be_visible()
        expect(page.get_by_role("link", name="下载验证包")).to_have_count(0)
        page.go_back()

        table.get_by_role("link", name=drawn.name).click()
        expect(page.get_by_test_id("seed")).to_have_text(SEED)
        root = (
            page.locator("dt", has_text="默克尔根")
            .locator("xpath=following-sibling::dd")
            .inner_text()
            .strip()
        )
        assert root == drawn.pool_root
        with page.expect_download() as info:
            page.get_by_role("link", name="下载验证包").click()
        bundle = tmp_path / f"{drawn.code}.bundle.json"
        info.value.save_as(bundle)
        run = _verify(bundle, "--root", root, "--seed", SEED)
        assert run.returncode == 0, run.stdout + run.stderr

        # The verifier catches a selection that is not the draw's, and a seed that is not the source's.
        doc = json.loads(bundle.read_text())
        assert all(len(row) == 2 and len(row[1]) == 64 for row in doc["pool"])  # no credit class
        forged = tmp_path / "forged.bundle.json"
        doc["selected"] = doc["selected"][:-1]  # one drawn entity quietly left out
        forged.write_text(json.dumps(doc, ensure_ascii=False))
        failed = _verify(forged, "--root", root)
        assert failed.returncode == 1 and "the quotas give" in failed.stdout + failed.stderr
        assert _verify(bundle, "--seed", "01 02 03 04 05 06 + 07").returncode == 1

        # Open data: every public plan, with its root and seed; no draft.
        page.goto("/sampling/public/")
        data = page.request.get(
            page.get_by_role("link", name="开放数据 JSON").get_attribute("href") or ""
        ).json()
        by_code = {p["code"]: p for p in data["plans"]}
        assert set(by_code) == {drawn.code, published.code}
        assert by_code[drawn.code]["pool_root"] == root and by_code[drawn.code]["seed"] == SEED
        plans_csv = page.request.get(
            page.get_by_role("link", name="CSV", exact=True).get_attribute("href") or ""
        )
        assert plans_csv.ok and drawn.code in plans_csv.text() and draft.code not in plans_csv.text()
        picked = page.request.get(f"/sampling/public/plans/{drawn.code}/selections.json").json()
        assert len(picked["selections"]) == drawn.selections.count() > 0
        assert page.request.get(f"/sampling/public/plans/{draft.code}/selections.json").status == 404
    finally:
        page.context.close()
