"""Real-browser tests of the object-base pages: import, review, the base list, the 360 view, split.

Playwright drives Debian's chromium (/usr/bin/chromium) against a live server; run alone with
``pytest -m browser``. The city is the small one of ``conftest.city`` (users' password ``x``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from crossreg.linking import services
from crossreg.linking.models import LinkModel, ReviewPair, SourceList, SourceRecord
from crossreg.linking.tests.conftest import SCJG_HEADER, STHJ_HEADER, csv_bytes, scjg_row, sthj_row
from crossreg.orgs.models import User
from crossreg.testing.browser import BROWSER_MARKS
from crossreg.testing.pages import PHONE, Browser, Page, expect, live_settings, new_page, page_width, sign_in

pytestmark = BROWSER_MARKS


@pytest.fixture
def live_city(transactional_db: None, settings: Any, city: dict[str, Any]) -> dict[str, Any]:
    live_settings(settings)
    return city


@pytest.fixture
def page(browser: Browser, live_server: Any, live_city: dict[str, Any]) -> Iterator[Page]:
    p = new_page(browser, live_server)
    yield p
    p.context.close()


def _login(page: Page, username: str) -> None:
    sign_in(page, username, "x")


def _import(city: dict[str, Any], dept: str, content: bytes, **kw: Any) -> None:
    services.source_list_import(
        actor="system:test", department=city["depts"][dept], content=content, file_name=f"{dept}.csv", **kw
    )


def _forged_post(page: Page, url: str, form: dict[str, Any]) -> int:
    """POST from the signed-in browser with a valid CSRF token, as a hand-made request would."""
    page.goto(reverse("dashboard"))
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    r = page.request.post(url, form=form, headers={"X-CSRFToken": token}, max_redirects=0)
    return r.status


def _review_pair(city: dict[str, Any]) -> ReviewPair:
    """生态环境局 lists entity 1; 市场监管局 lists a variant without a code that the model is unsure
    of (the thresholds are set so that it goes to the review queue)."""
    e = city["entities"]
    _import(city, "sthj", csv_bytes(STHJ_HEADER, [sthj_row(e[1], "WR1")]))
    services.link_model_install_default(actor="system:test")
    LinkModel.objects.update(threshold_match=0.999999, threshold_review=0.01)
    variant = scjg_row(e[1], "SJ1", code="", rep="", phone="", addr="盐城市亭湖区南洋镇人民路3号")
    _import(city, "scjg", csv_bytes(SCJG_HEADER, [variant]))
    # Two pairs wait: the variant against the registry entry, and against 生态环境局's record.
    pair = ReviewPair.objects.get(status="pending", other_entity=e[1])
    assert ReviewPair.objects.filter(status="pending").count() == 2
    assert SourceRecord.objects.get(local_id="SJ1").entity_id != e[1].pk
    return pair


# A department user imports a list and reads the report; bad files are refused, nothing written ----


def test_department_user_imports_a_list_and_sees_the_report(page: Page, live_city: dict[str, Any]) -> None:
    city = live_city
    e = city["entities"]
    _login(page, "staff")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="跨部门对象库").click()
    page.get_by_role("link", name="导入部门名录").click()
    expect(page).to_have_url(re.compile(r"/base/import/$"))
    # Staff import only their own department's list: it is the only choice, and preselected.
    select = page.get_by_label("部门", exact=False).first
    expect(select.locator("option:checked")).to_have_text("盐城市市场监督管理局")
    expect(select.locator("option", has_text="盐城市生态环境局")).to_have_count(0)

    good = csv_bytes(SCJG_HEADER, [scjg_row(e[1], "SJ1"), scjg_row(e[2], "SJ2")])
    page.get_by_label("名录文件").set_input_files(
        {"name": "scjg.csv", "mimeType": "text/csv", "buffer": good}
    )
    page.get_by_label("来源系统").fill("市场监管业务系统")
    page.get_by_role("button", name="预览", exact=True).click()
    # The mapping the import guessed is shown first; nothing is written until it is confirmed.
    preview = page.get_by_test_id("import-preview")
    expect(preview).to_contain_text("表头在第 1 行")
    expect(page.locator("#map_name option:checked")).to_have_text("主体名称")
    expect(page.locator("#map_uscc_raw option:checked")).to_have_text("统一社会信用代码(注册号)")
    assert not SourceList.objects.exists()
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_role("status")).to_contain_text("名录已导入")
    report = page.get_by_test_id("import-result")
    expect(report).to_contain_text("#1")
    expect(report.locator("div", has=page.locator("dt", has_text="新增记录")).locator("dd")).to_have_text("2")
    expect(report.locator("div", has=page.locator("dt", has_text="已关联记录")).locator("dd")).to_have_text(
        "2"
    )
    expect(page.get_by_role("row", name=re.compile(r"scjg\.csv"))).to_contain_text("2")
    assert set(SourceRecord.objects.values_list("entity_id", flat=True)) == {e[1].pk, e[2].pk}

    # Next month's list, saved as GBK (as Excel on a Chinese Windows does): SJ2 has left, SJ3 is new.
    gbk = csv_bytes(SCJG_HEADER, [scjg_row(e[1], "SJ1"), scjg_row(e[3], "SJ3")], encoding="gbk")
    page.get_by_label("名录文件").set_input_files(
        {"name": "scjg-12.csv", "mimeType": "text/csv", "buffer": gbk}
    )
    page.get_by_role("button", name="预览", exact=True).click()
    page.get_by_role("button", name="确认导入").click()
    report = page.get_by_test_id("import-result")
    expect(report).to_contain_text("#2")
    expect(report.locator("div", has=page.locator("dt", has_text="新增记录")).locator("dd")).to_have_text("1")
    expect(report.locator("div", has=page.locator("dt", has_text="移出记录")).locator("dd")).to_have_text("1")
    assert SourceRecord.objects.get(local_id="SJ3").name == e[3].name  # decoded, not mojibake
    assert SourceRecord.objects.get(local_id="SJ2").state == "left"

    # No name column: the error names the missing column and the file's own columns.
    no_name = "统一社会信用代码,地址\n91320902MA0000001X,人民路1号\n".encode()
    page.get_by_label("名录文件").set_input_files(
        {"name": "bad.csv", "mimeType": "text/csv", "buffer": no_name}
    )
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="预览", exact=True).click()
    assert posted.value.status == 400
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("缺少必需的列:名称")
    expect(errors).to_contain_text("统一社会信用代码, 地址")
    expect(page.get_by_test_id("import-result")).to_have_count(0)

    # A row without a name: the row is named, and nothing of the file is written.
    one_blank = csv_bytes(SCJG_HEADER, [scjg_row(e[3], "SJ3"), scjg_row(e[4], "SJ4", name="")])
    page.get_by_label("名录文件").set_input_files(
        {"name": "blank.csv", "mimeType": "text/csv", "buffer": one_blank}
    )
    page.get_by_role("button", name="预览", exact=True).click()
    expect(page.get_by_test_id("import-errors")).to_contain_text("第 3 行:名称为空")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)  # refused before it is imported

    # Not a CSV at all.
    page.get_by_label("名录文件").set_input_files(
        {"name": "photo.csv", "mimeType": "text/csv", "buffer": b"\x89PNG\r\n\x1a\n\x00\x00\x00"}
    )
    page.get_by_role("button", name="预览", exact=True).click()
    expect(page.get_by_test_id("import-errors")).to_contain_text("文件格式有误")

    assert SourceList.objects.count() == 2
    current = SourceRecord.objects.filter(state="current").values_list("local_id", flat=True)
    assert sorted(current) == ["SJ1", "SJ3"]

    # The same page in English: the refusal, too, is in the user's language.
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a department list")
    page.get_by_label("List file").set_input_files(
        {"name": "bad.csv", "mimeType": "text/csv", "buffer": no_name}
    )
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.get_by_test_id("import-errors")).to_contain_text("A required column is missing: the name")


# The big-data bureau's reviewer decides a pair; the entity's 360 view follows -----------------------


@pytest.mark.parametrize("decision", ["match", "non_match"])
def test_reviewer_decides_a_pair_and_the_360_view_follows(
    page: Page, live_city: dict[str, Any], decision: str
) -> None:
    city = live_city
    e1 = city["entities"][1]
    pair = _review_pair(city)
    _login(page, "reviewer")
    page.goto(f"/entities/{e1.pk}/")
    view = page.get_by_test_id("entity-360")
    expect(view).to_contain_text("未入库")
    expect(view.get_by_test_id("source-records")).not_to_contain_text("SJ1")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="关联审核").click()
    expect(page.get_by_test_id("review-count")).to_contain_text("共 2 对")
    card = page.get_by_test_id("review-pair").filter(has_text="市场主体登记")
    expect(card).to_have_count(1)
    # Both sides: the department's record and the registry entry it may be, with the evidence.
    expect(card).to_contain_text("市场监管局 · SJ1")
    expect(card).to_contain_text("盐城市亭湖区南洋镇人民路3号")
    expect(card.get_by_role("link", name=e1.name)).to_be_visible()
    expect(card).to_contain_text(e1.address)
    evidence = card.get_by_test_id("evidence")
    expect(evidence.locator("tbody tr")).to_have_count(len(pair.evidence))
    expect(evidence.get_by_text("支持").first).to_be_visible()
    # Each comparison in words: the same trade name speaks for, the missing representative is noted.
    trade = evidence.get_by_role("row", name=re.compile("^字号"))
    expect(trade).to_contain_text("相同")
    expect(trade).to_contain_text("支持")
    expect(evidence.get_by_role("row", name=re.compile("^法定代表人"))).to_contain_text("一方缺失")
    expect(evidence).not_to_contain_text("trade_name")

    label = "是同一主体" if decision == "match" else "不是同一主体"
    card.get_by_role("button", name=label, exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("审核结论已保存")
    expect(page.get_by_test_id("review-count")).to_contain_text("共 1 对")
    expect(page.get_by_test_id("review-pair").filter(has_text="市场主体登记")).to_have_count(0)
    page.get_by_role("link", name="已判定为同一主体" if decision == "match" else "已判定为不同主体").click()
    expect(page.get_by_test_id("review-pair")).to_contain_text(label)

    page.goto(f"/entities/{e1.pk}/")
    view = page.get_by_test_id("entity-360")
    records = view.get_by_test_id("source-records")
    if decision == "match":
        expect(view.get_by_test_id("in-base")).to_be_visible()
        expect(records).to_contain_text("SJ1")
        expect(records).to_contain_text("人工审核")
        expect(view.get_by_test_id("base-events")).to_contain_text("市场监管局")
    else:
        expect(view).to_contain_text("未入库")
        expect(records).not_to_contain_text("SJ1")
    assert (SourceRecord.objects.get(local_id="SJ1").entity_id == e1.pk) is (decision == "match")


# The base list filters by key domain and department --------------------------------------------------


def test_base_list_filters_by_key_domain_and_department(page: Page, live_city: dict[str, Any]) -> None:
    city = live_city
    e = city["entities"]
    _import(city, "scjg", csv_bytes(SCJG_HEADER, [scjg_row(e[1], "SJ1"), scjg_row(e[2], "SJ2")]))
    _import(city, "sthj", csv_bytes(STHJ_HEADER, [sthj_row(e[1], "WR1"), sthj_row(e[4], "WR4")]))
    _import(city, "yjgl", csv_bytes(STHJ_HEADER, [sthj_row(e[2], "YJ2"), sthj_row(e[4], "YJ4")]))
    # Need-to-know (issue 17 item 6): a department's user is told of its own department only, and
    # may filter by its own list only.
    _login(page, "staff")
    page.goto(reverse("linking:base"))
    table = page.get_by_test_id("base-table")
    expect(page.get_by_test_id("base-count")).to_contain_text("共 3 个主体")
    expect(table.get_by_role("row", name=re.compile(e[1].name))).to_contain_text("2:市场监管局等")
    expect(table.get_by_role("row", name=re.compile(e[4].name))).to_contain_text("2:—")
    options = page.get_by_label("部门", exact=True).locator("option").all_inner_texts()
    assert options == ["全部部门", "市场监管局"]
    page.context.clear_cookies()
    # The big-data bureau sees every department's list.
    _login(page, "reviewer")
    page.goto(reverse("linking:base"))
    # Departments are named, not coded.
    expect(table.get_by_role("row", name=re.compile(e[1].name))).to_contain_text("2:市场监管局、生态环境局")

    def names() -> list[str]:
        return sorted(table.locator("tbody tr td:first-child a").all_inner_texts())

    page.get_by_label("重点领域").select_option(label="食品")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_test_id("base-count")).to_contain_text("共 1 个主体")
    assert names() == [e[1].name]
    page.get_by_label("重点领域").select_option(label="全部领域")
    page.get_by_label("部门", exact=True).select_option(label="应急管理局")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_test_id("base-count")).to_contain_text("共 2 个主体")
    assert names() == sorted([e[2].name, e[4].name])
    page.get_by_label("重点领域").select_option(label="危险化学品")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_test_id("base-count")).to_contain_text("共 1 个主体")
    assert names() == [e[2].name]
    # The filters survive in the URL (a bookmarkable key-domain library) and in the form.
    assert "domain=hazchem" in page.url and "department=yjgl" in page.url
    expect(page.get_by_label("部门", exact=True).locator("option:checked")).to_have_text("应急管理局")
    table.get_by_role("link", name=e[2].name).click()
    expect(page.get_by_test_id("entity-360").get_by_test_id("in-base")).to_be_visible()


# A wrong merge is split from the entity page ---------------------------------------------------------


def test_wrong_merge_is_split_from_the_entity_page(page: Page, live_city: dict[str, Any]) -> None:
    city = live_city
    e1 = city["entities"][1]
    _import(city, "scjg", csv_bytes(SCJG_HEADER, [scjg_row(e1, "SJ1")]))
    _import(city, "sthj", csv_bytes(STHJ_HEADER, [sthj_row(e1, "WR1")]))
    _login(page, "reviewer")
    page.goto(f"/entities/{e1.pk}/")
    view = page.get_by_test_id("entity-360")
    expect(view.get_by_test_id("in-base")).to_be_visible()
    records = view.get_by_test_id("source-records")
    # Nothing ticked: a clear message, nothing moves.
    view.get_by_role("button", name="将选中记录拆分为新主体").click()
    expect(page.get_by_role("status")).to_contain_text("请勾选要拆出的记录")
    records.get_by_role("row", name=re.compile("WR1")).get_by_role("checkbox").check()
    view.get_by_role("button", name="将选中记录拆分为新主体").click()
    expect(page.get_by_role("status")).to_contain_text("已拆分为新主体")
    new_id = SourceRecord.objects.get(local_id="WR1").entity_id
    assert new_id != e1.pk
    expect(page).to_have_url(re.compile(rf"/entities/{new_id}/$"))
    view = page.get_by_test_id("entity-360")
    expect(view).to_contain_text("仅见于部门名录")
    expect(view.get_by_test_id("source-records")).to_contain_text("WR1")
    expect(view.get_by_test_id("source-records")).to_contain_text("人工拆分")

    page.goto(f"/entities/{e1.pk}/")
    view = page.get_by_test_id("entity-360")
    expect(view).to_contain_text("未入库")
    expect(view.get_by_test_id("source-records")).not_to_contain_text("WR1")
    expect(view.get_by_test_id("base-events")).to_contain_text("出库")


# Users without the capability are refused by the server -------------------------------------------


def test_users_without_the_capability_are_refused(
    browser: Browser, live_server: Any, live_city: dict[str, Any]
) -> None:
    city = live_city
    e1 = city["entities"][1]
    _import(city, "scjg", csv_bytes(SCJG_HEADER, [scjg_row(e1, "SJ1")]))
    _import(city, "sthj", csv_bytes(STHJ_HEADER, [sthj_row(e1, "WR1")]))
    User.objects.create_user(
        username="officer", password="x", role=User.Role.OFFICER, department=city["depts"]["scjg"]
    )
    wr1 = SourceRecord.objects.get(local_id="WR1")
    lists_before = SourceList.objects.count()

    staff = new_page(browser, live_server)
    officer = new_page(browser, live_server)
    try:
        _login(staff, "staff")
        # No review link for department staff, and the page itself answers 403.
        expect(
            staff.get_by_role("navigation", name="主导航").get_by_role("link", name="关联审核")
        ).to_have_count(0)
        resp = staff.goto(reverse("linking:review"))
        assert resp is not None and resp.status == 403
        expect(staff.get_by_role("heading", name="无权访问")).to_be_visible()
        # The entity page offers no split to staff, and a hand-made split is refused.
        staff.goto(f"/entities/{e1.pk}/")
        expect(staff.get_by_test_id("entity-360")).to_be_visible()
        expect(staff.get_by_test_id("source-records").get_by_role("checkbox")).to_have_count(0)
        assert _forged_post(staff, reverse("linking:split", args=[e1.pk]), {"records": str(wr1.pk)}) == 403
        # Another department's list cannot be imported, even by a hand-made request.
        status = _forged_post(
            staff,
            reverse("linking:import"),
            {
                "department": "sthj",
                "file": {
                    "name": "x.csv",
                    "mimeType": "text/csv",
                    "buffer": csv_bytes(STHJ_HEADER, [sthj_row(e1, "WR9")]),
                },
            },
        )
        assert status == 403

        # An enforcement officer may not import lists at all.
        _login(officer, "officer")
        resp = officer.goto(reverse("linking:import"))
        assert resp is not None and resp.status == 403
        expect(officer.get_by_role("heading", name="无权访问")).to_be_visible()
        pair_url = reverse("linking:review_decide", args=[1])
        assert _forged_post(officer, pair_url, {"decision": "match"}) == 403
    finally:
        staff.context.close()
        officer.context.close()
    wr1.refresh_from_db()
    assert wr1.entity_id == e1.pk
    assert SourceList.objects.count() == lists_before
    assert not SourceRecord.objects.filter(local_id="WR9").exists()


# At phone width ------------------------------------------------------------------------------------


def test_pages_work_at_phone_width(browser: Browser, live_server: Any, live_city: dict[str, Any]) -> None:
    city = live_city
    e1 = city["entities"][1]
    _review_pair(city)
    reviewer = new_page(browser, live_server, **PHONE)
    staff = new_page(browser, live_server, **PHONE)
    try:
        _login(reviewer, "reviewer")
        for url in (reverse("linking:base"), reverse("linking:review"), f"/entities/{e1.pk}/"):
            reviewer.goto(url)
            width = page_width(reviewer)
            assert width <= 390, (url, width)
        reviewer.goto(reverse("linking:review"))
        button = reviewer.get_by_role("button", name="是同一主体", exact=True).first
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        button.click()
        expect(reviewer.get_by_role("status")).to_contain_text("审核结论已保存")

        _login(staff, "staff")
        staff.goto(reverse("linking:import"))
        assert page_width(staff) <= 390
        staff.get_by_label("名录文件").set_input_files(
            {
                "name": "scjg.csv",
                "mimeType": "text/csv",
                "buffer": csv_bytes(SCJG_HEADER, [scjg_row(city["entities"][2], "SJ2")]),
            }
        )
        staff.get_by_role("button", name="预览", exact=True).click()
        expect(staff.get_by_test_id("import-mapping")).to_be_visible()
        assert page_width(staff) <= 390
        staff.get_by_role("button", name="确认导入").click()
        expect(staff.get_by_test_id("import-result")).to_be_visible()
        assert page_width(staff) <= 390
    finally:
        reviewer.context.close()
        staff.context.close()
