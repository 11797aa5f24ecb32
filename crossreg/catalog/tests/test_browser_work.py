"""Real-browser tests of the internal catalog pages the workflow tests do not walk: an item's work
page, a new version of a published item and the internal version comparison
(/catalog/work/items/<code>/, …/new-version/, …/diff/), and the overdue reviews (/catalog/work/overdue/).

Playwright drives Debian's chromium against a live server; run alone with ``pytest -m browser``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from crossreg.catalog.models import ItemVersion
from crossreg.catalog.tests.factories import World, compile_to, make_world
from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import Browser, Page, expect, live_settings, new_page, sign_in

pytestmark = BROWSER_MARKS
PASSWORD = "pw-crossreg-test"  # catalog.tests.factories.UserFactory


@pytest.fixture
def world(transactional_db: None, settings: Any) -> World:
    live_settings(settings)
    w = make_world()
    compile_to(w, "published")
    return w


def _as(browser: Browser, live_server: Any, username: str) -> Page:
    page = new_page(browser, live_server)
    sign_in(page, username, PASSWORD)
    return page


def test_owner_drafts_a_new_version_of_a_published_item_and_compares(
    browser: Browser, live_server: Any, world: World
) -> None:
    world.user("staff", "outsider", "outsider")
    drafter = _as(browser, live_server, "drafter")
    try:
        drafter.get_by_role("navigation", name="主导航").get_by_role("link", name="事项办理").click()
        drafter.get_by_role("link", name="JG-SCJG-0001").click()
        expect(drafter).to_have_url(re.compile(r"/catalog/work/items/JG-SCJG-0001/$"))
        versions = drafter.locator("table")
        expect(versions.get_by_role("row", name=re.compile("^v1"))).to_contain_text("已发布")

        drafter.get_by_role("button", name="起草新版本").click()
        expect(drafter).to_have_url(re.compile(r"/catalog/work/versions/\d+/edit/$"))
        drafter.locator("input[name=name]").fill("食品生产企业监督检查（2027年版）")
        drafter.locator("textarea[name=cp-0-content]").fill("生产许可证是否在有效期内并公示")
        drafter.locator("#item-form button[type=submit]").click()
        expect(drafter).to_have_url(re.compile(r"/catalog/work/versions/\d+/$"))
        expect(drafter.get_by_text("草稿已保存")).to_be_visible()

        drafter.goto("/catalog/work/items/JG-SCJG-0001/")
        expect(versions.get_by_role("row", name=re.compile("^v2"))).to_contain_text("草稿")
        drafter.get_by_role("link", name="版本比较").click()
        diff = drafter.locator(".diff")
        expect(diff).to_contain_text("食品生产企业监督检查（2027年版）")
        expect(diff).to_contain_text("生产许可证是否在有效期内并公示")
        # The draft is not public: the public page still shows v1.
        drafter.goto("/catalog/items/JG-SCJG-0001/")
        expect(drafter.get_by_role("heading", level=1)).to_have_text("食品生产企业监督检查")
    finally:
        drafter.context.close()

    # Another department sees the item but may not draft its versions.
    outsider = _as(browser, live_server, "outsider")
    try:
        outsider.goto("/catalog/work/items/JG-SCJG-0001/")
        expect(outsider.get_by_role("button", name="起草新版本")).to_have_count(0)
        token = next(c["value"] for c in outsider.context.cookies() if c["name"] == "csrftoken")
        outsider.request.post(
            "/catalog/work/items/JG-SCJG-0001/new-version/", headers={"X-CSRFToken": token}, max_redirects=0
        )
    finally:
        outsider.context.close()
    assert ItemVersion.objects.filter(item__code="JG-SCJG-0001").count() == 2


def test_approval_bureau_sees_reviews_past_their_deadline(
    browser: Browser, live_server: Any, world: World
) -> None:
    late = compile_to(world, "joint_review", code="JG-SCJG-0002")
    ItemVersion.objects.filter(pk=late.pk).update(state_entered_at=timezone.now() - dt.timedelta(days=60))
    compile_to(world, "joint_review", code="JG-SCJG-0003")  # entered just now: within its deadline
    approver = _as(browser, live_server, "approver")
    try:
        approver.goto("/catalog/work/")
        overdue = approver.get_by_role("link", name=re.compile("超期审核"))
        expect(overdue).to_contain_text("1")
        overdue.click()
        expect(approver).to_have_url(re.compile(r"/catalog/work/overdue/$"))
        rows = approver.locator("table tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("JG-SCJG-0002")
        expect(rows.first.locator("td").nth(3)).to_have_text("60")
        rows.first.get_by_role("link").click()
        expect(approver).to_have_url(re.compile(rf"/catalog/work/versions/{late.pk}/$"))
    finally:
        approver.context.close()
