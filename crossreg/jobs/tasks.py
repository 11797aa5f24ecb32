"""The jobs app's own task: a harmless counted job the operators (and the tests) use to see that the
worker runs jobs and that progress reaches the pages (``crossreg jobs_selftest``)."""

from __future__ import annotations

import time

from django_tasks import task

from crossreg.jobs.models import JobRun
from crossreg.jobs.services import job_body, job_finish, job_progress


@task()
@job_body(kind="jobs.selftest.run", title="后台任务自检")
def selftest_task(job: JobRun, *, steps: int = 5, pause: float = 0.2) -> dict[str, int]:
    """Count to ``steps``, pausing between steps, reporting progress (and stopping when cancelled)."""
    for i in range(steps):
        time.sleep(pause)
        job_progress(job, done=i + 1, total=steps, force=True)
    job_finish(job, counts={"steps": steps})
    return {"steps": steps}


@task(queue_name="ledger")
@job_body(kind="ledger.checkpoint.scheduled", title="定时签发账本检查点")
def ledger_checkpoint_task(job: JobRun) -> dict[str, int]:
    """Sign the tree head if the log grew, publish the checkpoint as a file, and check — with a
    consistency proof — that the log still extends the previously published checkpoint. A failure
    fails the job and is logged at ERROR on ``crossreg.security`` (the alert), and /readyz shows it."""
    from crossreg.jobs.publish import checkpoint_publish_scheduled

    return checkpoint_publish_scheduled(job)


@task(queue_name="ledger")
@job_body(kind="ledger.verify.scheduled", title="定时核验账本")
def ledger_verify_task(job: JobRun) -> dict[str, int]:
    """``ledger verify --against`` the latest published checkpoint; a failure fails the job, raises
    the alert (ERROR on ``crossreg.security``) and turns /readyz red (crossreg.jobs.publish)."""
    from crossreg.jobs.publish import ledger_verify_scheduled

    return ledger_verify_scheduled(job)
