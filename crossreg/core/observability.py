"""Request ids, JSON logs and Prometheus metrics (docs/deployment.md, "Observability").

* :class:`RequestIdMiddleware` gives every request an id (the proxy's ``X-Request-ID`` if it sent a
  sane one, else a new one), puts it on ``request.request_id``, in every log line written while the
  request runs, and in the response's ``X-Request-ID``; it also counts and times the request.
* :class:`JsonFormatter` writes one JSON object per line (``CROSSREG_LOG_JSON=true``), stdlib only:
  time, level, logger, message, request_id, and any ``extra=`` fields.
* Metrics (prometheus_client): ``crossreg_http_requests_total{method,route,status}``,
  ``crossreg_http_request_seconds{route}``, ``crossreg_job_seconds{task,status}``,
  ``crossreg_job_failures_total{task}``, ``crossreg_ledger_verify_failures_total``,
  ``crossreg_ledger_entries`` (read at scrape time). Under
  gunicorn's several processes set ``PROMETHEUS_MULTIPROC_DIR`` (the systemd unit does) so that
  ``/metrics`` sums every process.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

REQUESTS = Counter("crossreg_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "crossreg_http_request_seconds",
    "Time to answer a request",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOB_SECONDS = Histogram(
    "crossreg_job_seconds",
    "Time a background task ran",
    ["task", "status"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
)
JOB_FAILURES = Counter("crossreg_job_failures_total", "Background tasks that failed", ["task"])
LEDGER_VERIFY_FAILURES = Counter(
    "crossreg_ledger_verify_failures_total", "Scheduled ledger verifications that found a problem"
)


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        token = request_id_var.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = rid
        match = getattr(request, "resolver_match", None)
        route = (match.view_name or match.route) if match else "unmatched"
        REQUESTS.labels(request.method or "", route, str(response.status_code)).inc()
        REQUEST_SECONDS.labels(route).observe(time.perf_counter() - started)
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


_STD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id_var.get(),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STD and not key.startswith("_"):
                out[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


_COLLECTORS: list[Any] = []


def metrics_collector_register(collector: Any) -> None:
    """Add a collector read when /metrics is scraped (an app above core registers its own, e.g. the
    ledger's size and checkpoint age, from its ready(): core imports no domain app)."""
    if collector not in _COLLECTORS:
        _COLLECTORS.append(collector)


def metrics_text() -> bytes:
    from prometheus_client import REGISTRY

    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY  # this process's own counters
    text = generate_latest(registry)
    apps_registry = CollectorRegistry()
    for collector in _COLLECTORS:
        apps_registry.register(collector)
    return text + generate_latest(apps_registry)


def job_metrics_connect() -> None:
    """Time every task the worker runs (django-tasks' started/finished signals)."""
    from django_tasks.signals import task_finished, task_started

    started: dict[str, float] = {}

    def on_start(sender: Any, task_result: Any, **kwargs: Any) -> None:
        started[str(task_result.id)] = time.perf_counter()

    def on_finish(sender: Any, task_result: Any, **kwargs: Any) -> None:
        t0 = started.pop(str(task_result.id), None)
        path = getattr(task_result.task, "module_path", "?")
        status = str(getattr(task_result.status, "value", task_result.status)).lower()
        if t0 is not None:
            JOB_SECONDS.labels(path, status).observe(time.perf_counter() - t0)
        if status == "failed":
            JOB_FAILURES.labels(path).inc()

    task_started.connect(on_start, weak=False, dispatch_uid="crossreg-job-metrics-start")
    task_finished.connect(on_finish, weak=False, dispatch_uid="crossreg-job-metrics-finish")
