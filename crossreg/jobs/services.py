"""Background jobs: start one from a request, report progress from inside its ``@task``, cancel it.

The contract (docs/jobs.md)::

    # tasks.py of your app — a thin wrapper over a service
    from django_tasks import task
    from crossreg.jobs.services import job_running, job_progress

    @task()
    def catalog_import_task(*, job_id: int, path: str) -> None:
        with job_running(job_id) as job:             # RUNNING; FAILED/CANCELLED on the way out
            rows = read(path)                          # long read phase, outside any transaction
            for i, row in enumerate(rows):
                job_progress(job, done=i + 1, total=len(rows))   # raises JobCancelled if asked
            entry = catalog_import(...)                # one short all-or-nothing write
            job_finish(job, counts={"items": n}, ledger_entry=entry)

    # services.py / views.py — from a request
    job = job_submit(actor=request.user, kind="catalog.import.run", title=_("目录导入"),
                     task=catalog_import_task, kwargs={"path": str(path)})

``job_submit`` creates the ``JobRun`` (audited) and enqueues the task *on commit* with
``job_id=job.pk``; the worker (``manage.py db_worker``) runs it. A scheduled job with no request
calls ``job_start(kind=..., title=..., actor="system:scheduler")`` inside its task instead.

Progress is written in autocommit, outside the job's own write transaction, so pages see it while the
job runs. Inside an ``atomic()`` block a progress write would be invisible until commit (and on SQLite
it would take the write lock for nothing), so there it is kept in memory and written when the block
ends. Long work therefore reads and checks first, outside transactions, and writes last, in short
transactions: that is also what keeps web requests on SQLite from waiting on a job's lock.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from crossreg.core.audit import audit_record
from crossreg.core.errors import DomainError, Forbidden, Invalid
from crossreg.jobs.models import JobRun

if TYPE_CHECKING:
    from crossreg.ledger.models import Entry
    from crossreg.orgs.models import User

# Progress is written at most this often (seconds) unless the job reaches its total.
PROGRESS_WRITE_INTERVAL = 0.5
MAX_ERRORS_KEPT = 200


class JobCancelled(Exception):
    """Raised by job_progress when someone asked the job to stop; job_running records it."""


def _actor_fields(actor: User | str | None) -> dict[str, Any]:
    if actor is None or isinstance(actor, str):
        return {"started_by": None, "system_actor": actor or "system"}
    return {"started_by": actor, "system_actor": ""}


@transaction.atomic
def job_submit(
    *,
    actor: User | str | None,
    kind: str,
    title: str,
    task: Any,
    kwargs: Mapping[str, Any] | None = None,
    department_id: str | None = None,
    total: int | None = None,
) -> JobRun:
    """Create a queued job and enqueue ``task(job_id=..., **kwargs)`` when the transaction commits.

    ``task`` is a django-tasks ``Task`` (the ``@task()`` function). Its kwargs must be JSON values.
    """
    job = JobRun.objects.create(
        kind=kind,
        title=str(title),
        department_id=department_id,
        progress_total=total,
        **_actor_fields(actor),
    )
    audit_record(
        actor=actor,
        action="job.submitted",
        subject_type="job",
        subject_id=job.pk,
        payload={"kind": kind, "title": str(title), "department_id": department_id},
    )
    task_kwargs = {**dict(kwargs or {}), "job_id": job.pk}

    def enqueue() -> None:
        result = task.enqueue(**task_kwargs)
        JobRun.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id))

    transaction.on_commit(enqueue)
    return job


def job_start(
    job_id: int | None = None,
    *,
    kind: str = "",
    title: str = "",
    actor: User | str | None = "system:scheduler",
    department_id: str | None = None,
    total: int | None = None,
) -> JobRun:
    """Mark the job running (called first thing inside the task). With no ``job_id`` (a scheduled
    task nobody submitted) a new run is created. A job cancelled while queued raises JobCancelled."""
    now = timezone.now()
    if job_id is None:
        if not kind:
            raise Invalid("a job started without a job_id needs a kind", field="kind")
        return JobRun.objects.create(
            kind=kind,
            title=title or kind,
            state=JobRun.State.RUNNING,
            started_at=now,
            department_id=department_id,
            progress_total=total,
            **_actor_fields(actor),
        )
    job = JobRun.objects.get(pk=job_id)
    if job.state == JobRun.State.CANCELLED or job.cancel_requested:
        _finish(job, JobRun.State.CANCELLED)
        raise JobCancelled(job_id)
    job.state = JobRun.State.RUNNING
    job.started_at = now
    if total is not None:
        job.progress_total = total
    job.save(update_fields=["state", "started_at", "progress_total", "updated_at"])
    return job


def _in_transaction() -> bool:
    """Inside an atomic block of the job's own (a test's wrapping transaction does not count)."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def job_progress(
    job: JobRun,
    *,
    done: int,
    total: int | None = None,
    counts: Mapping[str, int] | None = None,
    force: bool = False,
) -> None:
    """Report progress; raise JobCancelled if someone asked the job to stop.

    Cheap to call per row: the row is written (and the cancel flag read) at most every
    PROGRESS_WRITE_INTERVAL seconds, and on reaching ``total``.
    """
    job.progress_done = done
    if total is not None:
        job.progress_total = total
    if counts:
        job.counts = {**job.counts, **counts}
    now = time.monotonic()
    last = getattr(job, "_progress_written", 0.0)
    reached = job.progress_total is not None and done >= job.progress_total
    if not (force or reached or now - last >= PROGRESS_WRITE_INTERVAL):
        return
    if _in_transaction():
        # Invisible until commit anyway; written by the next call outside the block or at the end.
        return
    job._progress_written = now  # type: ignore[attr-defined]
    JobRun.objects.filter(pk=job.pk).update(
        progress_done=job.progress_done,
        progress_total=job.progress_total,
        counts=job.counts,
        updated_at=timezone.now(),
    )
    if JobRun.objects.filter(pk=job.pk, cancel_requested=True).exists():
        raise JobCancelled(job.pk)


def job_check_cancelled(job: JobRun) -> None:
    """Raise JobCancelled if the job was asked to stop (for loops that report no progress)."""
    if JobRun.objects.filter(pk=job.pk, cancel_requested=True).exists():
        raise JobCancelled(job.pk)


def job_error(job: JobRun, *, message: str, row: int | None = None, field: str | None = None) -> None:
    """Keep one error of the job (a bad row, say); shown on its page. At most MAX_ERRORS_KEPT."""
    if len(job.errors) < MAX_ERRORS_KEPT:
        item: dict[str, Any] = {"message": str(message)}
        if row is not None:
            item["row"] = row
        if field is not None:
            item["field"] = field
        job.errors = [*job.errors, item]
    job.counts = {**job.counts, "errors": int(job.counts.get("errors", 0)) + 1}


def _finish(
    job: JobRun,
    state: str,
    *,
    message: str = "",
    ledger_entry: Entry | None = None,
) -> None:
    job.state = state
    job.finished_at = timezone.now()
    if message:
        job.message = message
    if ledger_entry is not None:
        job.ledger_seq = ledger_entry.seq
    if state == JobRun.State.SUCCEEDED and job.progress_total is not None:
        job.progress_done = max(job.progress_done, job.progress_total)
    with transaction.atomic():
        job.save()
        actor: Any = job.started_by or job.system_actor or "system"
        entry = audit_record(
            actor=actor,
            action=f"job.{state}",
            subject_type="job",
            subject_id=job.pk,
            payload={
                "kind": job.kind,
                "counts": job.counts,
                "errors": len(job.errors),
                "message": job.message[:500],
                "result_entry": job.ledger_seq,
            },
        )
        if job.ledger_seq is None:
            JobRun.objects.filter(pk=job.pk).update(ledger_seq=entry.seq)
            job.ledger_seq = entry.seq


def job_finish(
    job: JobRun,
    *,
    counts: Mapping[str, int] | None = None,
    result: Mapping[str, Any] | None = None,
    message: str = "",
    ledger_entry: Entry | None = None,
) -> None:
    """Mark the job done. ``ledger_entry`` is the entry recording its result (the import, the
    checkpoint); without one, the job's own completion entry is linked."""
    if counts:
        job.counts = {**job.counts, **counts}
    if result:
        job.result = dict(result)
    _finish(job, JobRun.State.SUCCEEDED, message=message, ledger_entry=ledger_entry)


def job_fail(job: JobRun, *, message: str, errors: Sequence[Mapping[str, Any]] = ()) -> None:
    for e in errors:
        job_error(job, message=str(e.get("message", "")), row=e.get("row"), field=e.get("field"))
    _finish(job, JobRun.State.FAILED, message=message)


@contextlib.contextmanager
def job_running(job_id: int | None = None, **start: Any) -> Iterator[JobRun]:
    """Run the body as the job: started on entry; on the way out, a DomainError (bad input: its
    problems become the job's errors) or any other exception marks it FAILED, JobCancelled marks it
    CANCELLED (neither is re-raised for those two; other exceptions are, so the worker records the
    traceback too); leaving normally without job_finish marks it SUCCEEDED.

    A job cancelled while still queued raises JobCancelled from the ``with`` line itself (the body
    must not run); :func:`job_body` catches it. Prefer ``@job_body``.
    """
    job = job_start(job_id, **start)
    try:
        yield job
    except JobCancelled:
        _finish(job, JobRun.State.CANCELLED, message="")
    except DomainError as exc:
        job_fail(job, message=str(exc), errors=[p.as_dict() for p in exc.problems])
    except Exception as exc:
        job_fail(job, message=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    else:
        job.refresh_from_db(fields=["state"])
        if not job.finished:
            _finish(job, JobRun.State.SUCCEEDED)


P = ParamSpec("P")
R = TypeVar("R")


def job_body(
    fn: Callable[Concatenate[JobRun, P], R] | None = None, *, kind: str = "", title: str = ""
) -> Any:
    """Decorate a task body ``fn(job, **kwargs)``; the task is then called with ``job_id=`` (set by
    job_submit) or without (a scheduled run: a JobRun of ``kind`` is created). Put it under
    ``@task()``::

        @task()
        @job_body(kind="ledger.checkpoint.scheduled", title="定时检查点")
        def checkpoint_task(job, **kwargs): ...
    """

    def wrap(f: Callable[..., R]) -> Callable[..., R | None]:
        @functools.wraps(f)
        def wrapper(*args: Any, job_id: int | None = None, **kwargs: Any) -> R | None:
            start: dict[str, Any] = {"kind": kind, "title": title} if job_id is None else {}
            try:
                with job_running(job_id, **start) as job:
                    return f(job, *args, **kwargs)
            except JobCancelled:
                return None
            return None

        return wrapper

    if fn is not None:
        return wrap(fn)
    return wrap


@transaction.atomic
def job_cancel(*, actor: User, job_id: int) -> JobRun:
    """Ask a job to stop. A queued job is cancelled at once; a running one stops at its next
    progress report, and its write (all-or-nothing) is not made. Only its starter or an admin."""
    job = JobRun.objects.select_for_update().get(pk=job_id)
    from crossreg.jobs.selectors import job_may_cancel

    if not job_may_cancel(actor, job):
        raise Forbidden("only the person who started a job (or an administrator) may cancel it")
    if job.finished:
        return job
    job.cancel_requested = True
    fields = ["cancel_requested", "updated_at"]
    if job.state == JobRun.State.QUEUED:
        job.state = JobRun.State.CANCELLED
        job.finished_at = timezone.now()
        fields += ["state", "finished_at"]
    job.save(update_fields=fields)
    JobRun.objects.filter(pk=job.pk).update(updated_at=F("updated_at"))
    audit_record(
        actor=actor, action="job.cancel_requested", subject_type="job", subject_id=job.pk, payload={}
    )
    return job
