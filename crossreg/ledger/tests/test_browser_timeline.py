"""Real-browser test of the full-process record pages: /ledger/ and a subject's timeline.

Playwright drives Debian's chromium against a live server; run alone with ``pytest -m browser``.
The downloaded proof bundle is checked with the standalone verifier, as anyone outside would.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from crossreg.ledger import services
from crossreg.orgs.models import User
from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import (
    DESKTOP,
    PHONE,
    Browser,
    Page,
    expect,
    live_settings,
    new_page,
    page_width,
    sign_in,
)
from crossreg.web.tests.factories import PASSWORD, demo_city, source_record_make

REPO = Path(__file__).resolve().parents[3]
pytestmark = BROWSER_MARKS


@pytest.fixture
def city(transactional_db: None, settings: Any) -> dict[str, Any]:
    live_settings(settings)
    c = demo_city(entities_per_county=1)
    # 市场监管局 supervises hengda (a current record on its list); 应急管理局 does not.
    source_record_make(c["hengda"], c["departments"]["smr"], "SJ-hengda")
    User.objects.create_user(
        username="mem_staff", password=PASSWORD, role=User.Role.STAFF, department=c["departments"]["mem"]
    )
    services.checkpoint_create(timestamp=False)
    return c


def _login(page: Page, username: str) -> None:
    sign_in(page, username, PASSWORD)


@pytest.fixture
def page(browser: Browser, live_server: Any, city: dict[str, Any]) -> Iterator[Page]:
    p = new_page(browser, live_server, accept_downloads=True, **DESKTOP)
    yield p
    p.context.close()


def test_supervising_department_reads_the_verified_timeline_and_its_bundle(
    page: Page, city: dict[str, Any], tmp_path: Path
) -> None:
    hengda = city["hengda"]
    _login(page, "smr_staff")
    page.goto(f"/entities/{hengda.pk}/")
    page.get_by_test_id("ledger-link").click()
    expect(page).to_have_url(re.compile(rf"/ledger/subject/entity/{hengda.pk}/$"))
    expect(page.get_by_test_id("verify-result")).to_contain_text("核验通过")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("li").first).to_contain_text("登记市场主体")  # entity.create, by its name
    expect(timeline.locator("li").first).to_contain_text("已核验")
    expect(timeline).to_contain_text(hengda.name)

    # The proof bundle downloads and the standalone verifier accepts it against the page's key.
    key = page.locator("dt", has_text="公钥").locator("xpath=following-sibling::dd").inner_text().strip()
    with page.expect_download() as info:
        page.get_by_test_id("bundle-link").click()
    path = tmp_path / "bundle.json"
    info.value.save_as(path)
    bundle = json.loads(path.read_text())
    assert bundle["subject"] == {"type": "entity", "id": str(hengda.pk)}
    run = subprocess.run(
        [sys.executable, str(REPO / "verifiers" / "ledger_verify.py"), "bundle", str(path), "--key", key],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr

    # A change after the checkpoint is shown as waiting for the next one, not as verified.
    from crossreg.entities.services import entity_update

    entity_update(actor=city["root"], entity=hengda, data={"address": "盐城市亭湖区人民路9号"})
    page.reload()
    expect(page.get_by_test_id("timeline").locator("li").last).to_contain_text("待检查点")


def test_a_department_that_does_not_supervise_the_entity_gets_nothing(
    browser: Browser, live_server: Any, city: dict[str, Any]
) -> None:
    hengda = city["hengda"]
    page = new_page(browser, live_server, **PHONE)
    try:
        _login(page, "mem_staff")
        page.goto(f"/entities/{hengda.pk}/")
        expect(page.get_by_test_id("ledger-scoped")).to_be_visible()
        expect(page.get_by_test_id("ledger-link")).to_have_count(0)
        for url in (
            reverse("ledger:subject", args=["entity", hengda.pk]),
            reverse("ledger:bundle", args=["entity", hengda.pk]),
        ):
            resp = page.goto(url)
            assert resp is not None and resp.status == 404, url
            expect(page.locator("body")).not_to_contain_text(hengda.name)
        # The ledger's front page lists no other subjects' entries for a department user.
        page.goto(reverse("ledger:index"))
        expect(page.locator("main")).not_to_contain_text(hengda.name)
        assert page_width(page) <= 390
    finally:
        page.context.close()


def test_city_level_user_finds_a_subject_from_the_ledger_front_page(page: Page, city: dict[str, Any]) -> None:
    hengda = city["hengda"]
    _login(page, "root")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="执法全过程记录").click()
    expect(page.get_by_test_id("ledger-size")).not_to_have_text("0")
    # The latest entries of the whole log, each linking to its subject's timeline.
    expect(page.get_by_role("link", name=re.compile(r"^市场主体 \d+$")).first).to_be_visible()
    form = page.get_by_test_id("ledger-search")
    form.get_by_label("对象类型").fill("entity")
    form.get_by_label("对象编号").fill(str(hengda.pk))
    form.get_by_role("button", name="查看").click()
    expect(page).to_have_url(re.compile(rf"/ledger/subject/entity/{hengda.pk}/$"))
    expect(page.get_by_test_id("verify-result")).to_contain_text("核验通过")
