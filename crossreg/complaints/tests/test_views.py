"""The pages: public submission (challenge, rate limit, attachment errors), receipt tracking,
the inbox (query count), the submission page's actions, rewards, statistics, English."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from crossreg.complaints.models import Submission
from crossreg.complaints.tests.factories import NAME, PHONE
from crossreg.complaints.tests.test_services import report

pytestmark = pytest.mark.django_db


def _challenge(client: Client) -> dict[str, str]:
    page = client.get(reverse("complaints:submit")).content.decode()
    a, b = map(int, re.search(r"(\d+) 加 (\d+) 等于几", page).groups())  # type: ignore[union-attr]
    token = re.search(r'name="challenge_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return {"challenge_answer": str(a + b), "challenge_token": token}


def _form(client: Client, **kw: str) -> dict[str, Any]:
    data = {
        "kind": "report",
        "entity_name": "盐城市鹤鸣小厨餐饮有限公司",
        "text": "后厨有老鼠，餐具不消毒",
        "contact_name": NAME,
        "contact_phone": PHONE,
        **_challenge(client),
    }
    data.update(kw)
    return data


def test_a_citizen_submits_and_follows_with_the_receipt_code(city: dict[str, Any]) -> None:
    c = Client()
    r = c.post(reverse("complaints:submit"), _form(c))
    assert r.status_code == 302
    sub = Submission.objects.get()
    page = c.get(r["Location"]).content.decode()
    assert sub.receipt_code in page and "已登记" in page
    anon = Client().get(reverse("complaints:track") + f"?code={sub.receipt_code.lower()}").content.decode()
    assert "已登记" in anon
    for html in (page, anon):
        assert NAME not in html and PHONE not in html and "鹤鸣小厨" not in html.split("<main")[0]


def test_a_wrong_or_replayed_challenge_is_refused(city: dict[str, Any]) -> None:
    c = Client()
    data = _form(c)
    bad = c.post(reverse("complaints:submit"), {**data, "challenge_answer": "99"})
    assert bad.status_code == 400 and "验证题答案不对" in bad.content.decode()
    assert c.post(reverse("complaints:submit"), data).status_code == 302
    again = c.post(reverse("complaints:submit"), data)
    assert again.status_code == 400 and "已经用过" in again.content.decode()
    assert Submission.objects.count() == 1


def test_the_rate_limit_lets_a_person_submit_twice_but_stops_a_flood(
    city: dict[str, Any], settings: Any
) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "COMPLAINT_RATE_LIMIT_PER_HOUR": 3}
    c = Client()
    codes = [
        c.post(reverse("complaints:submit"), _form(c, text=f"第{i}次反映：后厨有老鼠")).status_code
        for i in range(4)
    ]
    assert codes == [302, 302, 302, 429]
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(reverse("complaints:submit"), _form(other)).status_code == 302


def test_attachment_errors_are_clear(city: dict[str, Any]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = Client()
    data = _form(c)
    data["attachments"] = SimpleUploadedFile(
        "virus.exe", b"MZ\x90\x00", content_type="application/octet-stream"
    )
    r = c.post(reverse("complaints:submit"), data)
    assert r.status_code == 400 and "virus.exe" in r.content.decode() and "类型不允许" in r.content.decode()
    assert not Submission.objects.exists()


def test_no_entity_and_no_place_is_refused_naming_the_field(city: dict[str, Any]) -> None:
    c = Client()
    r = c.post(reverse("complaints:submit"), _form(c, entity_name="", place=""))
    assert r.status_code == 400 and "entity" in r.content.decode()


def test_the_inbox_lists_with_deadlines_in_few_queries(
    city: dict[str, Any], client: Client, django_assert_max_num_queries: Any
) -> None:
    for i in range(15):
        report(city, text=f"第{i}件 后厨卫生差")
    client.force_login(city["users"]["staff"])
    with django_assert_max_num_queries(12):
        r = client.get(reverse("complaints:inbox"))
    assert r.status_code == 200 and r.content.decode().count("complaints/s/") >= 15


def test_other_departments_see_nothing_and_contact_is_for_handlers(
    city: dict[str, Any], client: Client
) -> None:
    sub = report(city)
    client.force_login(city["users"]["mem_staff"])
    assert client.get(reverse("complaints:detail", args=[sub.receipt_code])).status_code == 404
    client.force_login(city["users"]["leader"])
    page = client.get(reverse("complaints:detail", args=[sub.receipt_code])).content.decode()
    assert PHONE not in page and NAME not in page and "仅承办部门可见" in page
    client.force_login(city["users"]["staff"])
    page = client.get(reverse("complaints:detail", args=[sub.receipt_code])).content.decode()
    assert PHONE in page


def test_staff_accept_and_the_history_shows_it(city: dict[str, Any], client: Client) -> None:
    sub = report(city)
    client.force_login(city["users"]["staff"])
    r = client.post(reverse("complaints:action", args=[sub.receipt_code]), {"transition": "accept"})
    assert r.status_code == 302
    sub.refresh_from_db()
    assert sub.state == "verifying"


def test_statistics_with_a_server_rendered_chart(city: dict[str, Any], client: Client) -> None:
    report(city)
    client.force_login(city["users"]["leader"])
    page = client.get(reverse("complaints:stats") + "?since=2026-01-01&until=2026-12-31").content.decode()
    assert "<svg" in page and "食品安全" in page and "<script" not in page.split("<main")[1]


def test_english(city: dict[str, Any]) -> None:
    c = Client()
    c.cookies["django_language"] = "en"
    page = c.get(reverse("complaints:submit")).content.decode()
    assert "Complaints and reports" in page


def test_the_entity_page_and_dashboard_show_the_panels(city: dict[str, Any], client: Client) -> None:
    sub = report(city)
    client.force_login(city["users"]["staff"])
    page = client.get(reverse("entity_detail", args=[city["restaurant"].pk])).content.decode()
    assert 'data-testid="panel-complaints"' in page and sub.receipt_code in page
    assert PHONE not in page
    client.force_login(city["users"]["mem_staff"])  # another department: nothing of ours
    page = client.get(reverse("entity_detail", args=[city["restaurant"].pk])).content.decode()
    assert sub.receipt_code not in page
    client.force_login(city["users"]["leader"])
    assert 'data-testid="panel-complaints"' in client.get(reverse("dashboard")).content.decode()
