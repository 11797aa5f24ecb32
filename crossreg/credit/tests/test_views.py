"""Credit pages: the explained page (public masked, enterprise by code, staff), panels, models."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from crossreg.credit import services
from crossreg.credit.models import RepairApplication
from crossreg.credit.tests.factories import credit_city, publish_demo_model

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def city() -> dict[str, Any]:
    c = credit_city()
    publish_demo_model(c["departments"]["fgw"])
    e = c["hengda"]
    c["penalty"] = services.credit_event_record(
        actor="system:test",
        entity=e,
        kind="penalty",
        occurred_on=TODAY,
        source_type="case",
        source_id="盐市监罚〔2026〕3号",
        severity="ordinary",
        reason="未按规定公示许可信息",
        department_id="smr",
    )
    c["minor"] = services.credit_event_record(
        actor="system:test",
        entity=e,
        kind="complaint_justified",
        occurred_on=TODAY,
        source_type="complaint",
        source_id="TS-9",
        severity="minor",
        reason="投诉查实：价格欺诈",
        department_id="eeb",
    )
    services.credit_evaluate_all(actor="system:test", as_of=TODAY)
    return c


def _points(html: str) -> list[float]:
    return [float(x) for x in re.findall(r'data-testid="line-points">([-0-9.]+)<', html)]


def test_public_page_explains_the_grade_and_points_add_up(city: dict[str, Any], client: Client) -> None:
    e = city["hengda"]
    r = client.get(f"/credit/entities/{e.pk}/")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'data-testid="grade">D<' in html  # 1000 − 150 − 25 = 825 < 850
    assert "未按规定公示许可信息" in html  # the published penalty, with its reason
    assert "价格欺诈" not in html  # a minor record is not published
    assert "未公示的记录" in html  # … but its points are shown, so the sum is right
    assert "张伟明" not in html and "张*" in html.replace("张**", "张*")  # legal rep masked
    score = float(re.search(r"得分 ([0-9.]+) 分", html).group(1))  # type: ignore[union-attr]
    assert round(1000 + sum(_points(html)), 2) == score


def test_enterprise_reads_its_own_full_record_with_its_code(city: dict[str, Any], client: Client) -> None:
    e = city["hengda"]
    code = services.access_code_issue(actor="system:test", entity=e)
    r = client.post("/credit/self/", {"uscc": e.uscc, "code": "WRONG"})
    assert "查询码不正确" in r.content.decode()
    r = client.post("/credit/self/", {"uscc": e.uscc, "code": code}, follow=True)
    html = r.content.decode()
    assert "价格欺诈" in html and "申请信用修复" in html
    r = client.post(
        f"/credit/entities/{e.pk}/repair/",
        {"event": city["penalty"].pk, "correction": "已整改", "commitment_text": "承诺守法经营"},
        follow=True,
    )
    assert "修复申请已提交" in r.content.decode()
    assert RepairApplication.objects.filter(event=city["penalty"], status="submitted").exists()


def test_staff_see_their_departments_view(city: dict[str, Any], client: Client) -> None:
    client.force_login(city["staff"])  # market regulator staff
    html = client.get(f"/credit/entities/{city['hengda'].pk}/").content.decode()
    assert "未按规定公示许可信息" in html and "价格欺诈" not in html  # eeb's unpublished record
    client.force_login(city["credit_user"])
    assert "价格欺诈" in client.get(f"/credit/entities/{city['hengda'].pk}/").content.decode()


def test_entity_and_dashboard_panels(city: dict[str, Any], client: Client) -> None:
    client.force_login(city["leader"])
    html = client.get(f"/entities/{city['hengda'].pk}/").content.decode()
    assert 'data-testid="credit-panel"' in html and "/credit/entities/" in html
    html = client.get("/dashboard/").content.decode()
    assert 'data-testid="credit-distribution"' in html
    client.force_login(city["staff"])
    assert 'data-testid="credit-distribution"' not in client.get("/dashboard/").content.decode()


def test_model_page_shows_rules_and_diff(city: dict[str, Any], client: Client) -> None:
    r = client.get("/credit/models/public~v1/")
    html = r.content.decode()
    assert r.status_code == 200 and "行政处罚（一般）：每条 -100 分 × 权重 1.5" in html


def test_repair_review_by_department_head(city: dict[str, Any], client: Client) -> None:
    app = services.repair_apply(
        actor="enterprise:x", event=city["penalty"], correction="已整改", commitment_text="承诺"
    )
    client.force_login(city["staff"])
    r = client.get(f"/credit/repairs/{app.pk}/")
    assert r.status_code == 200 and 'data-testid="approve"' not in r.content.decode()
    client.force_login(city["head"])
    r = client.post(f"/credit/repairs/{app.pk}/", {"action": "refuse", "reason": ""}, follow=True)
    assert "reason" in r.content.decode()
    r = client.post(f"/credit/repairs/{app.pk}/", {"action": "approve"}, follow=True)
    assert "已准予修复" in r.content.decode()


def test_credit_page_in_english(city: dict[str, Any], client: Client) -> None:
    client.cookies["django_language"] = "en"
    html = client.get(f"/credit/entities/{city['hengda'].pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Credit grade" in html and "(Ordinary): -100 points each × weight 1.5" in html
