"""gunicorn settings for crossreg (``make serve``; docs/deployment.md).

gunicorn, not granian or uvicorn: the platform is synchronous Django (WSGI, the ORM, no async
views), gunicorn is the long-standing, well-kept WSGI server that Debian packages and systemd knows
how to supervise (graceful reload on SIGHUP, worker recycling), and its ``gthread`` workers give a
few threads per process, which suits a 2-core machine whose requests mostly wait on PostgreSQL.
Every value can be overridden by the environment (GUNICORN_CMD_ARGS or the variables below).
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("CROSSREG_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CROSSREG_WEB_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
worker_class = "gthread"
threads = int(os.environ.get("CROSSREG_WEB_THREADS", "4"))
timeout = int(os.environ.get("CROSSREG_WEB_TIMEOUT", "60"))  # long work belongs in jobs
graceful_timeout = 30
keepalive = 5
max_requests = 5000  # recycle workers now and then (memory)
max_requests_jitter = 500
preload_app = True
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
forwarded_allow_ips = os.environ.get("CROSSREG_FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
limit_request_fields = 100


def child_exit(server: object, worker: object) -> None:
    """Tell prometheus_client's multiprocess mode that a worker is gone."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
