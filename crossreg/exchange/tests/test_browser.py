"""In a real browser, on a phone: a department's admin sees its webhook's failure, inspects it and
replays it; the event arrives at the receiver."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from crossreg.outbox import services as outbox
from crossreg.outbox.models import Delivery
from crossreg.outbox.receiver import Receiver
from crossreg.outbox.tests.factories import SECRET, department, dept_admin, publish, webhook_target
from crossreg.testing.browser import BROWSER_MARKS, CHROMIUM
from crossreg.web.tests.test_browser import _login, _page

pytestmark = [*BROWSER_MARKS, pytest.mark.django_db(transaction=True)]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect
else:  # pragma: no cover - the whole module is skipped
    Browser = Any  # type: ignore[misc,assignment]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_admin_replays_a_failed_delivery_on_a_phone(
    browser: Browser, live_server: Any, settings: Any
) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "OUTBOX_MAX_ATTEMPTS": 1, "OUTBOX_BACKOFF_BASE": 0.0}
    scjg = department()
    dept_admin(scjg, "scjg_admin")
    with Receiver(SECRET) as rx:
        rx.mode = "500"
        webhook_target(scjg, rx.url, code="scjg-hook")
        publish(1, subjects=1)
        outbox.outbox_deliver_batch()
        assert Delivery.objects.get().state == "failed"
        page = _page(browser, live_server, **PHONE)
        try:
            _login(page, "scjg_admin")
            page.goto(reverse("exchange:index"))
            expect(page.get_by_test_id("targets")).to_contain_text("1 条失败")
            page.get_by_role("link", name="失败队列").first.click()
            expect(page.get_by_test_id("errors")).to_contain_text("HTTP 500")
            page.get_by_test_id("errors").get_by_role("link", name="test.thing.happened").click()
            expect(page.get_by_test_id("last-error")).to_contain_text("HTTP 500")
            rx.mode = "ok"
            page.get_by_role("button", name="重放").click()
            expect(page.locator("body")).to_contain_text("已重新排队 1 条投递")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390 + 1, f"page is {width}px wide on a 390px phone"
        finally:
            page.context.close()
        outbox.outbox_deliver_batch()
        assert len(rx.store.events()) == 1
    assert Delivery.objects.get().state == "delivered"
