"""Issue 6 in a real browser: double random, one public, from plan to published result.

Two departments create, publish and draw plans through the pages; the same entity is drawn by both;
pooling makes one joint task; an assigned officer works it on a phone (390×844): checklist, photo,
location; two officers confirm, the lead submits, the lead department's staff publish; the result
is on the public page without login.

Run alone with ``pytest -m browser crossreg/sampling``. It reuses the browser, page and login
helpers of ``crossreg/web/tests/test_browser.py`` (Debian's /usr/bin/chromium, skipped when absent).
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crossreg.inspections.models import InspectionTask
from crossreg.orgs.models import Officer
from crossreg.sampling.tests.factories import officer_user, sampling_city
from crossreg.testing.browser import BROWSER_MARKS, CHROMIUM
from crossreg.web.tests.test_browser import SHOTS, _login, _page

pytestmark = BROWSER_MARKS

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect
else:  # pragma: no cover - the whole module is skipped
    Browser = Page = Any  # type: ignore[misc,assignment]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SEED = "双色球 03 07 12 19 25 31 + 09"


def tiny_png(rgb: tuple[int, int, int] = (200, 30, 30), size: int = 4) -> bytes:
    """A valid ``size``×``size`` RGB PNG, made with the standard library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * size
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def city(transactional_db: None, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.MEDIA_ROOT = str(tmp_path / "media")
    c = sampling_city(settings)
    # One date window long enough that every task of the (current) quarter is a task of today.
    settings.CROSSREG = {**settings.CROSSREG, "SAMPLING_WINDOW_DAYS": 120}
    return c


@pytest.fixture
def desk(browser: Browser, live_server: Any, city: dict[str, Any]) -> Iterator[Page]:
    p = _page(browser, live_server, viewport={"width": 1280, "height": 900})
    yield p
    p.context.close()


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=name).click()


def _logout(page: Page) -> None:
    page.context.clear_cookies()


def _plan_and_draw(page: Page, city: dict[str, Any], dept: str, division: str) -> str:
    """As ``<dept>_staff``: create a plan for ``division`` at 100%, publish it, enter the seed, draw."""
    _login(page, f"{dept}_staff")
    _nav(page, "双随机抽查")
    page.get_by_role("link", name="新建抽查计划").click()
    page.get_by_label("计划名称").fill(f"{dept} 本季度双随机抽查")
    page.get_by_label("检查事项（已发布版本）").select_option(str(city["versions"][dept].pk))
    page.get_by_label("区域").select_option(division)
    for cls, ratio in (("A", "0"), ("B", "100"), ("C", "100"), ("D", "100")):
        page.get_by_label(f"{cls} 类比例（%）").fill(ratio)
    page.get_by_label("随机种子来源（摇号前公示的未来公开数值）").fill("中国福利彩票双色球当日开奖号码")
    # The test city has no department lists: the whole registry, as a recorded choice. The seed's
    # day is past, so the seed may be entered now.
    page.get_by_label("对象来源", exact=True).select_option("registry")
    page.get_by_label("选择对象来源的理由").fill("测试城市未导入部门名录，按登记库抽取")
    page.get_by_label("种子产生日期").fill("2025-07-01")
    page.get_by_label("种子产生时间").fill("")
    page.get_by_role("button", name="创建计划").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("草稿")
    code = page.locator(".page-head .mono").first.inner_text().strip()

    page.get_by_role("button", name="公示计划并固定对象池").click()
    expect(page.get_by_test_id("plan-status")).to_contain_text("已公示")
    expect(page.get_by_test_id("pool-root")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    page.get_by_label("随机种子（按公示来源录入）").fill(SEED)
    page.get_by_label("种子核对出处（开奖公告网址或期号）").fill("双色球第2025076期开奖公告")
    page.get_by_role("button", name="摇号").click()
    expect(page.get_by_text(re.compile(r"摇号完成，抽中 \d+ 户"))).to_be_visible()
    expect(page.get_by_test_id("plan-status")).to_have_text("已摇号")
    expect(page.get_by_test_id("selections")).to_contain_text(city["hengda"].name)
    _logout(page)
    return code


def _officer_page(browser: Browser, live_server: Any, username: str) -> Page:
    p = _page(browser, live_server, **PHONE)
    _login(p, username)
    return p


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, (page.url, width)


def test_double_random_one_public_end_to_end(
    desk: Page, browser: Browser, live_server: Any, city: dict[str, Any]
) -> None:
    hengda = city["hengda"]
    division = hengda.division.code

    # 1. Two departments each plan, publish and draw; hengda is drawn by both (100% of its region).
    _plan_and_draw(desk, city, "smr", division)
    mem_code = _plan_and_draw(desk, city, "mem", division)

    # The public plan page shows the seed and the draw list, no login needed.
    desk.goto(f"/sampling/public/plans/{mem_code}/")
    expect(desk.get_by_test_id("seed")).to_have_text(SEED)

    # 2. Pooling: one joint task for the entity drawn twice.
    _login(desk, "smr_staff")
    _nav(desk, "双随机抽查")
    desk.get_by_test_id("period-link").first.click()
    desk.get_by_role("button", name="汇总比对并派发检查任务").click()
    expect(desk.get_by_text(re.compile(r"汇总比对完成"))).to_be_visible()
    expect(desk.get_by_test_id("joint")).not_to_have_text("0")
    _logout(desk)
    task = InspectionTask.objects.get(entity=hengda)
    assert task.joint
    assert InspectionTask.objects.filter(entity=hengda).count() == 1
    assert set(task.departments.values_list("department_id", flat=True)) == {"smr", "mem"}

    # The drawn officers get logins (officers are people first; their accounts come from HR).
    rows = list(task.officers.select_related("officer").order_by("-lead", "cost"))
    leads = [r for r in rows if r.department_id == task.lead_department_id]
    assert len(leads) >= 2 and any(r.department_id != task.lead_department_id for r in rows)
    first: Officer = leads[0].officer
    second: Officer = leads[1].officer
    officer_user(first, "officer_a")
    officer_user(second, "officer_b")

    # 3. On the phone: today's tasks, open the joint one, work through the merged checklist.
    phone = _officer_page(browser, live_server, "officer_a")
    try:
        phone.get_by_test_id("nav-toggle").click()  # the menu folds away on a phone
        _nav(phone, "检查任务")
        today = phone.get_by_test_id("today-tasks")
        today.get_by_role("link", name=hengda.name).click()
        expect(phone.get_by_test_id("joint-badge")).to_be_visible()
        phone.get_by_role("button", name="开始检查").click()
        expect(phone.get_by_test_id("task-status")).to_have_text("检查中")
        points = phone.get_by_test_id("checklist").locator("li.result")
        n = points.count()
        assert n == task.points.count() >= 2
        for i in range(1, n + 1):
            phone.get_by_test_id(f"result-{i}-pass").check()
            phone.get_by_test_id(f"save-{i}").click()
            expect(points.nth(i - 1).locator(".badge-ok")).to_have_text("通过")
        _no_sideways_scroll(phone)

        png = tiny_png()
        phone.get_by_label("照片").set_input_files(
            {"name": "shopfront.png", "mimeType": "image/png", "buffer": png}
        )
        phone.get_by_role("button", name="上传").click()
        expect(phone.get_by_text("照片已保存，哈希已存证")).to_be_visible()
        expect(phone.get_by_test_id("photos")).to_contain_text(hashlib.sha256(png).hexdigest())

        phone.get_by_label("地址（无法定位时手工填写）").fill(hengda.address or "亭湖区人民路 1 号")
        phone.get_by_test_id("save-location").click()
        expect(phone.get_by_text("检查地点已记录")).to_be_visible()
        _no_sideways_scroll(phone)

        phone.get_by_test_id("do-complete").click()
        expect(phone.get_by_test_id("task-status")).to_have_text("待确认")
        phone.get_by_role("button", name="确认检查结果").click()
        expect(phone.get_by_test_id("confirmed")).to_have_text("1")

        # 4. The second officer confirms on their own phone and login.
        other = _officer_page(browser, live_server, "officer_b")
        try:
            other.goto(f"/inspections/tasks/{task.code}/")
            other.get_by_role("button", name="确认检查结果").click()
            expect(other.get_by_test_id("confirmed")).to_have_text("2")
        finally:
            other.context.close()

        # 5. The lead submits.
        phone.reload()
        phone.get_by_label("检查结论").fill("未发现问题")
        phone.get_by_test_id("do-submit").click()
        expect(phone.get_by_test_id("task-status")).to_have_text("已提交")
        _no_sideways_scroll(phone)
        SHOTS.mkdir(parents=True, exist_ok=True)
        phone.screenshot(path=str(SHOTS / "inspection-phone.png"), full_page=True)
    finally:
        phone.context.close()

    # 6. The lead department's staff publish the result (一公开).
    _login(desk, f"{task.lead_department_id}_staff")
    desk.goto(f"/inspections/tasks/{task.code}/")
    desk.get_by_test_id("do-publish").click()
    expect(desk.get_by_test_id("task-status")).to_have_text("已公示")
    _logout(desk)

    # 7. Anyone, without login, sees it on the public results page, officers' names masked.
    public = _page(browser, live_server, **PHONE)
    try:
        public.goto("/")
        public.get_by_test_id("nav-toggle").click()
        _nav(public, "结果公示")
        row = public.get_by_test_id("public-results").locator("tr", has_text=hengda.name)
        expect(row).to_contain_text("联合检查")
        expect(row).to_contain_text("未发现问题")
        expect(row).not_to_contain_text(first.name)
        _no_sideways_scroll(public)
    finally:
        public.context.close()
