"""A worker killed (SIGKILL) in the middle of a delivery: the event is sent again by another worker with
the same idempotency key, and a receiver that honours it holds every event exactly once, in order.

Real processes: the workers are ``manage.py``-style subprocesses on a scratch database of the same
vendor as the test run (a scratch SQLite file, or a scratch PostgreSQL database next to the test
database), migrated first; the receiver is an HTTP server in this process.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from crossreg.outbox.receiver import Receiver
from crossreg.outbox.tests.factories import SECRET

ROOT = Path(settings.BASE_DIR)

SETUP = """
from django.db import transaction
from crossreg.core.events import domain_event_publish
from crossreg.orgs.models import Department, Division
from crossreg.outbox.models import Subscription, Target
city = Division.objects.create(code="320900", name="盐城市", level="city")
dept = Department.objects.create(code="scjg", name="市场监管局", short_name="市场监管", division=city)
t = Target.objects.create(code="hook", name="hook", kind="webhook", department=dept, url=URL, secret=SECRET)
Subscription.objects.create(target=t, event_type="*", scope="department")
for i in range(N):
    with transaction.atomic():
        domain_event_publish(type="test.thing.happened", subject=f"thing/{i % 4}", data={"seq": i}, department_id="scjg")
"""

WORKER = """
import time
from django.conf import settings
settings.CROSSREG.update({"OUTBOX_LEASE_SECONDS": 3.0, "OUTBOX_SEND_THREADS": 1, "OUTBOX_BACKOFF_BASE": 0.0,
                          "OUTBOX_TIMEOUT": 60.0})
time.sleep(WAIT)
from django.core.management import call_command
call_command("outbox_worker", "--until-idle" if UNTIL_IDLE else "--sleep=0.2", "--limit=5")
"""


def _script(body: str, **values: Any) -> str:
    head = "import os, django\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\ndjango.setup()\n"
    consts = "".join(f"{k} = {v!r}\n" for k, v in values.items())
    return head + consts + textwrap.dedent(body)


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[tuple[dict[str, str], Any]]:
    """Environment for subprocesses on a migrated scratch database, and a function running SQL on it."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CROSSREG_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    dropdb = None
    if connection.vendor == "postgresql":
        import psycopg

        s = connection.settings_dict
        name = f"{s['NAME']}_killed"
        base = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            c.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"{base}/{name}"

        def query(sql: str) -> list[tuple[Any, ...]]:
            with psycopg.connect(env["DATABASE_URL"]) as c:
                return list(c.execute(sql).fetchall())

        def dropdb() -> None:
            with psycopg.connect(f"{base}/postgres", autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        env["DATABASE_URL"] = ""

        def query(sql: str) -> list[tuple[Any, ...]]:
            with sqlite3.connect(tmp_path / "crossreg.sqlite3") as c:
                return list(c.execute(sql).fetchall())

    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    try:
        yield env, query
    finally:
        if dropdb is not None:
            dropdb()


def test_a_worker_killed_mid_delivery_never_makes_the_receiver_hold_an_event_twice(
    scratch: tuple[dict[str, str], Any],
) -> None:
    env, query = scratch
    n = 20
    with Receiver(SECRET) as rx:
        subprocess.run(
            [sys.executable, "-c", _script(SETUP, URL=rx.url, SECRET=SECRET, N=n)],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=120,
        )
        rx.hang_after = 7  # the 7th event is stored, then the answer never comes
        worker = subprocess.Popen(
            [sys.executable, "-c", _script(WORKER, WAIT=0, UNTIL_IDLE=False)], cwd=ROOT, env=env
        )
        try:
            assert rx.hung.wait(120), "the worker never reached the receiver"
            os.kill(worker.pid, signal.SIGKILL)  # killed while waiting for the receiver's answer
            worker.wait(30)
        finally:
            if worker.poll() is None:
                worker.kill()
        assert worker.returncode == -signal.SIGKILL
        in_flight = query("SELECT count(*) FROM outbox_delivery WHERE state = 'sending'")[0][0]
        assert in_flight >= 1  # the killed worker's claim is still on the rows
        held_before = len(rx.store.events())
        assert held_before == 7
        rx.hang_after = None
        rx.release.set()

        # A second worker, after the lease: takes the killed worker's deliveries over and sends them
        # again — same webhook-id — then the rest.
        subprocess.run(
            [sys.executable, "-c", _script(WORKER, WAIT=3.5, UNTIL_IDLE=True)],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=180,
        )
        got = rx.store.events()
    assert len(got) == n
    assert len({e["id"] for e in got}) == n  # every event exactly once
    assert rx.store.duplicates >= 1  # the in-flight event really was sent twice
    for subject in {e["subject"] for e in got}:
        seqs = [e["data"]["seq"] for e in got if e["subject"] == subject]
        assert seqs == sorted(seqs), f"{subject} out of order: {seqs}"
    states = dict(query("SELECT state, count(*) FROM outbox_delivery GROUP BY state"))
    assert states == {"delivered": n}
    # time stays monotonic in the receipts: each delivered row has its delivery time
    assert query("SELECT count(*) FROM outbox_delivery WHERE delivered_at IS NULL")[0][0] == 0
    assert time.time() > 0
