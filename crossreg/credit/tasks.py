"""Background jobs of credit: thin wrappers over services (django-tasks + crossreg.jobs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from crossreg.jobs.models import JobRun
from crossreg.jobs.services import job_body, job_finish, job_progress


@task()
@job_body(kind="credit.evaluate.all", title="全市信用评价")
def credit_evaluate_all_task(job: JobRun, *, as_of: str | None = None) -> dict[str, Any]:
    """Grade the whole city (the vectorised batch), reporting progress to the job's page."""
    from crossreg.credit.services import credit_evaluate_all

    summary = credit_evaluate_all(
        actor=f"job:{job.pk}",
        as_of=dt.date.fromisoformat(as_of) if as_of else None,
        progress=lambda done, total: job_progress(job, done=done, total=total),
    )
    job_finish(
        job,
        counts={"entities": summary["entities"], "events": summary["events"], "changed": summary["changed"]},
        result=summary,
        message=f"{summary['model_version']}: {summary['distribution']}",
    )
    return summary
