"""A small webhook receiver that honours the idempotency key — for the demo, the tests and the benchmark.

It does what a department's system should do with our webhooks: verify the Standard Webhooks
signature (``standardwebhooks``), refuse a bad one with 401, keep each ``webhook-id`` once (a
repeated id is answered 200 and not stored again), and answer 2xx. It can also misbehave on
purpose (``mode``): ``down`` (connection refused is simply: not running), ``500``, ``garbage`` (bytes
that are not HTTP), ``slow`` (answers after ``slow_seconds``), ``hang_after`` (stores the Nth event,
then never answers: a worker killed mid-delivery).

    python manage.py webhook_receiver --port 8765 --secret whsec_… --store var/receiver.jsonl
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Store:
    """What the receiver holds: events by webhook-id, in arrival order, optionally in a JSON-lines file."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.lock = threading.Lock()
        self.by_id: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.requests = 0
        self.duplicates = 0
        self.bad_signatures = 0
        self.path = Path(path) if path else None
        if self.path and self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    ev = json.loads(line)
                    self.by_id[ev["id"]] = ev
                    self.order.append(ev["id"])

    def add(self, msg_id: str, event: dict[str, Any]) -> bool:
        with self.lock:
            self.requests += 1
            if msg_id in self.by_id:
                self.duplicates += 1
                return False
            self.by_id[msg_id] = event
            self.order.append(msg_id)
            if self.path:
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(event, ensure_ascii=False) + "\n")
            return True

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [self.by_id[i] for i in self.order]


class Receiver:
    """A threaded HTTP server on 127.0.0.1 (port 0: any free port)."""

    def __init__(self, secret: str, port: int = 0, store: Store | None = None) -> None:
        self.webhook = Webhook(secret)
        self.store = store or Store()
        self.mode = "ok"
        self.slow_seconds = 5.0
        self.hang_after: int | None = None
        self.hung = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                mode = receiver.mode
                if mode == "garbage":
                    self.wfile.write(b"\x00\x01 this is not HTTP\r\n\r\n")
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if mode == "500":
                    self._answer(500, b'{"error":"internal"}')
                    return
                if mode == "slow":
                    time.sleep(receiver.slow_seconds)
                try:
                    event = receiver.webhook.verify(body, {k: v for k, v in self.headers.items()})
                except WebhookVerificationError:
                    with receiver.store.lock:
                        receiver.store.bad_signatures += 1
                    self._answer(401, b'{"error":"bad signature"}')
                    return
                msg_id = self.headers["webhook-id"]
                receiver.store.add(msg_id, event)
                if receiver.hang_after is not None and len(receiver.store.order) >= receiver.hang_after:
                    receiver.hung.set()
                    receiver.release.wait(120)  # the sender is killed while waiting for this answer
                    self.close_connection = True
                    return
                self._answer(200, b'{"ok":true}')

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        if self.thread:
            self.thread.join(5)

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
