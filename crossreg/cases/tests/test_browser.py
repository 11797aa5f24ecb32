"""The issue's browser path: an inspection finding → case filed → evidence → notice → legal review
passed by the department's legal reviewer → decision → the published decision on the public page
with names masked → the decision PDF's link shows a valid ledger proof. Run alone: ``pytest -m browser``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from crossreg.cases import services
from crossreg.cases.models import Case
from crossreg.cases.tests.factories import cases_city, inspected_task
from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import (
    DESKTOP,
    PHONE,
    Browser,
    Page,
    expect,
    live_settings,
    new_page,
    page_width,
    sign_in,
)
from crossreg.web.tests.factories import PASSWORD

pytestmark = BROWSER_MARKS


@pytest.fixture
def city(transactional_db: None, settings: Any, live_server: Any) -> dict[str, Any]:
    live_settings(settings)
    settings.CROSSREG = {**settings.CROSSREG, "CASE_PUBLIC_BASE_URL": live_server.url}
    c = cases_city(settings)
    from django.utils import timezone

    task = inspected_task(c, on=timezone.localdate())
    c["task"] = task
    c["sources"] = services.case_sources_from_task(actor="system:cases", task_code=task.code)
    return c


def _as(browser: Browser, live_server: Any, username: str, **ctx: Any) -> Page:
    page = new_page(browser, live_server, **(ctx or DESKTOP))
    sign_in(page, username, PASSWORD)
    return page


def _do(page: Page, transition: str, note: str = "") -> None:
    form = page.get_by_test_id(f"form-{transition}")
    if note:
        form.get_by_test_id(f"note-{transition}").fill(note)
    form.get_by_test_id(f"do-{transition}").click()


@pytest.mark.django_db(transaction=True)
def test_finding_to_published_decision_with_a_verified_pdf(
    browser: Browser, live_server: Any, city: dict[str, Any], tmp_path: Any
) -> None:
    smr = next(s for s in city["sources"] if s.department_id == "smr")
    head = _as(browser, live_server, "smr_head")
    # the task page links the finding's source; the head files the case
    head.goto(f"/inspections/tasks/{city['task'].code}/")
    expect(head.get_by_test_id("cases-panel")).to_contain_text(smr.ref)
    head.goto(f"/cases/sources/{smr.pk}/")
    head.get_by_test_id("file-title").fill("无证经营（情节严重）")
    head.get_by_test_id("officer-1").check()
    head.get_by_test_id("officer-2").check()
    head.get_by_test_id("do-file").click()
    expect(head.get_by_test_id("case-state")).to_have_text("已立案")
    case = Case.objects.get(source=smr)
    assert case.evidence.filter(sha256="b" * 64).exists()  # the inspection's photo, shared

    officer = _as(browser, live_server, "smr_officer", **PHONE)
    officer.goto(f"/cases/{case.pk}/")
    _do(officer, "start_investigation")
    expect(officer.get_by_test_id("case-state")).to_have_text("调查取证")
    record = tmp_path / "询问笔录.txt"
    record.write_text("询问笔录：当事人承认未取得许可经营。", encoding="utf-8")
    officer.get_by_test_id("evidence-title").fill("询问笔录（法定代表人）")
    officer.get_by_test_id("evidence-file").set_input_files(str(record))
    officer.get_by_test_id("do-add_evidence").click()
    expect(officer.get_by_test_id("evidence")).to_contain_text("询问笔录（法定代表人）")
    officer.select_option("#entry", value=str(city["entries"]["SMR-47-2"].pk))
    officer.get_by_test_id("kind-fine").check()
    officer.fill("#fine", "150000")
    officer.get_by_test_id("do-propose").click()
    _do(officer, "submit_review")
    expect(officer.get_by_test_id("case-state")).to_have_text("案件审核")
    assert page_width(officer) <= 390

    head.goto(f"/cases/{case.pk}/")
    _do(head, "issue_notice")
    expect(head.get_by_test_id("case-state")).to_have_text("处罚告知")
    expect(head.get_by_test_id("legal-triggers")).to_be_visible()

    officer.goto(f"/cases/{case.pk}/")
    officer.get_by_test_id("do-serve_notice").click()
    officer.get_by_test_id("waive-note").fill("当事人书面放弃陈述、申辩和听证")
    officer.get_by_test_id("do-waive_defence").click()
    # the head cannot decide before the legal review (Art. 58): the refusal names the rule
    head.goto(f"/cases/{case.pk}/")
    _do(head, "decide")
    expect(head.locator(".messages")).to_contain_text("第58条")
    officer.goto(f"/cases/{case.pk}/")
    _do(officer, "submit_legal_review")
    expect(officer.get_by_test_id("case-state")).to_have_text("法制审核")

    legal = _as(browser, live_server, "smr_legal")
    legal.goto("/cases/legal/")
    legal.get_by_test_id("legal-queue").get_by_text(case.number).click()
    _do(legal, "pass_legal_review", "事实清楚，证据确凿，适用依据正确，程序合法，裁量适当")
    expect(legal.get_by_test_id("case-state")).to_have_text("法制审核通过")

    head.goto(f"/cases/{case.pk}/")
    _do(head, "decide")
    expect(head.get_by_test_id("case-state")).to_have_text("已作出决定")
    head.get_by_test_id("do-publish").click()

    public = new_page(browser, live_server)
    public.goto("/cases/public/")
    row = public.locator(f'[data-number="{case.number}"]')
    expect(row).to_contain_text("盐城市恒达建材有限公司")
    expect(row).to_contain_text("张*明")  # the legal representative, masked
    expect(public.get_by_test_id("public-decisions")).not_to_contain_text("张伟明")

    pdf_url = head.get_by_test_id("pdf-decision").get_attribute("href")
    assert pdf_url is not None
    pdf = head.request.get(pdf_url).body()
    assert pdf.startswith(b"%PDF")
    link = re.search(rb"/URI \((http[^)]+)\)", pdf)
    assert link is not None, "the PDF carries its proof link"
    public.goto(link.group(1).decode())
    expect(public.get_by_test_id("proof-result")).to_have_text("核验通过")
    decision = case.documents.get(kind="decision")
    expect(public.get_by_test_id("doc-number")).to_have_text(decision.number)
    expect(public.get_by_test_id("inclusion")).to_contain_text("✓")
