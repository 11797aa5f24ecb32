"""Real-browser test of the notices inbox (/notices/) and the navigation badge.

Playwright drives Debian's chromium against a live server; run alone with ``pytest -m browser``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from crossreg.notices.models import Notification
from crossreg.orgs.models import User
from crossreg.orgs.tests.factories import DepartmentFactory
from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import PHONE, Browser, Page, expect, live_settings, new_page, page_width, sign_in

pytestmark = BROWSER_MARKS


@pytest.fixture
def people(transactional_db: None, settings: Any) -> dict[str, Any]:
    live_settings(settings)
    scjg = DepartmentFactory.create(code="scjg", name="盐城市市场监督管理局", short_name="市场监管局")
    sthj = DepartmentFactory.create(code="sthj", name="盐城市生态环境局", short_name="生态环境局")
    me = User.objects.create_user(username="me", password="x", role=User.Role.STAFF, department=scjg)
    other = User.objects.create_user(username="other", password="x", role=User.Role.STAFF, department=sthj)
    Notification.objects.create(
        recipient=me, verb="catalog.review", subject="请会办:食品小作坊监督检查", link="/dashboard/"
    )
    Notification.objects.create(department=scjg, verb="sampling.task", subject="本部门有新的联合检查任务")
    Notification.objects.create(recipient=other, verb="x", subject="生态环境局个人通知")
    Notification.objects.create(department=sthj, verb="x", subject="生态环境局部门通知")
    return {"me": me, "other": other, "scjg": scjg}


@pytest.fixture
def page(browser: Browser, live_server: Any, people: dict[str, Any]) -> Iterator[Page]:
    p = new_page(browser, live_server, **PHONE)
    yield p
    p.context.close()


def test_inbox_shows_own_and_department_notices_and_marks_them_read(
    page: Page, people: dict[str, Any]
) -> None:
    sign_in(page, "me", "x")
    # The badge is loaded by htmx after the page: two unread (one personal, one departmental).
    page.get_by_test_id("nav-toggle").click()  # a phone: the menus fold away
    badge = page.locator("#notice-badge")
    expect(badge).to_contain_text("2")
    badge.click()
    expect(page).to_have_url(re.compile(r"/notices/$"))
    items = page.locator(".results .result")
    expect(items).to_have_count(2)
    expect(page.locator(".results")).to_contain_text("请会办:食品小作坊监督检查")
    expect(page.locator(".results")).to_contain_text("本部门有新的联合检查任务")
    # Another department's and another person's notices are not shown.
    expect(page.locator("main")).not_to_contain_text("生态环境局")
    assert page_width(page) <= 390

    dept_item = items.filter(has_text="本部门有新的联合检查任务")
    expect(dept_item).to_contain_text("发给本部门")
    dept_item.get_by_role("button", name="标为已读").click()
    expect(items.filter(has_text="本部门有新的联合检查任务").get_by_text("未读")).to_have_count(0)
    expect(items.filter(has_text="请会办").get_by_text("未读", exact=True)).to_be_visible()
    assert Notification.objects.get(department=people["scjg"]).read_at is not None

    page.get_by_role("button", name="全部标为已读").click()
    expect(page.locator(".results").get_by_text("未读", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="全部标为已读")).to_have_count(0)
    assert not Notification.objects.filter(recipient=people["me"], read_at__isnull=True).exists()
    # Reading them did not read the other department's notices.
    assert Notification.objects.filter(department__code="sthj", read_at__isnull=True).count() == 1
    # The notice's link leads on.
    page.get_by_role("link", name="请会办:食品小作坊监督检查").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


def test_anonymous_visitors_are_sent_to_login(
    browser: Browser, live_server: Any, people: dict[str, Any]
) -> None:
    page = new_page(browser, live_server)
    try:
        page.goto(reverse("notices:inbox"))
        expect(page).to_have_url(re.compile(r"/login/\?next=/notices/"))
        expect(page.locator("body")).not_to_contain_text("食品小作坊")
        r = page.request.post(reverse("notices:read_all"), max_redirects=0)
        assert r.status in (302, 403)
    finally:
        page.context.close()
    assert Notification.objects.filter(read_at__isnull=True).count() == 4
