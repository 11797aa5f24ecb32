"""Jobs: submit, run by the (in-process) worker, progress, cancel, failure, visibility."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django_tasks import task

from crossreg.core.errors import Forbidden, Invalid
from crossreg.jobs.models import JobRun
from crossreg.jobs.services import JobCancelled, job_body, job_cancel, job_progress, job_start, job_submit
from crossreg.jobs.tasks import selftest_task
from crossreg.ledger.models import Entry
from crossreg.orgs.models import User
from crossreg.orgs.tests.factories import DepartmentFactory
from crossreg.testing.jobs import run_queued

pytestmark = pytest.mark.django_db


@task()
@job_body
def failing_task(job: JobRun, *, rows: int) -> None:
    job_progress(job, done=1, total=rows, force=True)
    raise Invalid("第 2 行：统一社会信用代码无效", field="uscc")


@task()
@job_body
def crashing_task(job: JobRun) -> None:
    raise RuntimeError("boom")


@pytest.fixture
def people() -> dict[str, Any]:
    d = DepartmentFactory.create(code="scjg")
    other = DepartmentFactory.create(code="sthj")
    return {
        "me": User.objects.create_user(username="me", password="x", role=User.Role.STAFF, department=d),
        "peer": User.objects.create_user(username="peer", password="x", role=User.Role.STAFF, department=d),
        "dadmin": User.objects.create_user(
            username="da", password="x", role=User.Role.DEPT_ADMIN, department=d
        ),
        "far": User.objects.create_user(username="far", password="x", role=User.Role.STAFF, department=other),
    }


def submit(actor: Any, t: Any = selftest_task, **kwargs: Any) -> JobRun:
    return job_submit(
        actor=actor, kind="jobs.selftest.run", title="自检", task=t, kwargs=kwargs, department_id="scjg"
    )


def test_a_submitted_job_runs_on_the_worker_with_progress_and_a_ledger_entry(
    people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = submit(people["me"], steps=3, pause=0)
    job.refresh_from_db()
    assert job.state == JobRun.State.QUEUED and job.task_id  # enqueued on commit, not run
    run_queued()
    job.refresh_from_db()
    assert job.state == JobRun.State.SUCCEEDED
    assert (job.progress_done, job.progress_total, job.counts) == (3, 3, {"steps": 3})
    assert job.started_at and job.finished_at and job.started_by == people["me"]
    assert job.ledger_seq is not None
    entry = Entry.objects.get(seq=job.ledger_seq)
    assert entry.action == "job.succeeded" and entry.subject_id == str(job.pk)


def test_nothing_is_enqueued_when_the_submitting_transaction_rolls_back(
    people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit(people["me"])
    assert len(callbacks) == 1 and not DBTaskResult.objects.exists()


def test_a_job_cancelled_while_queued_never_runs(
    people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = submit(people["me"], steps=3, pause=0)
    job_cancel(actor=people["me"], job_id=job.pk)
    run_queued()
    job.refresh_from_db()
    assert job.state == JobRun.State.CANCELLED and job.progress_done == 0


def test_a_running_job_stops_at_its_next_progress_report(people: dict[str, Any]) -> None:
    job = job_start(kind="x.y.z", title="t", actor=people["me"])
    job_progress(job, done=1, total=10, force=True)
    job_cancel(actor=people["me"], job_id=job.pk)
    with pytest.raises(JobCancelled):
        job_progress(job, done=2, force=True)


def test_only_the_starter_or_an_admin_may_cancel(people: dict[str, Any]) -> None:
    job = job_start(kind="x.y.z", title="t", actor=people["me"])
    with pytest.raises(Forbidden):
        job_cancel(actor=people["peer"], job_id=job.pk)
    admin = User.objects.create_user(username="root", password="x", role=User.Role.ADMIN)
    assert job_cancel(actor=admin, job_id=job.pk).cancel_requested


def test_bad_input_fails_the_job_with_the_problems_named(
    people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = submit(people["me"], t=failing_task, rows=5)
        crash = submit(people["me"], t=crashing_task)
    run_queued()
    job.refresh_from_db()
    crash.refresh_from_db()
    assert job.state == JobRun.State.FAILED
    assert job.errors == [{"message": "第 2 行：统一社会信用代码无效", "field": "uscc"}]
    assert crash.state == JobRun.State.FAILED and "RuntimeError: boom" in crash.message


def test_people_see_their_own_jobs_and_a_department_admin_the_departments(
    people: dict[str, Any], client: Any
) -> None:
    job = job_start(kind="x.y.z", title="我的导入", actor=people["me"], department_id="scjg")
    for name, sees in [("me", True), ("peer", False), ("dadmin", True), ("far", False)]:
        client.force_login(people[name])
        listing = client.get(reverse("jobs:list")).content.decode()
        assert ("我的导入" in listing) is sees, name
        assert client.get(reverse("jobs:progress", args=[job.pk])).status_code == (200 if sees else 404)


def test_the_progress_partial_polls_until_the_job_ends(people: dict[str, Any], client: Any) -> None:
    job = job_start(kind="x.y.z", title="导入", actor=people["me"])
    job_progress(job, done=4, total=10, force=True)
    client.force_login(people["me"])
    html = client.get(reverse("jobs:progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html and 'value="4"' in html and "4 / 10 (40%)" in html
    client.post(reverse("jobs:cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.cancel_requested
