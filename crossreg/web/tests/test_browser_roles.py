"""Real-browser test (issue 18): every role signs in, lands on its own work, and no link of its
menu answers 403; the notices link in the header is readable (white on the blue header).

One live server and one small city for all the roles; each role in a fresh browser context.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import PHONE, Browser, expect, live_settings, new_page, sign_in
from crossreg.web.tests.factories import PASSWORD, UserFactory, demo_city
from crossreg.web.tests.test_roles import ROLES, add_role_departments

pytestmark = BROWSER_MARKS


@pytest.fixture
def city(transactional_db: None, settings: Any) -> dict[str, Any]:
    live_settings(settings)
    c = demo_city(entities_per_county=1)
    add_role_departments(c)
    return c


def _contrast(rgb_a: str, rgb_b: str) -> float:
    """WCAG contrast ratio of two CSS ``rgb(…)`` colours."""

    def lum(rgb: str) -> float:
        r, g, b = (int(x) / 255 for x in re.findall(r"\d+", rgb)[:3])

        def ch(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b)

    hi, lo = sorted((lum(rgb_a), lum(rgb_b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_role_lands_on_its_work_and_meets_no_403(
    browser: Browser, live_server: Any, city: dict[str, Any]
) -> None:
    for role, dept, landing, has, _lacks in ROLES:
        if role == "admin":  # administrators pass the TOTP step first (tested in orgs)
            continue
        user = UserFactory.create(username=f"b_{role}", role=role, department=city["departments"][dept])
        page = new_page(browser, live_server)
        try:
            sign_in(page, user.username, PASSWORD)
            expect(page).to_have_url(re.compile(re.escape(landing) + "$"))
            nav = page.get_by_role("navigation", name="主导航")
            expect(nav.get_by_role("link", name=has)).to_be_visible()
            hrefs = nav.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
            assert hrefs, role
            for href in hrefs:
                status = page.request.get(live_server.url + href).status
                assert status == 200, f"{role}: menu link {href} answered {status}"
            # the header's notices link reads white on the blue header
            badge = page.locator("a.notice-badge")
            color = badge.evaluate("e => getComputedStyle(e).color")
            assert _contrast(color, "rgb(11, 74, 139)") >= 4.5, (role, color)
        finally:
            page.context.close()


def test_officer_on_a_phone_lands_on_todays_tasks(
    browser: Browser, live_server: Any, city: dict[str, Any]
) -> None:
    UserFactory.create(username="p_officer", role="officer", department=city["departments"]["smr"])
    page = new_page(browser, live_server, **PHONE)
    try:
        sign_in(page, "p_officer", PASSWORD)
        expect(page).to_have_url(re.compile(r"/inspections/$"))
        page.get_by_test_id("nav-toggle").click()
        page.get_by_test_id("header-search").get_by_role("searchbox").fill(city["hengda"].name[:6])
        page.get_by_test_id("header-search").get_by_role("button").click()
        expect(page).to_have_url(re.compile(r"/search/\?q="))
        expect(page.get_by_test_id("search-entities")).to_contain_text(city["hengda"].name)
        assert int(page.evaluate("document.documentElement.scrollWidth")) <= 390
    finally:
        page.context.close()
