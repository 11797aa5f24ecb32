"""Running queued background jobs in tests.

The test settings use the real django-tasks database backend, as production does: ``enqueue`` only
writes a row. ``run_queued()`` runs every ready task with django-tasks-db's own worker loop in this
process (``--batch`` mode), which is what ``manage.py worker`` does in a loop; one test
(crossreg/jobs/tests/test_worker.py) starts the worker as a real subprocess.

Remember that ``job_submit`` enqueues on commit: inside a ``db`` test, wrap the call in
``django_capture_on_commit_callbacks(execute=True)`` first.
"""

from __future__ import annotations

from unittest import mock

from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Worker


def run_queued(*, queues: str = "*", max_tasks: int | None = None) -> None:
    """Run all queued tasks now, in this process, until none is ready.

    The worker loop closes stale connections between tasks, which in a test would close the test
    transaction's connection; that call is the one thing left out here.
    """
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        _worker(queues, max_tasks).run()


def _worker(queues: str, max_tasks: int | None) -> Worker:
    return Worker(
        queue_names=queues.split(","),
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
