"""A citizen reports on a phone and follows it with the receipt code; the 12345 desk routes it;
the market regulator's staff verify it and open a case; after the penalty decision the reward is
computed with the cap applied and approved.

The clue and the case source are the real ones (clues and cases are on main). The penalty decision
is driven by publishing ``case.decision.made`` in the test, in the exact shape the cases app
publishes it (``_decision_data``: fine_yuan, confiscation_yuan, source_kind, source_ref): taking a
real case through filing, investigation, notice and decision is the cases app's own test.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from crossreg.cases.models import CaseSource
from crossreg.clues.models import Clue
from crossreg.complaints.models import Reward, Submission
from crossreg.complaints.tests.factories import NAME, PHONE, complaints_city
from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import PHONE as PHONE_SIZE
from crossreg.testing.pages import Browser, expect, live_settings, new_page, page_width, sign_in
from crossreg.web.tests.factories import PASSWORD

pytestmark = BROWSER_MARKS


@pytest.fixture
def bcity(transactional_db: None, settings: Any) -> dict[str, Any]:
    live_settings(settings)
    settings.CROSSREG = {**settings.CROSSREG, "COMPLAINT_FALLBACK_DEPARTMENT": "none"}
    return complaints_city()


def _solve(page: Any) -> None:
    q = page.get_by_test_id("challenge").inner_text()
    a, b = map(int, re.findall(r"\d+", q)[:2])
    page.get_by_label("验证题").fill(str(a + b))


def test_report_to_reward(browser: Browser, live_server: Any, bcity: dict[str, Any]) -> None:
    from crossreg.complaints.services import routing_rules_derive
    from crossreg.core.events import domain_event_publish

    routing_rules_derive(actor="system:test")  # without the fallback: public submissions wait for the desk
    citizen = new_page(browser, live_server, **PHONE_SIZE)
    citizen.goto("/complaints/submit/")
    citizen.get_by_role("radio", name="举报", exact=True).check()
    citizen.get_by_label("单位名称").fill("盐城市鹤鸣小厨餐饮有限公司")
    citizen.get_by_label("反映内容").fill("后厨有老鼠，餐具不消毒，已拍照")
    citizen.get_by_label("您的姓名").fill(NAME)
    citizen.get_by_label("联系电话").fill(PHONE)
    _solve(citizen)
    citizen.get_by_role("button", name="提交").click()
    receipt = citizen.get_by_test_id("receipt").inner_text().strip()
    assert page_width(citizen) <= 390
    expect(citizen.get_by_test_id("state")).to_have_text("已登记")
    for html in (citizen.content(),):
        assert NAME not in html and PHONE not in html

    desk = new_page(browser, live_server)
    sign_in(desk, "hotline1", PASSWORD)
    desk.goto(f"/complaints/s/{receipt}/")
    expect(desk.get_by_test_id("department")).to_have_text("待分办")
    desk.get_by_label("承办部门").select_option("smr")
    desk.get_by_role("button", name="分办", exact=True).click()
    expect(desk.get_by_test_id("department")).to_have_text("盐城市市场监督管理局")

    staff = new_page(browser, live_server)
    sign_in(staff, "smr_staff", PASSWORD)
    staff.goto("/complaints/")
    staff.get_by_role("link", name=receipt).click()
    expect(staff.get_by_text(PHONE)).to_be_visible()  # the handling department sees the contact
    staff.get_by_role("button", name="受理", exact=True).click()
    expect(staff.get_by_test_id("state")).to_have_text("核查中")
    staff.get_by_label("核查结果（核查属实）").fill("现场检查属实，后厨鼠迹明显")
    staff.get_by_label("奖励等级").select_option("1")
    staff.get_by_role("button", name="核查属实", exact=True).click()
    expect(staff.get_by_test_id("state")).to_have_text("举报属实")
    staff.get_by_role("button", name="立案", exact=True).click()
    expect(staff.get_by_test_id("state")).to_have_text("已立案")
    assert list(Clue.objects.values_list("source", "source_ref")) == [("complaint", receipt)]
    assert list(CaseSource.objects.values_list("department_id", "kind", "ref")) == [
        ("smr", "complaint", receipt)
    ]

    sub = Submission.objects.get(receipt_code=receipt)
    domain_event_publish(
        type="case.decision.made",
        subject="case/盐市监处罚〔2026〕21号",
        data={
            "case_number": "盐市监处罚〔2026〕21号",
            "department_id": "smr",
            "entity_id": sub.entity_id,
            "penalty_kinds": ["fine", "confiscation"],
            "fine_yuan": "30000000.00",
            "confiscation_yuan": "5000000.00",
            "credit_severity": "serious",
            "decided_on": "2026-12-01",
            "source_kind": "complaint",
            "source_ref": receipt,
        },
    )
    assert Reward.objects.get(submission=sub).amount == 1000000

    head = new_page(browser, live_server)
    sign_in(head, "smr_head", PASSWORD)
    head.goto("/complaints/rewards/")
    expect(head.get_by_test_id("amount")).to_contain_text("1000000")
    expect(head.get_by_test_id("amount")).to_contain_text("已封顶")
    head.get_by_role("button", name="部门审核通过").click()
    expect(head.get_by_test_id("rewards")).to_contain_text("待财务审批")

    citizen.goto(f"/complaints/track/?code={receipt}")
    expect(citizen.get_by_test_id("state")).to_have_text("已立案")
    html = citizen.content()
    assert NAME not in html and PHONE not in html and "1000000" not in html


@pytest.fixture(autouse=True)
def _no_leak() -> Any:
    yield
