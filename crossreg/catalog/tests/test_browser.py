"""Both catalog workflows in a real browser (Playwright + Debian chromium at /usr/bin/chromium).

Run alone with ``pytest -m browser crossreg/catalog``; skipped, saying why, when chromium is absent.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from crossreg.catalog.models import ChangeRequest, ItemVersion
from crossreg.catalog.tests.factories import World, compile_to, make_world
from crossreg.testing.browser import BROWSER_MARKS, CHROMIUM

PASSWORD = "pw-crossreg-test"

pytestmark = BROWSER_MARKS

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect
else:  # pragma: no cover
    Browser = Page = Any  # type: ignore[misc,assignment]


@pytest.fixture
def world(transactional_db: None, settings: Any) -> World:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return make_world()


def _as(browser: Browser, live_server: Any, username: str | None) -> Page:
    """A fresh browser context (a phone-sized one), logged in as ``username`` (or anonymous)."""
    ctx = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844}
    )
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    if username:
        page.goto("/login/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page).not_to_have_url(re.compile(r"/login/"))
    return page


def _act(page: Page, transition: str, reason: str = "") -> None:
    form = page.locator(f"form[data-transition={transition}]")
    if reason:
        form.locator("textarea").fill(reason)
    form.locator("button").click()
    expect(page.locator(".message-success, .message.message-success").first).to_be_visible()


def test_compile_workflow_in_the_browser(browser: Browser, live_server: Any, world: World) -> None:
    world.drafter, world.approver, world.reviewer, world.lawyer  # noqa: B018 - create the users
    world.user("staff", "outsider", "reviewer2")
    drafter = _as(browser, live_server, "drafter")
    drafter.goto("/catalog/work/items/new/")
    drafter.locator("input[name=code]").fill("JG-SCJG-0900")
    drafter.locator("input[name=name]").fill("食品小作坊监督检查")
    drafter.locator("textarea[name=legal_basis]").fill("《江苏省食品小作坊和食品摊贩管理条例》第二十九条")
    drafter.locator("input[name=power_items]").fill("JC-SCJG-001")
    drafter.locator("input[name=methods][value=random]").check()
    drafter.locator("input[name=domains][value=food]").check()
    drafter.locator("input[name=involved_departments][value=hbj]").check()
    drafter.locator("input[name=involved_departments][value=jtj]").check()
    drafter.locator("textarea[name=procedure]").fill("出示证件、现场检查、制作笔录")
    drafter.locator("textarea[name=cp-0-content]").fill("是否取得小作坊登记证")
    drafter.locator("textarea[name=cp-0-legal_basis]").fill("《江苏省食品小作坊和食品摊贩管理条例》第十条")
    drafter.locator("textarea[name=cp-0-finding]").fill("未经登记从事生产")
    drafter.locator("#item-form button[type=submit]").click()
    expect(drafter).to_have_url(re.compile(r"/catalog/work/versions/\d+/$"))
    _act(drafter, "submit")

    approver = _as(browser, live_server, "approver")
    approver.goto("/catalog/work/")
    approver.get_by_role("link", name=re.compile("食品小作坊监督检查")).click()
    _act(approver, "convene")

    for name in ("reviewer", "reviewer2"):  # each involved department concurs
        p = _as(browser, live_server, name)
        p.goto("/catalog/work/")
        p.get_by_role("link", name=re.compile("食品小作坊监督检查")).click()
        _act(p, "concur")
    assert ItemVersion.objects.get(item__code="JG-SCJG-0900").status == "legality_review"

    anon = _as(browser, live_server, None)
    anon.goto("/catalog/")
    expect(anon.locator("#catalog-results")).not_to_contain_text("食品小作坊监督检查")

    lawyer = _as(browser, live_server, "lawyer")
    lawyer.goto("/catalog/work/")
    lawyer.get_by_role("link", name=re.compile("食品小作坊监督检查")).click()
    _act(lawyer, "pass")

    anon.goto("/catalog/")
    anon.locator("#catalog-q").fill("小作坊")
    link = anon.locator("#catalog-results").get_by_role("link", name="食品小作坊监督检查")
    expect(link).to_be_visible()
    link.click()
    expect(anon.locator("h1")).to_have_text("食品小作坊监督检查")
    expect(anon.locator(".checklist")).to_contain_text("未经登记从事生产")


def test_adjust_workflow_in_the_browser(browser: Browser, live_server: Any, world: World) -> None:
    compile_to(world, "published")
    world.county_user  # noqa: B018
    county = _as(browser, live_server, "county-user")
    county.goto("/catalog/work/items/JG-SCJG-0001/change-request/")
    county.locator("select[name=reason_kind]").select_option("law_amended")
    county.locator("textarea[name=reason]").fill("《食品安全法》修正，增加网络交易检查要点")
    county.locator("form.card button[type=submit]").click()
    expect(county).to_have_url(re.compile(r"/edit/$"))
    county.locator("input[name=name]").fill("食品生产企业监督检查（2026年修订）")
    county.locator("textarea[name=cp-3-content]").fill("是否对入网食品经营者实名登记")
    county.locator("textarea[name=cp-3-legal_basis]").fill("《食品安全法》第六十二条")
    county.locator("textarea[name=cp-3-finding]").fill("未实名登记")
    county.locator("#item-form button[type=submit]").click()
    cr = ChangeRequest.objects.get()
    county.goto(f"/catalog/work/change-requests/{cr.pk}/")
    expect(county.locator(".diff")).to_contain_text("是否对入网食品经营者实名登记")
    _act(county, "file")

    # the department that owns the item is heard first (issue 18), from its to-do
    world.drafter  # noqa: B018
    owner = _as(browser, live_server, "drafter")
    owner.goto(f"/catalog/work/change-requests/{cr.pk}/")
    _act(owner, "owner_concur")

    approver = _as(browser, live_server, "approver")
    approver.goto("/catalog/work/")
    approver.get_by_role("link", name=re.compile("2026年修订")).click()
    _act(approver, "pass")

    lawyer = _as(browser, live_server, "lawyer")
    lawyer.goto("/catalog/work/")
    lawyer.get_by_role("link", name=re.compile("2026年修订")).click()
    _act(lawyer, "pass")

    anon = _as(browser, live_server, None)
    anon.goto("/catalog/items/JG-SCJG-0001/")
    expect(anon.locator("h1")).to_have_text("食品生产企业监督检查（2026年修订）")
    history = anon.locator("#history")
    expect(history).to_contain_text("v2")
    expect(history).to_contain_text("v1")
    expect(history).to_contain_text("已被替代")
    history.get_by_role("link", name="与上一版比较").click()
    expect(anon.locator(".diff .add").first).to_be_visible()
    expect(anon.locator(".diff")).to_contain_text("是否对入网食品经营者实名登记")
