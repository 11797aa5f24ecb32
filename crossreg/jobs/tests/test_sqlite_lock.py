"""SQLite: while a job holds the write lock, a web request's write waits (WAL, busy_timeout,
BEGIN IMMEDIATE from the settings) instead of failing with "database is locked"."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from crossreg.jobs.models import WorkerHeartbeat

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'sqlite'"),
]


def _beat(worker_id: str) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id=worker_id, host="h", pid=1, started_at=now, seen_at=now)


def _job_holding_the_lock(holding: threading.Event, hold: float) -> threading.Thread:
    def job() -> None:
        try:
            with transaction.atomic():  # BEGIN IMMEDIATE: the write lock from the first statement
                _beat("job")
                holding.set()
                time.sleep(hold)
        finally:
            connections.close_all()

    t = threading.Thread(target=job)
    t.start()
    assert holding.wait(60)
    return t


def test_a_write_waits_for_the_jobs_transaction_instead_of_failing() -> None:
    t = _job_holding_the_lock(threading.Event(), 1.0)
    _beat("web")  # waits for the job's commit (busy_timeout 30 s), then writes
    t.join()
    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {"job", "web"}


def test_without_the_busy_timeout_the_same_write_fails() -> None:
    """The control: the settings' busy timeout is what makes the write above wait."""
    with connection.cursor() as c:
        c.execute("PRAGMA busy_timeout")
        assert c.fetchone() == (30000,)  # what the settings' init_command set
        c.execute("PRAGMA busy_timeout = 0")
    t = _job_holding_the_lock(threading.Event(), 2.0)
    try:
        with pytest.raises(OperationalError, match="locked"):
            _beat("web")
    finally:
        t.join()
        with connection.cursor() as c:
            c.execute("PRAGMA busy_timeout = 30000")
