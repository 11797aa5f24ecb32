"""The ledger's Prometheus figures, registered with ``core.observability`` in ``LedgerConfig.ready``."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client.core import GaugeMetricFamily


class LedgerCollector:
    """``crossreg_ledger_entries`` and the age of the last checkpoint, read when scraped."""

    def collect(self) -> Any:
        from crossreg.ledger.models import Entry, LedgerCheckpoint

        size = GaugeMetricFamily("crossreg_ledger_entries", "Entries in the ledger")
        last = Entry.objects.order_by("-seq").values_list("seq", flat=True).first()
        size.add_metric([], 0 if last is None else last + 1)
        yield size
        age = GaugeMetricFamily("crossreg_ledger_checkpoint_age_seconds", "Age of the latest checkpoint")
        cp = (
            LedgerCheckpoint.objects.order_by("-tree_size", "-id")
            .values_list("created_at", flat=True)
            .first()
        )
        age.add_metric([], -1 if cp is None else time.time() - cp.timestamp())
        yield age
