"""Exchange settings, read from ``settings.CROSSREG`` with defaults (local numbers: configuration).

``EXCHANGE_DEADLINES``: per event type, the publication deadlines the reconciliation checks — a list
of ``[rule name, working days, data field holding the start date]``. Defaults: penalty decisions
published within 7 working days of the decision (国办发〔2018〕118号, the commonly applied deadline)
and enterprise enforcement information within 20 working days (企业信息公示暂行条例 Art. 6);
inspection results within 20 working days of the inspection.
``EXCHANGE_STAGING_DATABASE_URL``: the staging database (前置库) when a target names none.
``EXCHANGE_INBOUND_MAX_ROWS``: rows an inbound file may have (default 50,000).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "EXCHANGE_DEADLINES": {
        "case.decision.made": [["penalty_7wd", 7, "decided_on"], ["enterprise_20wd", 20, "decided_on"]],
        "inspection.task.published": [["enterprise_20wd", 20, "inspected_on"]],
    },
    "EXCHANGE_STAGING_DATABASE_URL": "",
    "EXCHANGE_INBOUND_MAX_ROWS": 50_000,
}


def get(name: str) -> Any:
    return getattr(settings, "CROSSREG", {}).get(name, DEFAULTS[name])
