"""Real-browser tests: Playwright driving Debian's chromium (/usr/bin/chromium) against a live server.

Run alone with ``pytest -m browser``. Skipped, saying why, when /usr/bin/chromium is absent (CI
installs it: ``apt-get install chromium fonts-noto-cjk``). Playwright's own browser downloads are
never used. Screenshots go to ``var/screenshots/``; with ``CROSSREG_UPDATE_SCREENSHOTS=1`` the
dashboard screenshot (of a city seeded by ``crossreg seed``) also replaces
``docs/img/screenshot-dashboard.png``, the README's picture.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from crossreg.testing.browser import BROWSER_MARKS, CHROMIUM
from crossreg.web.tests.factories import PASSWORD, demo_city

REPO = Path(__file__).resolve().parents[3]
SHOTS = REPO / "var" / "screenshots"

pytestmark = BROWSER_MARKS

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect
else:  # pragma: no cover - the whole module is skipped
    Browser = Page = Any  # type: ignore[misc,assignment]


@pytest.fixture
def city(transactional_db: None, settings: Any) -> dict[str, Any]:
    # The live server speaks plain http on localhost: no Secure cookies there.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return demo_city()


def _page(browser: Browser, live_server: Any, **context: Any) -> Page:
    ctx = browser.new_context(base_url=live_server.url, locale="zh-CN", **context)
    ctx.set_default_timeout(15_000)
    return ctx.new_page()


def _login(page: Page, username: str = "smr_staff") -> None:
    page.goto(reverse("login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # each role lands on its work (issue 18): staff on their to-do list, officers on their tasks;
    # these tests start from the dashboard
    expect(page).to_have_url(re.compile(r"/(todo|inspections)/$"))
    page.goto(reverse("dashboard"))


@pytest.fixture
def page(browser: Browser, live_server: Any, city: dict[str, Any]) -> Iterator[Page]:
    p = _page(browser, live_server, viewport={"width": 1280, "height": 800})
    yield p
    p.context.close()


# (a) a department user logs in, finds an entity by a name variant, opens its page --------------


def test_staff_finds_entity_by_name_variant_and_opens_it(page: Page, city: dict[str, Any]) -> None:
    _login(page)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="市场主体").click()
    expect(page).to_have_url(re.compile(r"/entities/$"))
    # 有限责任公司 instead of the registered 有限公司; live results arrive through htmx, no submit.
    page.get_by_label("统一社会信用代码或名称").fill("盐城市恒达建材有限责任公司")
    result = page.locator("#search-results").get_by_role("link", name="盐城市恒达建材有限公司")
    expect(result).to_be_visible()
    assert "q=" in page.url  # the live search pushed its URL: the results can be bookmarked
    result.click()
    expect(page.get_by_test_id("entity-name")).to_have_text("盐城市恒达建材有限公司")
    expect(page.get_by_test_id("uscc")).to_contain_text(city["hengda"].uscc)
    expect(page.get_by_test_id("key-domains")).to_contain_text("食品安全")
    expect(page.get_by_test_id("name-parts")).to_contain_text("恒达")


def test_search_works_without_javascript(browser: Browser, live_server: Any, city: dict[str, Any]) -> None:
    page = _page(browser, live_server, java_script_enabled=False)
    try:
        _login(page)
        page.goto(reverse("entity_search"))
        # Full-width brackets, as department lists often write them.
        box = page.get_by_label("统一社会信用代码或名称")
        box.fill("鹤鸣（盐城）餐饮管理有限公司")
        box.press("Enter")
        expect(page).to_have_url(re.compile(r"/entities/\?q="))
        page.get_by_role("link", name="鹤鸣(盐城)餐饮管理有限公司").click()
        expect(page.get_by_test_id("uscc")).to_contain_text("缺少统一社会信用代码")
    finally:
        page.context.close()


# (b) an anonymous visitor sees nothing internal ---------------------------------------------------


def test_anonymous_visitor_sees_nothing_internal(
    browser: Browser, live_server: Any, city: dict[str, Any]
) -> None:
    page = _page(browser, live_server)
    try:
        page.goto("/")
        nav = page.get_by_role("navigation", name="主导航")
        # Only public pages are linked: the published catalog, what double random publishes, and the
        # public complaint and report form.
        expect(nav.get_by_role("link")).to_have_text(
            ["首页", "监管事项清单", "抽查公示", "结果公示", "投诉举报", "登录"]
        )
        hengda = city["hengda"]
        for url in (reverse("dashboard"), reverse("entity_search") + "?q=恒达", f"/entities/{hengda.pk}/"):
            page.goto(url)
            expect(page).to_have_url(re.compile(r"/login/\?next="))
            body = page.locator("body").inner_text()
            assert "恒达" not in body and hengda.uscc not in body
        for api in ("/api/v1/entities/", f"/api/v1/entities/{hengda.pk}"):
            r = page.request.get(api)
            assert r.status == 401, (api, r.status)
            assert hengda.uscc not in r.text()
    finally:
        page.context.close()


# (c) a phone: the navigation collapses behind a menu button, search still works ---------------


def test_phone_viewport_navigation_and_search(
    browser: Browser, live_server: Any, city: dict[str, Any]
) -> None:
    page = _page(browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        _login(page)
        nav_link = page.get_by_role("navigation", name="主导航").get_by_role("link", name="市场主体")
        expect(nav_link).to_be_hidden()
        page.get_by_test_id("nav-toggle").click()
        expect(nav_link).to_be_visible()
        nav_link.click()
        box = page.get_by_label("统一社会信用代码或名称")
        expect(box).to_be_visible()
        bb = box.bounding_box()
        assert bb is not None and bb["x"] >= 0 and bb["x"] + bb["width"] <= 390
        box.fill("盐城市恒达建材有限公司")
        page.get_by_role("button", name="检索").click()
        expect(
            page.locator("#search-results").get_by_role("link", name="盐城市恒达建材有限公司")
        ).to_be_visible()
        # Nothing wider than the phone: no sideways scrolling of the page.
        for url in (reverse("dashboard"), reverse("entity_search"), f"/entities/{city['hengda'].pk}/"):
            page.goto(url)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (url, width)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.goto(reverse("dashboard"))
        page.screenshot(path=str(SHOTS / "dashboard-phone.png"), full_page=True)
    finally:
        page.context.close()


# (d) a CJK font really renders (no tofu), and the README screenshot --------------------------------


def _platform_fonts(page: Page, selector: str) -> list[dict[str, Any]]:
    """The fonts chromium actually used to draw the text of ``selector`` (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")
    node = cdp.send("DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector})
    fonts: list[dict[str, Any]] = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    cdp.detach()
    return fonts


@pytest.fixture
def seeded_page(
    browser: Browser, live_server: Any, transactional_db: None, settings: Any, tmp_path: Path
) -> Iterator[Page]:
    """A page on the synthetic Yancheng of ``crossreg seed`` (3,000 entities), as on the README."""
    from crossreg.synth.services import city_seed

    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    city_seed(seed=2021, entities=3000, lists_dir=tmp_path / "lists")
    p = _page(browser, live_server, viewport={"width": 1280, "height": 800})
    yield p
    p.context.close()


def test_cjk_font_renders_and_dashboard_screenshot(seeded_page: Page) -> None:
    from crossreg.synth.people import DEMO_PASSWORD

    page = seeded_page
    page.goto(reverse("login"))
    page.get_by_label("用户名").fill("scjg_staff")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/todo/$"))
    page.goto(reverse("dashboard"))
    title = page.locator(".brand-name")
    expect(title).to_have_text("盐城市跨部门综合监管平台")
    fonts = _platform_fonts(page, ".brand-name")
    used = {f["familyName"]: f["glyphCount"] for f in fonts}
    cjk = {name: n for name, n in used.items() if "CJK" in name or "Noto Sans SC" in name}
    # Every one of the 12 characters was drawn with a CJK font, none fell back to something else.
    assert sum(cjk.values()) == len("盐城市跨部门综合监管平台"), used
    # The first family of the stack, from fonts-noto-cjk, not some other CJK-capable fallback.
    assert any(name.startswith("Noto Sans CJK") for name in cjk), used
    # Not tofu: the title is as wide as twelve full-width glyphs at its font size.
    size, width = page.evaluate(
        """() => {
            const el = document.querySelector('.brand-name');
            const range = document.createRange();
            range.selectNodeContents(el);
            return [parseFloat(getComputedStyle(el).fontSize), range.getBoundingClientRect().width];
        }"""
    )
    assert abs(width - 12 * size * 1.04) < 12 * size * 0.1, (size, width)  # letter-spacing .04em

    expect(page.get_by_test_id("stat-entities")).to_contain_text("3,000")
    expect(page.get_by_test_id("by-county")).to_contain_text("东台市")
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / "screenshot-dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    if os.environ.get("CROSSREG_UPDATE_SCREENSHOTS") == "1":
        target = REPO / "docs" / "img" / "screenshot-dashboard.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)


# (e) switching the language to English changes the UI ---------------------------------------------


def test_language_switch_to_english_and_back(page: Page, city: dict[str, Any]) -> None:
    _login(page)
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(nav.get_by_role("link", name="Market entities")).to_be_visible()
    expect(page.locator(".brand-name")).to_have_text("Yancheng Cross-Department Supervision Platform")
    nav.get_by_role("link", name="Market entities").click()
    expect(page.get_by_role("main").get_by_role("button", name="Search")).to_be_visible()
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("main").get_by_role("button", name="检索")).to_be_visible()
    assert settings.LANGUAGE_CODE == "zh-hans"
