"""Clue settings, from ``settings.CROSSREG`` with defaults (local practice, not law).

Keys: ``CLUES_WINDOW_DAYS`` (bundle window, 30), ``CLUES_TASK_SCORE`` (bundle score that creates an
inspection task, 4 = one serious clue or two of medium weight), ``CLUES_QUIET_OVERRIDE`` (the
severity from which the quiet period is not honoured, "critical"), ``CLUES_WATCH_DAYS`` (serious
bundles not acted on after this many days are on the watch list, 7), ``CLUES_MAX_FUTURE_SECONDS``
(a reading stamped further in the future is rejected, 300), ``CLUES_MQTT`` (broker host/port/topic),
``CLUES_TIME_ZONE`` (devices' local time, Asia/Shanghai), ``CLUES_DOMAIN_DEPARTMENTS`` (domain ->
department codes; default: the departments whose domains include it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

EPOCH = dt.date(2000, 1, 3)  # a Monday: windows are aligned to it, so every clue has one window


def _c() -> dict[str, Any]:
    return dict(getattr(settings, "CROSSREG", {}) or {})


def window_days() -> int:
    return int(_c().get("CLUES_WINDOW_DAYS", 30))


def window_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The fixed window holding ``day`` (first and last day): order-independent bundling."""
    n = window_days()
    start = EPOCH + dt.timedelta(days=((day - EPOCH).days // n) * n)
    return start, start + dt.timedelta(days=n - 1)


def task_score() -> int:
    return int(_c().get("CLUES_TASK_SCORE", 4))


def quiet_override() -> str:
    return str(_c().get("CLUES_QUIET_OVERRIDE", "critical"))


def quiet_days() -> int:
    return int(_c().get("CLUES_QUIET_DAYS", _c().get("SAMPLING_QUIET_DAYS", 90)))


def task_window_days() -> int:
    return int(_c().get("CLUES_TASK_WINDOW_DAYS", 7))


def watch_days() -> int:
    return int(_c().get("CLUES_WATCH_DAYS", 7))


def max_future_seconds() -> int:
    return int(_c().get("CLUES_MAX_FUTURE_SECONDS", 300))


def device_time_zone() -> str:
    return str(_c().get("CLUES_TIME_ZONE", "Asia/Shanghai"))


def mqtt() -> dict[str, Any]:
    out: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 1883,
        "topic": "crossreg/hj212",
        "client_id": "crossreg-clues",
    }
    out.update(_c().get("CLUES_MQTT") or {})
    return out


def domain_departments() -> dict[str, list[str]] | None:
    value = _c().get("CLUES_DOMAIN_DEPARTMENTS")
    return None if value is None else {str(k): list(v) for k, v in value.items()}


def risk_weights() -> dict[str, float]:
    """Key-domain risk score weights: open bundle score, credit grade, past findings."""
    out = {"bundle": 1.0, "grade_C": 3.0, "grade_D": 6.0, "finding": 2.0}
    out.update(_c().get("CLUES_RISK_WEIGHTS") or {})
    return out
