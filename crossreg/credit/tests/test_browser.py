"""Credit in a real browser: the enterprise reads its explained grade with its code, a department
subscribed to pushes receives the grade change at once, the repair goes through, the grade returns.

Run alone with ``pytest -m browser crossreg/credit``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from crossreg.core.events import domain_event_publish
from crossreg.credit import services
from crossreg.credit.tests.factories import credit_city, publish_demo_model
from crossreg.testing.browser import BROWSER_MARKS, CHROMIUM
from crossreg.web.tests.factories import source_record_make
from crossreg.web.tests.test_browser import _login, _page

pytestmark = BROWSER_MARKS

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect
else:  # pragma: no cover - the whole module is skipped
    Browser = Page = Any  # type: ignore[misc,assignment]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def city(transactional_db: None, settings: Any) -> dict[str, Any]:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    c = credit_city()
    publish_demo_model(c["departments"]["fgw"])
    services.credit_evaluate_all(actor="system:test")
    source_record_make(c["hengda"], c["departments"]["smr"], "smr-hengda")
    c["code"] = services.access_code_issue(actor="system:test", entity=c["hengda"])
    return c


@pytest.fixture
def enterprise(browser: Browser, live_server: Any, city: dict[str, Any]) -> Iterator[Page]:
    p = _page(browser, live_server, **PHONE)
    yield p
    p.context.close()


def _sum_adds_up(page: Page) -> None:
    text = page.get_by_test_id("credit-summary").inner_text()
    score = float(re.search(r"得分 ([0-9.]+) 分", text).group(1))  # type: ignore[union-attr]
    lines = [float(x) for x in page.get_by_test_id("line-points").all_inner_texts()]
    assert round(1000 + sum(lines), 2) == score


def test_enterprise_page_push_and_repair(
    browser: Browser, live_server: Any, city: dict[str, Any], enterprise: Page
) -> None:
    e = city["hengda"]
    # the department subscribes to pushes for the entities on its lists
    staff = _page(browser, live_server, viewport={"width": 1280, "height": 800})
    _login(staff, "smr_staff")
    staff.goto("/credit/subscriptions/")
    staff.get_by_test_id("subscribe").click()
    expect(staff.get_by_test_id("subscribed")).to_be_visible()

    # a penalty decision is made by the case app (its event, committed)
    with transaction.atomic():
        domain_event_publish(
            type="case.decision.made",
            subject="case/盐市监罚〔2026〕21号",
            data={
                "case_number": "盐市监罚〔2026〕21号",
                "department_id": "smr",
                "entity_id": e.pk,
                "penalty_kinds": ["fine"],
                "fine_yuan": 5000,
                "credit_severity": "ordinary",
                "decided_on": timezone.localdate().isoformat(),
            },
            department_id="smr",
            entity_id=e.pk,
        )

    # the department sees the push in its inbox at once
    staff.goto("/notices/")
    expect(
        staff.get_by_text(re.compile("信用等级变化：盐城市恒达建材有限公司 由 B 级变为 C 级"))
    ).to_be_visible()

    # the enterprise, on its phone, opens its own record with its code
    enterprise.goto("/credit/self/")
    enterprise.get_by_label("统一社会信用代码").fill(e.uscc)
    enterprise.get_by_label("查询码").fill(city["code"])
    enterprise.get_by_test_id("self-submit").click()
    expect(enterprise.get_by_test_id("grade")).to_have_text("C")
    expect(
        enterprise.get_by_test_id("indicator").filter(
            has_text="行政处罚决定 盐市监罚〔2026〕21号（罚款 5,000 元）"
        )
    ).to_be_visible()
    expect(enterprise.get_by_text(re.compile("行政处罚（一般）：每条 -100 分 × 权重 1.5"))).to_be_visible()
    _sum_adds_up(enterprise)
    assert enterprise.evaluate("document.documentElement.scrollWidth") <= 390

    # it applies for repair
    enterprise.get_by_label("整改情况").fill("已整改并缴清罚款")
    enterprise.get_by_label("信用修复承诺").fill("承诺今后守法经营")
    enterprise.get_by_test_id("repair-submit").click()
    expect(enterprise.get_by_text(re.compile("修复申请已提交"))).to_be_visible()

    # the department head approves it
    head = _page(browser, live_server, viewport={"width": 1280, "height": 800})
    _login(head, "smr_head")
    head.goto("/credit/repairs/")
    head.get_by_role("link", name="盐城市恒达建材有限公司").click()
    head.get_by_test_id("approve").click()
    expect(head.get_by_test_id("repair-status")).to_have_text("已准予修复")

    # the record no longer counts: the grade is back to B, the repair is shown
    enterprise.reload()
    expect(enterprise.get_by_test_id("grade")).to_have_text("B")
    expect(enterprise.get_by_test_id("repair").first).to_contain_text("已准予修复")
    staff.context.close()
    head.context.close()
