"""The must-show end to end, against the real Mosquitto broker (127.0.0.1:1883), and a broker
restart that loses no acknowledged message (against a private Mosquitto on a spare port)."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.utils import timezone

from crossreg.clues import services
from crossreg.clues.models import Clue, ClueBundle, Reading
from crossreg.clues.mqtt import Listener, publish_all
from crossreg.clues.simulate import SimConfig, SimDevice, stream
from crossreg.clues.tests.factories import MN, clue_city
from crossreg.inspections.models import InspectionTask

pytestmark = pytest.mark.django_db

HOST, PORT = "127.0.0.1", 1883


def _broker_up(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


needs_broker = pytest.mark.skipif(
    not _broker_up(PORT), reason="needs Mosquitto on 127.0.0.1:1883 (.ci/run starts it)"
)


def _drain(lst: Listener, want: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while lst.stats.messages < want and time.monotonic() < deadline:
        lst.process_once()


@needs_broker
def test_simulator_over_mqtt_to_one_joint_task() -> None:
    city = clue_city()
    prefix = f"test-{uuid.uuid4().hex}"
    lst = Listener(
        host=HOST, port=PORT, topic=f"{prefix}/#", client_id=f"crossreg-test-{uuid.uuid4().hex[:8]}"
    )
    lst.start()
    try:
        assert lst.connected.wait(10)
        time.sleep(0.3)  # the subscription is in place
        start = (timezone.localtime() - dt.timedelta(hours=2)).replace(second=0, microsecond=0, tzinfo=None)
        cfg = SimConfig(seed=7, start=start, steps=80, force_exceed=frozenset({MN}), bad_packet_share=0.0)
        dev = city["device"]
        packets = list(stream(cfg, [SimDevice(MN, dev.entity_id, "")]))
        packets.append((MN, "##0010garbage!!!!\r\n"))  # a malformed packet on the wire
        n = publish_all(host=HOST, port=PORT, topic=prefix, payloads=((m, p.encode()) for m, p in packets))
        _drain(lst, n)
    finally:
        lst.stop()
    assert lst.stats.messages == n
    assert Reading.objects.filter(status="rejected", reject_code="truncated").count() == 1
    iot = Clue.objects.get(source="iot")
    assert iot.entity_id == city["factory"].pk and iot.rule is not None
    assert len(iot.explanation["readings"]) >= 30
    # a complaint about the same company joins the same bundle
    services.clue_raise(
        actor="system:test",
        source="complaint",
        source_ref=f"12345-{prefix}",
        entity_hint={"uscc": city["factory"].uscc},
        domain="food",
        risk_type="pollution_discharge",
        severity="medium",
        observed_from=iot.observed_from,
        observed_to=iot.observed_from,
        summary="群众反映企业排放口污水发黑",
        department_hint="smr",
    )
    bundle = ClueBundle.objects.get()
    assert bundle.clue_count == 2 and set(bundle.sources) == {"complaint", "iot"}
    task = InspectionTask.objects.get()
    assert task.entity_id == city["factory"].pk
    assert sorted(task.departments.values_list("department_id", flat=True)) == ["eeb", "smr"]
    assert bundle.task_code == task.code
    assert task.trigger == "clue" and task.joint
    # officers drawn by sampling's solver: two of the lead department, one of the other
    crew = sorted(task.officers.values_list("department_id", flat=True))
    assert sorted(set(crew)) == ["eeb", "smr"] and len(crew) == 3


@pytest.fixture
def private_broker() -> Iterator[tuple[int, Callable[[], None]]]:
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(exe).exists():
        pytest.skip("mosquitto is not installed")
    with socket.socket() as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    # Run as root, mosquitto drops to its own user, which must reach and write its database here
    # (pytest's tmp_path lies under a 0700 directory).
    tmp_path = Path(tempfile.mkdtemp(prefix="crossreg-mqtt-"))
    tmp_path.chmod(0o777)
    conf = tmp_path / "m.conf"
    conf.write_text(
        f"listener {port} {HOST}\nallow_anonymous true\npersistence true\n"
        f"persistence_location {tmp_path}/\nautosave_interval 1\n"
    )
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        procs.append(
            subprocess.Popen([exe, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
        for _ in range(50):
            if _broker_up(port):
                return
            time.sleep(0.1)
        raise RuntimeError("private mosquitto did not start")

    def restart() -> None:
        p = procs[-1]
        p.terminate()  # SIGTERM: mosquitto writes its persistence file and exits
        p.wait(10)
        start()

    start()
    yield port, restart
    for p in procs:
        if p.poll() is None:
            p.terminate()
            p.wait(10)
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_broker_restart_loses_no_acknowledged_message(private_broker: tuple[int, Callable[[], None]]) -> None:
    port, restart = private_broker
    clue_city()
    client_id = f"crossreg-restart-{uuid.uuid4().hex[:8]}"
    topic = "hj212"
    first = Listener(host=HOST, port=port, topic=f"{topic}/#", client_id=client_id)
    first.start()
    assert first.connected.wait(10)
    time.sleep(0.3)
    first.stop()  # the session (subscription) stays on the broker
    t0 = dt.datetime(2026, 3, 10, 8)
    from crossreg.clues.hj212 import packet_build

    payloads = [
        (
            MN,
            packet_build(
                mn=MN, cn="2051", data_time=t0 + dt.timedelta(minutes=i), values=[("w01018", 10.0, "N")]
            ).encode(),
        )
        for i in range(200)
    ]
    assert publish_all(host=HOST, port=port, topic=topic, payloads=payloads) == 200  # all PUBACKed
    restart()
    second = Listener(host=HOST, port=port, topic=f"{topic}/#", client_id=client_id)
    second.start()
    try:
        _drain(second, 200, timeout=30)
    finally:
        second.stop()
    assert Reading.objects.filter(status="accepted").count() == 200
