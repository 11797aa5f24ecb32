"""Pages: a department's admin manages its webhook, sees its failures and replays them; others see nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from crossreg.outbox import services as outbox
from crossreg.outbox.models import Delivery
from crossreg.outbox.receiver import Receiver
from crossreg.outbox.tests.factories import SECRET, admin, department, dept_admin, publish, webhook_target
from crossreg.web.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def one_attempt(settings: Any) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "OUTBOX_MAX_ATTEMPTS": 1, "OUTBOX_BACKOFF_BASE": 0.0}


def _drain() -> None:
    for _ in range(20):
        if not outbox.outbox_deliver_batch():
            return


def test_department_admin_sees_failure_and_replays_it(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    scjg = department()
    boss = dept_admin(scjg)
    with Receiver(SECRET) as rx:
        rx.mode = "500"
        target = webhook_target(scjg, rx.url)
        publish(3, subjects=3)
        _drain()
        client.force_login(boss)
        with django_assert_max_num_queries(15):
            page = client.get(reverse("exchange:index"))
        assert page.status_code == 200
        html = page.content.decode()
        assert target.name in html and "3 条失败" in html
        errors = client.get(reverse("exchange:errors")).content.decode()
        assert "HTTP 500" in errors
        failed = list(Delivery.objects.filter(state="failed").values_list("pk", flat=True))
        detail = client.get(reverse("exchange:delivery", args=[failed[0]])).content.decode()
        assert "specversion&quot;: &quot;1.0" in detail and "HTTP 500" in detail
        rx.mode = "ok"
        r = client.post(reverse("exchange:replay"), {"delivery": failed, "action": "replay"})
        assert r.status_code == 302
        _drain()
        assert len(rx.store.events()) == 3
    assert Delivery.objects.filter(state="delivered").count() == 3


def test_department_admin_creates_a_webhook_and_subscribes(client: Client, settings: Any) -> None:
    # the department's system is on the city's e-government extranet, which the city has listed
    settings.CROSSREG = {**settings.CROSSREG, "OUTBOX_WEBHOOK_ALLOWED_NETWORKS": ["10.0.0.0/8"]}
    scjg = department()
    client.force_login(dept_admin(scjg))
    r = client.post(
        reverse("exchange:target_new"),
        {
            "code": "scjg-sys",
            "name": "市场监管业务系统",
            "url": "https://10.1.2.3/hook",
            "event_type": "credit.grade.changed",
            "scope": "listed",
        },
    )
    assert r.status_code == 302
    page = client.get(reverse("exchange:target", args=["scjg-sys"])).content.decode()
    assert "credit.grade.changed" in page and "whsec_" in page
    bad = client.post(
        reverse("exchange:target_new"),
        {"code": "x", "name": "x", "url": "ftp://x", "event_type": "a.b.c", "scope": "listed"},
    )
    assert "http://" in bad.content.decode()
    inside = client.post(
        reverse("exchange:target_new"),
        {"code": "y", "name": "y", "url": "http://127.0.0.1:5432/", "event_type": "a.b.c", "scope": "listed"},
    )
    assert "127.0.0.1" in inside.content.decode() and "本机" in inside.content.decode()


def test_another_departments_admin_and_plain_staff_see_nothing(client: Client) -> None:
    scjg = department()
    other = department("yjgl", "应急管理局")
    webhook_target(scjg, "http://127.0.0.1:9/h", code="scjg-hook")
    client.force_login(dept_admin(other, "yjgl_admin"))
    assert client.get(reverse("exchange:target", args=["scjg-hook"])).status_code == 404
    assert "scjg-hook" not in client.get(reverse("exchange:index")).content.decode()
    client.force_login(UserFactory.create(username="staffer", department=scjg))
    assert client.get(reverse("exchange:index")).status_code == 403


def test_pages_in_english(client: Client) -> None:
    scjg = department()
    webhook_target(scjg, "http://127.0.0.1:9/h")
    client.force_login(admin())
    client.cookies["django_language"] = "en"
    html = client.get(reverse("exchange:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Data sharing" in html and "Targets" in html
