"""The outbox's promises: in-transaction events, signed delivery, at least once, in order per subject,
retries then the error queue, replay."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from typing import Any

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from crossreg.core.events import domain_event_publish
from crossreg.ledger.models import Entry
from crossreg.orgs.permissions import Principal
from crossreg.outbox import services
from crossreg.outbox.models import Delivery, DeliveryAttempt, OutboxEvent
from crossreg.outbox.receiver import Receiver, Store
from crossreg.outbox.senders import webhook_headers
from crossreg.outbox.tests.factories import SECRET, admin, department, dept_admin, publish, webhook_target

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_retries(settings: Any) -> None:
    settings.CROSSREG = {
        **settings.CROSSREG,
        "OUTBOX_BACKOFF_BASE": 0.0,
        "OUTBOX_MAX_ATTEMPTS": 3,
        "OUTBOX_TIMEOUT": 0.5,
        "OUTBOX_SEND_THREADS": 4,
    }


def drain(rounds: int = 50) -> None:
    for _ in range(rounds):
        if not services.outbox_deliver_batch(worker="test"):
            return


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the sink ------------------------------------------------------------------------------------


def test_an_action_rolled_back_leaves_no_event() -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        domain_event_publish(type="case.decision.made", subject="case/1", data={"x": 1}, department_id="scjg")
        assert OutboxEvent.objects.count() == 1  # written inside the action's transaction …
        raise Boom
    assert OutboxEvent.objects.count() == 0  # … and gone with it


def test_a_committed_event_is_a_cloudevents_envelope() -> None:
    with transaction.atomic():
        ev = domain_event_publish(
            type="credit.grade.changed",
            subject="entity/42",
            data={"old": "B", "new": "C"},
            department_id="fgw",
            entity_id=42,
        )
    env = OutboxEvent.objects.get().envelope()
    assert env["specversion"] == "1.0"
    assert env["id"] == ev.id
    assert env["type"] == "credit.grade.changed"
    assert env["subject"] == "entity/42"
    assert env["source"].startswith("urn:crossreg")
    assert env["datacontenttype"] == "application/json"
    assert env["time"].endswith("Z")
    assert env["department"] == "fgw" and env["entityid"] == "42"
    assert env["data"] == {"old": "B", "new": "C"}


# --- subscriptions ---------------------------------------------------------------------------------


def test_a_department_target_gets_its_own_events_and_listed_entities_only(monkeypatch: Any) -> None:
    scjg = department("scjg", "市场监管局")
    department("yjgl", "应急管理局")
    own = webhook_target(scjg, "http://127.0.0.1:9/own", code="own", event_type="case.*", scope="department")
    listed = webhook_target(
        scjg, "http://127.0.0.1:9/listed", code="listed", event_type="credit.grade.changed", scope="listed"
    )
    # a fake object base for this test only (the exchange registers the real one)
    monkeypatch.setitem(
        services._SCOPE_RESOLVERS,
        "listed",
        lambda dept, ids: {i for i in ids if i == 7} if dept == "scjg" else set(),
    )
    with transaction.atomic():
        domain_event_publish(type="case.decision.made", subject="case/a", data={}, department_id="scjg")
        domain_event_publish(type="case.decision.made", subject="case/b", data={}, department_id="yjgl")
        domain_event_publish(type="credit.grade.changed", subject="entity/7", data={}, entity_id=7)
        domain_event_publish(type="credit.grade.changed", subject="entity/8", data={}, entity_id=8)
    services.outbox_fan_out()
    assert list(Delivery.objects.filter(target=own).values_list("subject", flat=True)) == ["case/a"]
    assert list(Delivery.objects.filter(target=listed).values_list("subject", flat=True)) == ["entity/7"]


def test_a_department_admin_cannot_take_every_departments_events(settings: Any) -> None:
    from crossreg.core.errors import Forbidden, Invalid

    # the city's department systems live on the e-government extranet
    settings.CROSSREG = {**settings.CROSSREG, "OUTBOX_WEBHOOK_ALLOWED_NETWORKS": ["10.0.0.0/8"]}
    scjg = department("scjg", "市场监管局")
    yjgl = department("yjgl", "应急管理局")
    boss = dept_admin(scjg)
    p = Principal.of(boss)
    t = services.target_create(
        actor=boss,
        principal=p,
        code="mine",
        name="我的系统",
        kind="webhook",
        department=scjg,
        url="http://10.0.0.1/h",
    )
    assert t.secret.startswith("whsec_")
    with pytest.raises(Invalid) as e:
        services.subscription_create(actor=boss, principal=p, target=t, event_type="*", scope="all")
    assert e.value.problems[0].field == "scope"
    with pytest.raises(Forbidden):
        services.target_create(
            actor=boss,
            principal=p,
            code="theirs",
            name="别人的",
            kind="webhook",
            department=yjgl,
            url="http://x/h",
        )


# --- delivery --------------------------------------------------------------------------------------


def test_webhook_is_signed_per_standard_webhooks_and_receipt_is_in_the_ledger() -> None:
    scjg = department()
    with Receiver(SECRET) as rx:
        webhook_target(scjg, rx.url)
        ids = publish(3)
        drain()
        assert sorted(e["id"] for e in rx.store.events()) == sorted(ids)  # subjects go in parallel
        assert rx.store.bad_signatures == 0
    assert Delivery.objects.filter(state="delivered").count() == 3
    receipt = Entry.objects.filter(action="outbox.delivery.receipt").order_by("-pk").first()
    assert receipt is not None
    assert sorted(d[0] for d in receipt.payload["deliveries"]) == sorted(ids)
    assert receipt.payload["count"] == 3


def test_a_receiver_refuses_a_forged_signature() -> None:
    body = b'{"id":"x"}'
    headers = webhook_headers("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY", "msg_1", body)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body, headers)
    Webhook(SECRET).verify(body, webhook_headers(SECRET, "msg_1", body))


def test_end_to_end_receiver_goes_down_and_holds_every_event_once_in_order_per_subject(settings: Any) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "OUTBOX_MAX_ATTEMPTS": 50}
    scjg = department()
    port = free_port()
    store = Store()
    rx = Receiver(SECRET, port=port, store=store).start()
    target = webhook_target(scjg, rx.url)
    first = publish(10, subjects=3)
    drain()
    assert len(store.events()) == 10
    rx.stop()  # the department's system goes down for a while
    second = publish(20, subjects=3)
    for _ in range(5):
        services.outbox_deliver_batch(worker="test")
    assert Delivery.objects.filter(target=target, state="pending").count() == 20
    assert Delivery.objects.filter(target=target, state="pending", attempts__gt=0).count() >= 3
    waiting = Delivery.objects.filter(target=target, state="pending", attempts__gt=0).first()
    assert waiting is not None and "connection refused" in waiting.last_error
    rx = Receiver(SECRET, port=port, store=store).start()  # back up, same address
    try:
        drain()
    finally:
        rx.stop()
    got = store.events()
    assert sorted(e["id"] for e in got) == sorted(first + second)  # every event, exactly once
    assert len({e["id"] for e in got}) == len(got)
    sent_order = first + second
    for subject in {e["subject"] for e in got}:
        received = [e["id"] for e in got if e["subject"] == subject]
        expected = [i for i in sent_order if i in set(received)]
        assert received == expected, f"{subject} out of order"
    assert store.bad_signatures == 0


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("500", "HTTP 500"), ("slow", "timeout"), ("garbage", "garbage")],
)
def test_a_bad_target_is_retried_then_queued_as_an_error_with_the_reason(mode: str, reason: str) -> None:
    scjg = department()
    with Receiver(SECRET) as rx:
        rx.mode = mode
        rx.slow_seconds = 2.0
        target = webhook_target(scjg, rx.url)
        publish(2, subjects=1)
        drain()
        d = Delivery.objects.filter(target=target).order_by("event_id")
        first, second = d[0], d[1]
        assert first.state == "failed" and first.attempts == 3
        assert reason in first.last_error
        assert DeliveryAttempt.objects.filter(delivery=first).count() == 3
        # The later event of the same subject waits behind the failed one: never overtakes it.
        assert second.state == "pending" and second.attempts == 0
        # Fixed on the receiver's side, a person replays the error: both arrive, in order.
        rx.mode = "ok"
        root = admin()
        services.delivery_replay(actor=root, principal=Principal.of(root), deliveries=[first.pk])
        drain()
        assert [e["data"]["seq"] for e in rx.store.events()] == [0, 1]
    assert Entry.objects.filter(action="outbox.delivery.replayed").count() == 1
    assert Entry.objects.filter(action="outbox.delivery.failed").exists()


def test_claims_are_compare_and_set_a_second_claimer_gets_nothing() -> None:
    scjg = department()
    target = webhook_target(scjg, "http://127.0.0.1:9/h")
    publish(6, subjects=6)
    services.outbox_fan_out()
    _, a = services.delivery_claim(target=target, limit=100)
    _, b = services.delivery_claim(target=target, limit=100)
    assert len(a) == 6 and b == []
    # After the lease, a killed worker's deliveries are claimable again.
    later = services.delivery_claim(
        target=target, limit=100, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    )
    assert len(later[1]) == 6


def test_only_one_delivery_per_subject_is_in_flight() -> None:
    scjg = department()
    target = webhook_target(scjg, "http://127.0.0.1:9/h")
    publish(6, subjects=2)
    services.outbox_fan_out()
    _, a = services.delivery_claim(target=target, limit=100)
    # all six are due and none is blocked (nothing earlier is outstanding), so one claimer takes them
    # in event order; the sender then sends each subject's in order.
    assert [d.event.data["seq"] for d in a] == [0, 1, 2, 3, 4, 5]
    publish(2, subjects=2)
    services.outbox_fan_out()
    _, b = services.delivery_claim(target=target, limit=100)
    assert b == []  # their subjects have earlier deliveries in flight


def test_replay_is_refused_for_a_delivery_that_is_not_failed() -> None:
    from crossreg.core.errors import Conflict

    scjg = department()
    webhook_target(scjg, "http://127.0.0.1:9/h")
    publish(1)
    services.outbox_fan_out()
    root = admin()
    with pytest.raises(Conflict):
        services.delivery_replay(
            actor=root, principal=Principal.of(root), deliveries=[Delivery.objects.get().pk]
        )


def test_receiver_threads_are_independent() -> None:
    """Several subjects go in parallel; the receiver counts requests (sanity of the test receiver)."""
    scjg = department()
    with Receiver(SECRET) as rx:
        webhook_target(scjg, rx.url)
        publish(40, subjects=8)
        drain()
        assert len(rx.store.events()) == 40
        assert rx.store.requests == 40
        assert threading.active_count() >= 1
        assert json.loads(json.dumps(rx.store.events()[0]))["specversion"] == "1.0"
        assert time.time() > 0
