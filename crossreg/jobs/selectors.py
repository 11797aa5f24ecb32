"""Reads of job runs, scoped to the principal: a person sees the jobs they started; an admin, all;
a department's admin, the department's."""

from __future__ import annotations

from django.db import models

from crossreg.jobs.models import JobRun
from crossreg.orgs.permissions import Capability, Principal


class JobRunQuerySet(models.QuerySet[JobRun]):
    def visible_to(self, principal: Principal) -> JobRunQuerySet:
        if principal.is_admin:
            return self
        if principal.user is None:
            return self.none()
        mine = models.Q(started_by_id=principal.user_id)
        if principal.department_id and principal.can(Capability.MANAGE_DEPARTMENT, principal.department_id):
            mine |= models.Q(department_id=principal.department_id)
        return self.filter(mine)


def job_visible_list(principal: Principal) -> JobRunQuerySet:
    return JobRunQuerySet(JobRun).visible_to(principal).select_related("started_by")


def job_visible_get(principal: Principal, job_id: int) -> JobRun | None:
    return job_visible_list(principal).filter(pk=job_id).first()


def job_may_cancel(actor: object, job: JobRun) -> bool:
    principal = Principal.of(actor)
    if job.finished or principal.user is None:
        return False
    return principal.is_admin or job.started_by_id == principal.user_id


# -- the ledger subject "job" ------------------------------------------------------------------
def job_subject_visible(principal: Principal, subject_id: str) -> bool:
    return subject_id.isdigit() and job_visible_list(principal).filter(pk=int(subject_id)).exists()


def job_subject_url(subject_id: str) -> str | None:
    from django.urls import reverse

    return reverse("jobs:detail", args=[int(subject_id)]) if subject_id.isdigit() else None


def job_subject_display(subject_id: str) -> str:
    job = JobRun.objects.filter(pk=int(subject_id)).only("title").first() if subject_id.isdigit() else None
    return f"{job.title} #{subject_id}" if job else f"job #{subject_id}"
