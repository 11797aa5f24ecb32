"""CloudEvents 1.0 (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md), JSON format.

Every outbox event is sent as a *structured-mode* JSON envelope: the required attributes ``id``,
``source``, ``specversion``, ``type``; the optional ``subject``, ``time`` (RFC 3339),
``datacontenttype`` and ``dataschema``; ``data`` (a JSON object per the event type's schema in
docs/schemas/); and two extension attributes (lower-case letters and digits, as the spec asks):
``department`` (the acting department's code) and ``entityid`` (the market entity concerned).

The envelope is small enough to write by hand; the ``cloudevents`` SDK would add a dependency for
a dict, so we don't use it. :func:`envelope_validate` checks an envelope received from another
platform (inbound) against the same rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crossreg.outbox.models import OutboxEvent

SPECVERSION = "1.0"
SCHEMA_BASE = "https://crossreg.example.org/schemas/events/"  # docs/schemas/<type>.json
_EXT = re.compile(r"^[a-z0-9]{1,20}$")
REQUIRED = ("id", "source", "specversion", "type")


def rfc3339(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def envelope_of(event: OutboxEvent) -> dict[str, Any]:
    out: dict[str, Any] = {
        "specversion": SPECVERSION,
        "id": event.event_id,
        "source": event.source,
        "type": event.type,
        "subject": event.subject,
        "time": rfc3339(event.time),
        "datacontenttype": event.datacontenttype,
    }
    if event.dataschema:
        out["dataschema"] = event.dataschema
    if event.department_id:
        out["department"] = event.department_id
    if event.entity_id is not None:
        out["entityid"] = str(event.entity_id)
    out["data"] = event.data
    return out


def envelope_bytes(envelope: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed: compact JSON, UTF-8, Chinese kept readable, keys sorted."""
    return json.dumps(envelope, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def envelope_sha256(envelope: dict[str, Any]) -> str:
    return hashlib.sha256(envelope_bytes(envelope)).hexdigest()


def envelope_validate(envelope: Any) -> list[str]:
    """The problems of a received envelope (empty when it is a valid CloudEvents 1.0 event)."""
    if not isinstance(envelope, dict):
        return ["not a JSON object"]
    problems = [f"{name}: required" for name in REQUIRED if not envelope.get(name)]
    if envelope.get("specversion") not in (None, SPECVERSION):
        problems.append(f"specversion: {envelope.get('specversion')!r} is not 1.0")
    for name in envelope:
        known = {*REQUIRED, "subject", "time", "datacontenttype", "dataschema", "data", "data_base64"}
        if name not in known and not _EXT.match(name):
            problems.append(f"{name}: extension names are 1-20 lower-case letters or digits")
    if "time" in envelope:
        try:
            dt.datetime.fromisoformat(str(envelope["time"]).replace("Z", "+00:00"))
        except ValueError:
            problems.append("time: not RFC 3339")
    return problems
