"""Structured logs: with ``CROSSREG_LOG_JSON=true`` each line is one JSON object carrying the
request id — the proxy's ``X-Request-ID`` when it sent a sane one, else a new one — which the
response sends back, so a line in the log and a person's complaint can be matched."""

from __future__ import annotations

import io
import json
import logging
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from crossreg.core.observability import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines() -> Any:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    log = logging.getLogger("crossreg.jobs")
    log.addHandler(handler)
    old = log.level
    log.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    log.removeHandler(handler)
    log.setLevel(old)


def _log_during_readyz(*args: Any, **kwargs: Any) -> dict[str, Any]:
    logging.getLogger("crossreg.jobs").info("readiness asked", extra={"probe": "readyz", "n": 3})
    return {"ok": True, "checks": {}}


def test_a_line_logged_in_a_request_carries_its_id_as_json(json_lines: Any) -> None:
    with mock.patch("crossreg.jobs.health.readiness", _log_during_readyz):
        given = Client().get("/readyz", HTTP_X_REQUEST_ID="proxy-req-0123456789")
        fresh = Client().get("/readyz", HTTP_X_REQUEST_ID="<script>")  # not sane: replaced
    lines = json_lines()
    assert [line["message"] for line in lines] == ["readiness asked", "readiness asked"]
    first, second = lines
    assert given["X-Request-ID"] == first["request_id"] == "proxy-req-0123456789"
    assert fresh["X-Request-ID"] == second["request_id"] != "<script>" and len(second["request_id"]) == 32
    assert first["level"] == "INFO" and first["logger"] == "crossreg.jobs"
    assert first["probe"] == "readyz" and first["n"] == 3 and first["time"] and first["pid"]
    logging.getLogger("crossreg.jobs").info("outside a request")
    assert json_lines()[-1]["request_id"] == ""
