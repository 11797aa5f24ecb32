"""Issue 18 item 2 in a real browser: two officers complete and submit a joint task on phones (390 px).

The lead officer marks every check point on one page (htmx: the page is never reloaded while
marking), loses the signal while marking one point (the mark is kept on the phone and sent again
when the signal returns), uploads a photo and sees its thumbnail, completes; "submit" is not
offered and the page names the second officer until they confirm with their own login; then the
lead submits. Run alone with ``pytest -m browser crossreg/inspections``.
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from crossreg.inspections.models import InspectionTask, TaskPoint
from crossreg.sampling import services as sampling
from crossreg.sampling.tests.factories import PERIOD, TODAY, drawn_plan, officer_user, sampling_city
from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import PHONE, Browser, Page, expect, live_settings, new_page, page_width
from crossreg.web.tests.factories import PASSWORD

pytestmark = BROWSER_MARKS


def _png(size: int = 64) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes((30, 120, 200)) * size
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def joint(transactional_db: None, settings: Any, tmp_path: Path) -> dict[str, Any]:
    live_settings(settings)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    city = sampling_city(settings)
    drawn_plan(city, "smr", divisions=["320902"])
    drawn_plan(city, "mem", divisions=["320902"])
    sampling.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    task = InspectionTask.objects.get(entity=city["hengda"])
    assert task.joint
    # today is within the task's window, so that it is among the officer's tasks of today
    InspectionTask.objects.filter(pk=task.pk).update(window_start=TODAY, window_end="2099-12-31")
    rows = list(task.officers.select_related("officer").order_by("-lead", "pk"))
    lead = next(r for r in rows if r.department_id == task.lead_department_id)
    second = next(r for r in rows if r.pk != lead.pk)
    officer_user(lead.officer, "officer_lead")
    officer_user(second.officer, "officer_second")
    return {"task": task, "lead": lead.officer, "second": second.officer, "city": city}


def _phone(browser: Browser, live_server: Any, username: str) -> Page:
    page = new_page(browser, live_server, **PHONE)
    page.goto(reverse("login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return page


def test_two_officers_complete_and_submit_a_joint_task_on_phones(
    browser: Browser, live_server: Any, joint: dict[str, Any]
) -> None:
    task: InspectionTask = joint["task"]
    phone = _phone(browser, live_server, "officer_lead")
    try:
        phone.goto("/inspections/")
        phone.get_by_test_id("today-tasks").get_by_role("link", name=task.entity.name).click()
        expect(phone.get_by_test_id("joint-badge")).to_be_visible()
        phone.get_by_role("button", name="开始检查").click()
        expect(phone.get_by_test_id("task-status")).to_have_text("检查中")

        # Marking is done in place: a marker set on the page survives every mark.
        phone.evaluate("window.__samePage = 42")
        points = phone.get_by_test_id("checklist").locator("li.result")
        n = points.count()
        assert n == task.points.count() >= 3
        for i in range(1, n):
            phone.get_by_test_id(f"result-{i}-pass").check()
            phone.get_by_test_id(f"save-{i}").click()
            expect(points.nth(i - 1).locator(".badge-ok")).to_have_text("通过")
        expect(phone.get_by_test_id("progress")).to_have_text(f"{n - 1}/{n}")
        assert phone.evaluate("window.__samePage") == 42, "a mark reloaded the page"

        # A finding without its description is refused next to the field, in Chinese.
        phone.get_by_test_id(f"result-{n}-finding").check()
        phone.get_by_test_id(f"save-{n}").click()
        expect(phone.get_by_test_id(f"point-error-{n}")).to_have_text("发现问题时请填写问题说明")
        expect(phone.get_by_test_id(f"result-{n}-finding")).to_be_checked()  # the choice is kept

        # The signal drops while the last point is saved: the mark waits on the phone ...
        phone.context.set_offline(True)
        phone.get_by_test_id(f"result-{n}-na").check()
        phone.get_by_test_id(f"save-{n}").click()
        expect(points.nth(n - 1).locator("[data-draft-note]")).to_contain_text("未联网")
        expect(phone.locator("[data-offline-banner]")).to_be_visible()
        stored = phone.evaluate("JSON.stringify(window.crossregDrafts.load())")
        assert '"result":"na"' in stored and '"pending":true' in stored
        assert TaskPoint.objects.get(task=task, seq=n).result == ""
        # ... and is sent as soon as the signal returns.
        phone.context.set_offline(False)
        phone.evaluate("window.dispatchEvent(new Event('online'))")
        expect(points.nth(n - 1).locator(".badge-ok")).to_have_text("不适用")
        expect(phone.get_by_test_id("progress")).to_have_text(f"{n}/{n}")
        assert TaskPoint.objects.get(task=task, seq=n).result == "na"
        assert phone.evaluate("JSON.stringify(window.crossregDrafts.load())") == "{}"
        assert phone.evaluate("window.__samePage") == 42

        # A photo: its thumbnail is shown (the hash stays available).
        phone.get_by_label("照片", exact=True).set_input_files(
            {"name": "shopfront.png", "mimeType": "image/png", "buffer": _png()}
        )
        phone.get_by_role("button", name="上传").click()
        expect(phone.get_by_text("照片已保存，哈希已存证")).to_be_visible()
        thumb = phone.get_by_test_id("photo-thumb").first
        expect(thumb).to_be_visible()
        thumb.scroll_into_view_if_needed()
        # loaded and decoded (a broken image rejects): the thumbnail's real pixels
        assert thumb.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
        expect(phone.get_by_test_id("photos")).to_contain_text(task.photos.get().sha256)

        phone.get_by_label("地址（无法定位时手工填写）").fill("亭湖区人民路 1 号")
        phone.get_by_test_id("save-location").click()
        expect(phone.get_by_text("检查地点已记录")).to_be_visible()
        phone.get_by_test_id("do-complete").click()
        expect(phone.get_by_test_id("task-status")).to_have_text("待确认")
        phone.get_by_role("button", name="确认检查结果").click()
        expect(phone.get_by_test_id("confirmed")).to_have_text("1")
        # Not yet: no "submit", and the page says who must still confirm.
        expect(phone.get_by_test_id("do-submit")).to_have_count(0)
        expect(phone.get_by_test_id("pending-confirmations")).to_contain_text(joint["second"].name)
        assert page_width(phone) <= 390

        # The second officer confirms with their own login, on their own phone.
        other = _phone(browser, live_server, "officer_second")
        try:
            other.goto(f"/inspections/tasks/{task.code}/")
            other.get_by_role("button", name="确认检查结果").click()
            expect(other.get_by_test_id("confirmed")).to_have_text("2")
        finally:
            other.context.close()

        phone.reload()
        phone.get_by_label("检查结论").fill("未发现问题")
        phone.get_by_test_id("do-submit").click()
        expect(phone.get_by_test_id("task-status")).to_have_text(re.compile("已提交|待后续处置"))
        assert page_width(phone) <= 390

        # The inspection record, printable, with the officers and the ledger proof link.
        phone.get_by_test_id("print-link").click()
        record = phone.get_by_test_id("inspection-record")
        expect(record).to_contain_text("检查记录表")
        expect(phone.get_by_test_id("record-officers")).to_contain_text(joint["second"].name)
        expect(phone.get_by_test_id("proof-link")).to_contain_text(
            f"/ledger/subject/inspection.task/{task.code}/"
        )
    finally:
        phone.context.close()
