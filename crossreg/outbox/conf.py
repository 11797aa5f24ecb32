"""Outbox settings, read from ``settings.CROSSREG`` with defaults (local practice, not law).

``OUTBOX_SOURCE``          the CloudEvents ``source`` of this platform's events (a URI reference)
``OUTBOX_MAX_ATTEMPTS``    attempts before a delivery goes to the error queue (default 8)
``OUTBOX_BACKOFF_BASE``    seconds before the 2nd attempt; doubles each time (default 5)
``OUTBOX_BACKOFF_MAX``     the longest wait between attempts, seconds (default 3600)
``OUTBOX_LEASE_SECONDS``   how long a claimed delivery is a worker's before another may take it
                           over (a worker killed mid-delivery; default 60)
``OUTBOX_TIMEOUT``         seconds a webhook target has to answer (default 10)
``OUTBOX_BATCH``           deliveries claimed per target per round (default 200)
``OUTBOX_SEND_THREADS``    subjects sent in parallel per batch (default 8; one subject stays in order)
``OUTBOX_WEBHOOK_ALLOWED_NETWORKS``  CIDRs a department-configured webhook may reach besides public
                           addresses (default none: private, loopback and link-local refused;
                           see ``crossreg.outbox.netpolicy``)
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "OUTBOX_SOURCE": "urn:crossreg:yancheng",
    "OUTBOX_MAX_ATTEMPTS": 8,
    "OUTBOX_BACKOFF_BASE": 5.0,
    "OUTBOX_BACKOFF_MAX": 3600.0,
    "OUTBOX_LEASE_SECONDS": 60.0,
    "OUTBOX_TIMEOUT": 10.0,
    "OUTBOX_BATCH": 200,
    "OUTBOX_SEND_THREADS": 8,
    "OUTBOX_WEBHOOK_ALLOWED_NETWORKS": [],
}


def get(name: str) -> Any:
    return getattr(settings, "CROSSREG", {}).get(name, DEFAULTS[name])
