"""The real worker process (``manage.py worker``) runs a queued job: no in-process shortcut."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from crossreg.jobs.models import JobRun
from crossreg.jobs.services import job_submit
from crossreg.jobs.tasks import selftest_task

ROOT = Path(__file__).resolve().parents[3]


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_the_worker_process_runs_a_submitted_job(tmp_path: Any) -> None:
    assert connection.vendor == "postgresql" or ":memory:" not in str(connection.settings_dict["NAME"])
    with transaction.atomic():
        job = job_submit(
            actor="system:test",
            kind="jobs.selftest.run",
            title="自检",
            task=selftest_task,
            kwargs={"steps": 3, "pause": 0.05},
        )
    env = {**os.environ, "DATABASE_URL": database_url(), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "manage.py", "worker", "--batch", "--interval", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    deadline = time.monotonic() + 10
    job.refresh_from_db()
    while job.state != JobRun.State.SUCCEEDED and time.monotonic() < deadline:
        time.sleep(0.1)
        job.refresh_from_db()
    assert job.state == JobRun.State.SUCCEEDED, (job.state, job.message, proc.stdout[-2000:])
    assert job.progress_done == 3 and job.task_id
