"""A job run: one piece of background work a person (or the scheduler) started, with its progress.

The work itself is a django-tasks ``@task`` run by the worker (``manage.py db_worker``); the task's
own record (``django_tasks_db.DBTaskResult``) says whether the worker ran it. ``JobRun`` is what a
person reads: what the job is, who started it, how far it got, what it counted, which rows were
wrong, and the ledger entry of its result. docs/jobs.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    FINISHED = (State.SUCCEEDED, State.FAILED, State.CANCELLED)

    kind = models.CharField(max_length=64, help_text="what the job does, <app>.<noun>.<verb>")
    title = models.CharField(max_length=200)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    task_id = models.CharField(max_length=64, blank=True, help_text="the django-tasks result id")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="job_runs"
    )
    system_actor = models.CharField(max_length=64, blank=True, help_text="e.g. system:scheduler")
    department_id = models.CharField(max_length=32, null=True, blank=True, help_text="orgs.Department code")
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    ledger_seq = models.BigIntegerField(null=True, blank=True, help_text="ledger entry of the job's result")
    cancel_requested = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["started_by", "-created_at"], name="jobs_by_user_idx"),
            models.Index(fields=["kind", "state"], name="jobs_kind_state_idx"),
        ]

    def __str__(self) -> str:
        return f"job {self.pk} {self.kind} {self.state}"

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return 100 if self.state == self.State.SUCCEEDED else None
        return min(100, int(self.progress_done * 100 / self.progress_total))


class WorkerHeartbeat(models.Model):
    """A running worker process says it is alive every few seconds (``/readyz`` reads it)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=128)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"worker {self.worker_id} on {self.host}:{self.pid}"
