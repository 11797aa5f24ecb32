"""Real-browser test of the API documentation page (/api/v1/docs), linked as 接口文档 for the
big-data bureau, department administrators and administrators: it must render on a network
without internet access (the platform uses no CDN), and show the list push with its scope.

Playwright drives Debian's chromium against a live server; run alone with ``pytest -m browser``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from crossreg.orgs.models import User
from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import Browser, Page, expect, live_settings, new_page, sign_in
from crossreg.web.tests.factories import PASSWORD, demo_city

pytestmark = BROWSER_MARKS


@pytest.fixture
def city(transactional_db: None, settings: Any) -> dict[str, Any]:
    live_settings(settings)
    c = demo_city(entities_per_county=1)
    User.objects.create_user(
        username="dsj", password=PASSWORD, role=User.Role.BIGDATA, department=c["departments"]["bigdata"]
    )
    return c


def _offline(page: Page, live_server: Any) -> list[str]:
    """Refuse every request that leaves the live server, as an intranet without internet would."""
    host = urlparse(live_server.url).netloc
    refused: list[str] = []

    def handle(route: Any) -> None:
        if urlparse(route.request.url).netloc == host:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    return refused


def test_big_data_bureau_reads_the_api_docs_offline(
    browser: Browser, live_server: Any, city: dict[str, Any]
) -> None:
    page = new_page(browser, live_server)
    try:
        refused = _offline(page, live_server)
        sign_in(page, "dsj", PASSWORD)
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="接口文档").click()
        push = page.locator(".opblock", has_text="/api/v1/linking/lists").first
        expect(push).to_be_visible()
        push.locator(".opblock-summary").click()
        expect(push).to_contain_text("lists:push")
        assert refused == []
    finally:
        page.context.close()
