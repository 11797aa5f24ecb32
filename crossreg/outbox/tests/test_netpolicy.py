"""A department's webhook may not point the worker at the platform's own network (SSRF)."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from crossreg.core.errors import Invalid
from crossreg.orgs.permissions import Principal
from crossreg.outbox import netpolicy, services
from crossreg.outbox.models import Delivery, Target
from crossreg.outbox.receiver import Receiver
from crossreg.outbox.tests.factories import SECRET, admin, department, dept_admin, publish

pytestmark = pytest.mark.django_db


def _hook(user: Any, dept: Any, url: str, code: str = "mine") -> Target:
    return services.target_create(
        actor=user,
        principal=Principal.of(user),
        code=code,
        name="我的系统",
        kind="webhook",
        department=dept,
        url=url,
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5432/",  # the database on the worker's loopback
        "http://localhost:15672/api/",  # the broker's admin
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://[::1]:6379/",
        "http://[::ffff:127.0.0.1]/",  # loopback dressed as IPv6
        "http://0.0.0.0:8000/",
        "http://10.1.2.3/hook",  # a private network the city has not listed
        "http://192.168.1.10/hook",
        "http://no-such-host.invalid/hook",
    ],
)
def test_a_department_admin_may_not_point_a_webhook_inside(url: str) -> None:
    scjg = department()
    with pytest.raises(Invalid) as e:
        _hook(dept_admin(scjg), scjg, url)
    assert e.value.problems[0].field == "url" and e.value.problems[0].code == "network_policy"
    assert not Target.objects.exists()


def test_public_and_listed_networks_are_allowed(settings: Any) -> None:
    scjg = department()
    boss = dept_admin(scjg)
    assert _hook(boss, scjg, "http://1.2.3.4/hook", "public").network_restricted
    settings.CROSSREG = {**settings.CROSSREG, "OUTBOX_WEBHOOK_ALLOWED_NETWORKS": ["10.20.0.0/16"]}
    assert _hook(boss, scjg, "http://10.20.3.4/hook", "extranet").network_restricted
    with pytest.raises(Invalid):
        _hook(boss, scjg, "http://10.21.3.4/hook", "outside")


def test_a_system_administrator_is_not_restricted() -> None:
    scjg = department()
    t = _hook(admin(), scjg, "http://127.0.0.1:9/hook")
    assert not t.network_restricted


def test_an_update_by_a_department_admin_is_checked_and_restricts_the_target() -> None:
    scjg = department()
    t = _hook(admin(), scjg, "http://127.0.0.1:9/hook")
    boss = dept_admin(scjg)
    with pytest.raises(Invalid):
        services.target_update(
            actor=boss, principal=Principal.of(boss), target=t, url="http://127.0.0.1:10/h"
        )
    t.refresh_from_db()
    assert t.url == "http://127.0.0.1:9/hook" and not t.network_restricted


def test_the_policy_is_checked_again_before_delivery(settings: Any) -> None:
    """An address allowed when set but refused now (the name resolves elsewhere, or the city
    narrowed its networks) is not contacted: the deliveries fail with the reason and wait."""
    scjg = department()
    settings.CROSSREG = {**settings.CROSSREG, "OUTBOX_WEBHOOK_ALLOWED_NETWORKS": ["127.0.0.0/8"]}
    with Receiver(SECRET) as rx:
        boss = dept_admin(scjg)
        t = _hook(boss, scjg, rx.url)
        t.secret = SECRET
        t.save()
        services.subscription_create(
            actor=boss, principal=Principal.of(boss), target=t, event_type="*", scope="department"
        )
        publish(2)
        settings.CROSSREG = {**settings.CROSSREG, "OUTBOX_WEBHOOK_ALLOWED_NETWORKS": []}
        services.outbox_deliver_batch(worker="test")
        assert rx.store.events() == []
    waiting = Delivery.objects.filter(target=t)
    assert waiting.count() == 2 and all("network policy" in d.last_error for d in waiting)
    assert not waiting.filter(state="delivered").exists()


def test_address_rules() -> None:
    refuse = netpolicy.address_refusal
    assert refuse(ipaddress.ip_address("8.8.8.8"), ()) is None
    assert refuse(ipaddress.ip_address("127.0.0.2"), ()) is not None
    assert refuse(ipaddress.ip_address("172.16.5.5"), ()) is not None
    assert refuse(ipaddress.ip_address("172.16.5.5"), (ipaddress.ip_network("172.16.0.0/12"),)) is None
    assert refuse(ipaddress.ip_address("fd00::1"), ()) is not None
