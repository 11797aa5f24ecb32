"""Real-browser test of signing out (/logout/): the session ends, internal pages are closed again.

Playwright drives Debian's chromium against a live server; run alone with ``pytest -m browser``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import PHONE, Browser, expect, live_settings, new_page, sign_in
from crossreg.web.tests.factories import PASSWORD, demo_city

pytestmark = BROWSER_MARKS


@pytest.fixture
def city(transactional_db: None, settings: Any) -> dict[str, Any]:
    live_settings(settings)
    return demo_city(entities_per_county=1)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_signing_out_ends_the_session(
    browser: Browser, live_server: Any, city: dict[str, Any], size: str
) -> None:
    page = new_page(browser, live_server, **(PHONE if size == "phone" else {}))
    try:
        sign_in(page, "smr_staff", PASSWORD)
        hengda = city["hengda"]
        page.goto(f"/entities/{hengda.pk}/")
        expect(page.get_by_test_id("entity-name")).to_have_text(hengda.name)
        if size == "phone":
            page.get_by_test_id("nav-toggle").click()  # the user menu folds away with the navigation
        page.get_by_test_id("user-menu").get_by_role("button", name="退出登录").click()
        expect(page).to_have_url(re.compile(r"/$"))
        # The navigation is the anonymous one again (folded away on a phone, so not by role).
        expect(page.locator(f'nav.site-nav a[href="{reverse("login")}"]')).to_have_count(1)
        expect(page.locator(f'nav.site-nav a[href="{reverse("dashboard")}"]')).to_have_count(0)
        expect(page.get_by_test_id("user-menu")).to_have_count(0)
        assert not any(c["name"] == "sessionid" for c in page.context.cookies())
        # The pages seen while signed in are closed again, also by going back in history.
        for url in (reverse("dashboard"), f"/entities/{hengda.pk}/"):
            page.goto(url)
            expect(page).to_have_url(re.compile(r"/login/\?next="))
            expect(page.locator("body")).not_to_contain_text(hengda.uscc)
        page.go_back()
        page.reload()
        expect(page).to_have_url(re.compile(r"/login/\?next="))
    finally:
        page.context.close()
