"""Real browser: a department handles one clue remotely (the enterprise uploads its proof through
the link it was sent, the department reviews it, the bundle is closed) and escalates another to an
on-site inspection — on a phone-sized screen."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from crossreg.clues import services
from crossreg.clues.models import ClueBundle
from crossreg.clues.tests.factories import clue_city
from crossreg.inspections.models import InspectionTask
from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import PHONE, Browser, expect, live_settings, new_page, page_width, sign_in
from crossreg.web.tests.factories import PASSWORD

pytestmark = BROWSER_MARKS


@pytest.fixture
def city(transactional_db: None, settings: Any) -> dict[str, Any]:
    live_settings(settings)
    c = clue_city()
    t = timezone.now() - dt.timedelta(days=2)
    for ref, entity, risk in (
        ("c-remote", c["factory"], "pollution_discharge"),
        ("c-visit", c["heming"], "pollution_discharge"),
    ):
        services.clue_raise(
            actor="system:test",
            source="complaint",
            source_ref=ref,
            entity=entity,
            domain="environment",
            risk_type=risk,
            severity="medium",
            observed_from=t,
            observed_to=t,
            summary="群众反映排放口异味",
            department_hint="eeb",
        )
    return c


def test_remote_handling_and_escalation(
    browser: Browser, live_server: Any, city: dict[str, Any], tmp_path: Path
) -> None:
    remote = ClueBundle.objects.get(entity=city["factory"])
    visit = ClueBundle.objects.get(entity=city["heming"])
    page = new_page(browser, live_server, **PHONE)
    try:
        sign_in(page, "eeb_staff", PASSWORD)
        page.goto("/clues/")
        expect(page.get_by_test_id("bundles")).to_contain_text(city["factory"].name)
        assert page_width(page) <= 390
        page.get_by_role("link", name=city["factory"].name).click()
        page.get_by_label("处置意见 / 整改要求").fill("请于7日内完成整改,并上传第三方监测报告")
        page.get_by_test_id("act-notify").click()
        expect(page.get_by_test_id("handling")).to_have_text("已通知整改")
        link = page.get_by_test_id("proof-link").get_attribute("href") or ""
        # the enterprise, without an account, opens the link and uploads its proof
        ent = new_page(browser, live_server, **PHONE)
        try:
            ent.goto(link)
            proof = tmp_path / "监测报告.pdf"
            proof.write_bytes(b"%PDF-1.4 third-party monitoring report")
            ent.locator("input[type=file]").set_input_files(str(proof))
            ent.get_by_test_id("proof-submit").click()
            expect(ent.get_by_test_id("proof-done")).to_be_visible()
        finally:
            ent.context.close()
        page.reload()
        expect(page.get_by_test_id("handling")).to_have_text("企业已提交整改材料")
        expect(page.get_by_test_id("proofs")).to_contain_text("监测报告.pdf")
        page.get_by_label("处置意见 / 整改要求").fill("整改材料齐全,同意办结")
        page.get_by_test_id("act-accept").click()
        expect(page.get_by_test_id("handling")).to_have_text("已办结")
        expect(page.get_by_test_id("status")).to_have_text("已解除")
        # the other clue goes to an on-site inspection
        page.goto(f"/clues/bundles/{visit.pk}/")
        page.get_by_test_id("act-escalate_task").click()
        expect(page.get_by_test_id("handling")).to_have_text("已转现场检查")
        task = InspectionTask.objects.get(entity=city["heming"])
        expect(page.get_by_test_id("task")).to_have_text(task.code)
        assert task.trigger == "clue"
    finally:
        page.context.close()
    remote.refresh_from_db()
    assert (remote.handling, remote.proofs.count()) == ("closed", 1)
