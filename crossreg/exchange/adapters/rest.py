"""The REST push transport shared by the national and provincial adapters.

One POST per event, body ``{"batchId": <event id>, "records": [...]}`` (JSON, UTF-8), headers
``Idempotency-Key: <event id>`` (the same on every retry and replay), ``Authorization: Bearer
<config.token>`` when configured, and the Standard Webhooks signature headers when the target has a
secret. The platform must answer 2xx with JSON ``{"code": 0 | "0" | 200 | "200", "receiptId": …}``;
another code is a refusal (its ``message`` is the reason), a non-JSON body is "garbage" — both are
retried and end in the error queue with the reason.

This is our reading of how such platforms are called (token, idempotent batch id, JSON receipt); a
deployment whose platform differs sets ``config.answer_ok_codes`` or writes its own sender.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from crossreg.exchange.adapters.base import RowBuilder, build
from crossreg.exchange.adapters.enrich import enrich
from crossreg.exchange.mappings import Mappings
from crossreg.outbox import conf as outbox_conf
from crossreg.outbox.models import Target
from crossreg.outbox.senders import (
    HttpPool,
    Outcome,
    Outgoing,
    http_error_reason,
    send_in_subject_order,
    webhook_headers,
)

OK_CODES = (0, "0", 200, "200", "success")


class RestSender:
    def __init__(self, kind: str, builder: RowBuilder) -> None:
        self.kind = kind
        self.builder = builder
        self.pool = HttpPool()

    def send(self, target: Target, items: Sequence[Outgoing]) -> list[Outcome]:
        mappings = Mappings.current()
        items = enrich(items)
        timeout = float(target.timeout or outbox_conf.get("OUTBOX_TIMEOUT"))
        ok_codes = tuple(target.config.get("answer_ok_codes") or OK_CODES)

        def one(item: Outgoing) -> Outcome:
            rows, stop = build(self.builder, item, mappings)
            if stop is not None:
                return stop
            if not rows:
                return Outcome(ok=True, acknowledgement="not applicable to this target")
            body = json.dumps(
                {"batchId": item.key, "mapping": mappings.label, "records": rows}, ensure_ascii=False
            ).encode()
            headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": item.key}
            if target.config.get("token"):
                headers["Authorization"] = f"Bearer {target.config['token']}"
            if target.secret:
                headers.update(webhook_headers(target.secret, item.key, body))
            try:
                status, answer = self.pool.post(target.url, body, headers, timeout)
            except Exception as exc:
                return Outcome(ok=False, error=http_error_reason(exc, timeout))
            if not 200 <= status < 300:
                return Outcome(
                    ok=False, status=status, error=f"HTTP {status}: {answer[:200].decode('utf-8', 'replace')}"
                )
            try:
                parsed: Any = json.loads(answer)
            except ValueError:
                return Outcome(
                    ok=False, status=status, error=f"garbage: the answer is not JSON ({answer[:60]!r})"
                )
            if not isinstance(parsed, dict) or parsed.get("code") not in ok_codes:
                message = parsed.get("message", "") if isinstance(parsed, dict) else ""
                return Outcome(
                    ok=False, status=status, error=f"refused by the platform: {message or parsed!r}"[:500]
                )
            receipt = str(parsed.get("receiptId") or parsed.get("receipt") or f"HTTP {status}")
            return Outcome(ok=True, status=status, acknowledgement=receipt[:200])

        return send_in_subject_order(items, one, int(outbox_conf.get("OUTBOX_SEND_THREADS")))
