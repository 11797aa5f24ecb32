"""Senders: how a batch of deliveries reaches one kind of target.

A sender is registered per ``Target.kind`` (``sender_register``); the outbox has the webhook sender,
the exchange app registers its adapters (互联网+监管, provincial platform, staging database). The
worker (``services.outbox_deliver_batch``) claims deliveries, then calls ``sender.send(target,
items)`` *outside* any transaction and records the outcomes.

The contract of ``send``: one :class:`Outcome` per item, in the same order; items of one subject
are sent in order, and once one of them fails the later ones of that subject are not sent
(``Outcome.skipped``), so a subject never overtakes itself. An exception from ``send`` counts as a
retryable failure of every item.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import secrets
import socket
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from standardwebhooks.webhooks import Webhook

from crossreg.outbox import conf, netpolicy

if TYPE_CHECKING:
    from crossreg.outbox.models import Target


@dataclass(frozen=True)
class Outgoing:
    delivery_id: int
    subject: str
    key: str  # idempotency key: the event id (``webhook-id``)
    event_type: str
    envelope: dict[str, Any]
    body: bytes  # the exact bytes sent and signed
    attempt: int  # 1 for the first try


@dataclass
class Outcome:
    ok: bool
    status: int | None = None
    acknowledgement: str = ""
    error: str = ""
    skipped: bool = False  # not attempted (an earlier item of its subject failed)
    permanent: bool = False  # retrying cannot help (e.g. a code with no mapping): straight to the error queue
    duration_ms: int = 0
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


class Sender(Protocol):
    kind: str

    def send(self, target: Target, items: Sequence[Outgoing]) -> list[Outcome]: ...


_SENDERS: dict[str, Sender] = {}


def sender_register(sender: Sender) -> None:
    _SENDERS[sender.kind] = sender


def sender_for(kind: str) -> Sender | None:
    return _SENDERS.get(kind)


def sender_kinds() -> list[str]:
    return sorted(_SENDERS)


def send_in_subject_order(
    items: Sequence[Outgoing], send_one: Callable[[Outgoing], Outcome], threads: int
) -> list[Outcome]:
    """Send items one subject per thread, in order within a subject; stop a subject at its first
    failure. Returns the outcomes in the order of ``items``."""
    by_subject: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        by_subject.setdefault(item.subject, []).append(i)
    outcomes: list[Outcome | None] = [None] * len(items)

    def run(indexes: list[int]) -> None:
        failed = False
        for i in indexes:
            if failed:
                outcomes[i] = Outcome(ok=False, skipped=True, error="an earlier event of the subject failed")
                continue
            started = dt.datetime.now(dt.UTC)
            t0 = time.perf_counter()
            try:
                out = send_one(items[i])
            except Exception as exc:  # a sender's bug is a failed attempt, never a lost event
                out = Outcome(ok=False, error=f"{type(exc).__name__}: {exc}")
            out.started_at = started
            out.duration_ms = int((time.perf_counter() - t0) * 1000)
            outcomes[i] = out
            failed = not out.ok

    groups = list(by_subject.values())
    if threads <= 1 or len(groups) <= 1:
        for g in groups:
            run(g)
    else:
        with ThreadPoolExecutor(max_workers=min(threads, len(groups))) as pool:
            list(pool.map(run, groups))
    return [o if o is not None else Outcome(ok=False, error="not sent") for o in outcomes]


# --- HTTP ----------------------------------------------------------------------------------------


class HttpPool:
    """Keep-alive HTTP connections, one per thread and host (stdlib ``http.client``: no dependency,
    and the worker's threads each hold their own connection)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _conns(self) -> dict[tuple[str, str, int], http.client.HTTPConnection]:
        conns = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        return conns

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
        parts = urlsplit(url)
        scheme = parts.scheme or "http"
        if scheme not in ("http", "https"):
            raise ValueError(f"unsupported URL scheme {scheme!r}")
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        key = (scheme, host, port)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        conns = self._conns()
        for retry in (False, True):
            conn = conns.get(key)
            fresh = conn is None
            if conn is None:
                cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
                conn = conns[key] = cls(host, port, timeout=timeout)
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
            try:
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read(64 * 1024)
                if resp.will_close:
                    conn.close()
                    conns.pop(key, None)
                return resp.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
                conns.pop(key, None)
                if fresh or retry:
                    raise
                # A kept-alive connection the server had closed: one more try on a new one. The
                # receiver may see the event twice; the idempotency key makes that harmless.
                continue
            except BaseException:
                conn.close()
                conns.pop(key, None)
                raise
        raise RuntimeError("unreachable")


def http_error_reason(exc: BaseException, timeout: float) -> str:
    """A plain reason for a failed HTTP attempt (shown in the error queue)."""
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"timeout: no answer within {timeout:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused: the receiver is not listening"
    if isinstance(exc, http.client.BadStatusLine | http.client.LineTooLong | http.client.HTTPException):
        return f"garbage: not an HTTP answer ({type(exc).__name__})"
    if isinstance(exc, OSError):
        return f"network error: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def webhook_secret_new() -> str:
    """A new Standard Webhooks secret: ``whsec_`` + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def webhook_headers(secret: str, msg_id: str, body: bytes, when: dt.datetime | None = None) -> dict[str, str]:
    """The Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature)."""
    when = when or dt.datetime.now(dt.UTC)
    signature = Webhook(secret).sign(msg_id=msg_id, timestamp=when, data=body)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": signature,
    }


class WebhookSender:
    """A department system's webhook: one signed POST per event (Standard Webhooks, CloudEvents
    structured mode). Any 2xx is an acknowledgement; anything else is retried."""

    kind = "webhook"

    def __init__(self) -> None:
        self.pool = HttpPool()

    def send(self, target: Target, items: Sequence[Outgoing]) -> list[Outcome]:
        timeout = float(target.timeout or conf.get("OUTBOX_TIMEOUT"))
        if target.network_restricted:
            # Checked again at every batch: the name may resolve elsewhere than when it was set.
            refusal = netpolicy.url_refusal(target.url)
            if refusal:
                return [Outcome(ok=False, error=f"network policy: {refusal}") for _ in items]

        def one(item: Outgoing) -> Outcome:
            headers = {
                "Content-Type": "application/cloudevents+json; charset=utf-8",
                "User-Agent": "crossreg-outbox/1",
                **webhook_headers(target.secret, item.key, item.body),
            }
            try:
                status, answer = self.pool.post(target.url, item.body, headers, timeout)
            except Exception as exc:
                return Outcome(ok=False, error=http_error_reason(exc, timeout))
            if 200 <= status < 300:
                return Outcome(ok=True, status=status, acknowledgement=f"HTTP {status}")
            excerpt = answer[:200].decode("utf-8", "replace").strip()
            return Outcome(
                ok=False, status=status, error=f"HTTP {status}" + (f": {excerpt}" if excerpt else "")
            )

        return send_in_subject_order(items, one, int(conf.get("OUTBOX_SEND_THREADS")))
