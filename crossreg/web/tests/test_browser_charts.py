"""Real-browser tests of the leaders' charts, the map and the burden dashboard's charts.

The charts are drawn by the vendored ECharts (SVG renderer) from the page's own data; the page asks
no host but the server for anything (every request is recorded), and the Content-Security-Policy
refuses nothing (conftest's ``csp_clean``). Run alone with ``pytest -m browser``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import PHONE, Browser, Page, expect, live_settings, new_page, page_width, sign_in
from crossreg.web.tests.factories import PASSWORD
from crossreg.web.tests.test_charts import charts_city

pytestmark = BROWSER_MARKS


@pytest.fixture
def city(transactional_db: None, settings: Any) -> dict[str, Any]:
    live_settings(settings)
    return charts_city()


class Requests:
    """Every request the page's context makes, to check that none leaves the server."""

    def __init__(self, page: Page) -> None:
        self.urls: list[str] = []
        page.context.on("request", lambda r: self.urls.append(r.url))

    def foreign(self, live_server: Any) -> list[str]:
        here = urlsplit(live_server.url).netloc
        return [u for u in self.urls if not u.startswith("data:") and urlsplit(u).netloc != here]


@pytest.fixture
def leader(browser: Browser, live_server: Any, city: dict[str, Any]) -> Iterator[tuple[Page, Requests]]:
    page = new_page(browser, live_server)
    seen = Requests(page)
    sign_in(page, "leader", PASSWORD)
    yield page, seen
    page.context.close()


def _drawn(page: Page, testid: str) -> Any:
    """The chart's SVG, once ECharts has drawn it."""
    svg = page.get_by_test_id(testid).locator("svg")
    expect(svg).to_have_count(1)
    return svg


def test_leaders_dashboard_draws_the_trends_from_the_server_only(
    leader: tuple[Page, Requests], live_server: Any
) -> None:
    page, seen = leader
    expect(page.get_by_test_id("charts-panel")).to_be_visible()
    visits = _drawn(page, "chart-visits")
    # The picture carries the data: the periods on the axis, one bar per series and period.
    expect(visits.locator("text").filter(has_text="2025Q2")).to_have_count(1)
    expect(visits.locator("text").filter(has_text="2025Q4")).to_have_count(1)
    assert visits.locator("path").count() >= 6
    # ECharts describes the chart for screen readers (aria), with its series.
    label = page.get_by_test_id("chart-visits").get_attribute("aria-label") or ""
    assert "检查(次)" in label and "减少检查(次)" in label
    for testid in ("chart-rates", "chart-findings"):
        expect(_drawn(page, testid).locator("text").filter(has_text="2025Q2")).to_have_count(1)
    # The data table is there for whoever cannot see the chart.
    page.get_by_text("查看数据表").click()
    expect(page.get_by_test_id("trend-table")).to_contain_text("33.3%")
    assert any("/vendor/echarts/echarts.min.js" in u for u in seen.urls)
    assert seen.foreign(live_server) == []
    # A link to the burden dashboard of the latest period, which draws its own charts.
    page.get_by_test_id("link-burden").click()
    expect(page).to_have_url(reverse("sampling:period", args=["2025Q4"]))
    for testid in ("chart-burden-visits", "chart-burden-distribution", "chart-burden-departments"):
        _drawn(page, testid)
    assert seen.foreign(live_server) == []


def test_map_draws_outlines_and_points_and_switches_layer(
    leader: tuple[Page, Requests], live_server: Any
) -> None:
    page, seen = leader
    page.get_by_test_id("link-map").click()
    expect(page).to_have_url(reverse("dashboard_map"))
    svg = _drawn(page, "chart-map")
    # The counties' outlines, labelled with their names, from the vendored outline file.
    expect(svg.locator("text").filter(has_text="亭湖区")).to_have_count(1)
    expect(svg.locator("text").filter(has_text="东台市")).to_have_count(1)
    assert svg.locator("path").count() >= 9
    assert any("yancheng-counties" in u and u.endswith(".geojson") for u in seen.urls)
    page.get_by_label("线索").check()
    expect(page.get_by_test_id("chart-map").locator("svg")).to_have_count(1)
    assert page.get_by_test_id("chart-map").get_attribute("data-chart-error") is None
    expect(page.get_by_test_id("county-table")).to_contain_text("亭湖区")
    assert seen.foreign(live_server) == []


def test_charts_fit_a_phone(browser: Browser, live_server: Any, city: dict[str, Any]) -> None:
    page = new_page(browser, live_server, **PHONE)
    try:
        sign_in(page, "leader", PASSWORD)
        for url, testid in (
            (reverse("dashboard_charts"), "chart-visits"),
            (reverse("dashboard_map"), "chart-map"),
        ):
            page.goto(url)
            _drawn(page, testid)
            assert page_width(page) <= 390, url
    finally:
        page.context.close()
