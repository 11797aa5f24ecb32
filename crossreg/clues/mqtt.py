"""The MQTT side of ingestion: the long-running listener and the publisher the simulator uses.

At-least-once, with nothing acknowledged before it is stored:

- the listener connects with MQTT 5, ``clean_start=False`` and a session expiry, under a fixed
  client id, and subscribes with QoS 1 — the broker keeps the session and queues what arrives
  while the listener is away (Mosquitto keeps it across its own restart with ``persistence true``);
- it acknowledges by hand (``manual_ack``): a message's PUBACK goes out only after the batch
  holding it is committed, so a crash or a broker restart before the commit means redelivery;
- redelivered messages are stored once (``message_key``), so at-least-once delivery becomes
  exactly-once storage;
- it advertises a large *Receive Maximum*, so the broker may have thousands of messages in flight
  to it (Mosquitto's default of 20 would cap the batch, and the rate, at 20 per round trip);
- paho reconnects on its own with exponential back-off (1 s … 30 s) and the subscription is
  renewed on every connect.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from crossreg.clues.ingest import IngestResult, readings_ingest

log = logging.getLogger(__name__)

RECEIVE_MAXIMUM = 20000
SESSION_EXPIRY = 7 * 24 * 3600


@dataclass
class ListenerStats:
    messages: int = 0
    batches: int = 0
    connects: int = 0
    result: IngestResult = field(default_factory=IngestResult)
    first_at: float | None = None
    last_at: float | None = None


class Listener:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        topic: str,
        client_id: str,
        batch_size: int = 2000,
        flush_seconds: float = 0.25,
        on_batch: Callable[[IngestResult, ListenerStats], None] | None = None,
    ) -> None:
        self.host, self.port, self.topic, self.client_id = host, port, topic, client_id
        self.batch_size, self.flush_seconds = batch_size, flush_seconds
        self.on_batch = on_batch
        self.stats = ListenerStats()
        self._q: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self._stop = threading.Event()
        self.connected = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    # -- paho callbacks (network thread) ---------------------------------------------------------
    def _on_connect(
        self, client: mqtt.Client, userdata: object, flags: object, rc: object, props: object = None
    ) -> None:
        if getattr(rc, "is_failure", False):
            log.warning("MQTT connect refused: %s", rc)
            return
        self.stats.connects += 1
        client.subscribe(self.topic, qos=1)
        self.connected.set()
        log.info(
            "MQTT connected to %s:%s (session present: %s)",
            self.host,
            self.port,
            getattr(flags, "session_present", "?"),
        )

    def _on_disconnect(
        self, client: mqtt.Client, userdata: object, flags: object, rc: object, props: object = None
    ) -> None:
        self.connected.clear()
        if not self._stop.is_set():
            log.warning("MQTT disconnected (%s); reconnecting with back-off", rc)

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        self._q.put(msg)

    # -- the worker ---------------------------------------------------------------------------
    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.ReceiveMaximum = RECEIVE_MAXIMUM
        props.SessionExpiryInterval = SESSION_EXPIRY
        self.client.connect_async(self.host, self.port, keepalive=30, clean_start=False, properties=props)
        self.client.loop_start()

    def stop(self) -> None:
        self._stop.set()
        self.client.disconnect()
        self.client.loop_stop()

    def _take(self) -> list[mqtt.MQTTMessage]:
        batch: list[mqtt.MQTTMessage] = []
        deadline = time.monotonic() + self.flush_seconds
        while len(batch) < self.batch_size:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                break
            try:
                batch.append(self._q.get(timeout=timeout))
            except queue.Empty:
                break
        return batch

    def process_once(self) -> int:
        """Take one batch, store it, then acknowledge it. Returns the number of messages."""
        batch = self._take()
        if not batch:
            return 0
        res = readings_ingest(packets=[bytes(m.payload) for m in batch], channel="mqtt")
        for m in batch:  # acknowledged only now that the batch is committed
            self.client.ack(m.mid, m.qos)
        now = time.monotonic()
        self.stats.first_at = self.stats.first_at or now
        self.stats.last_at = now
        self.stats.messages += len(batch)
        self.stats.batches += 1
        self.stats.result.add(res)
        if self.on_batch is not None:
            self.on_batch(res, self.stats)
        return len(batch)

    def run(self, *, max_messages: int | None = None, idle_exit: float | None = None) -> ListenerStats:
        """Run until stopped, ``max_messages`` stored, or ``idle_exit`` seconds without a message."""
        self.start()
        idle_since = time.monotonic()
        try:
            from django.db import close_old_connections

            while not self._stop.is_set():
                close_old_connections()  # a long-running worker: drop a dead or stale connection
                n = self.process_once()
                if n:
                    idle_since = time.monotonic()
                elif idle_exit is not None and time.monotonic() - idle_since > idle_exit:
                    break
                if max_messages is not None and self.stats.messages >= max_messages:
                    break
        finally:
            self.stop()
        return self.stats


def publish_all(
    *, host: str, port: int, topic: str, payloads: Iterable[tuple[str, bytes]], inflight: int = 2000
) -> int:
    """Publish (subtopic, payload) pairs with QoS 1 and wait until the broker acknowledged all."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(inflight)
    client.max_queued_messages_set(0)
    client.connect(host, port, keepalive=30)
    client.loop_start()
    infos = []
    n = 0
    try:
        for sub, payload in payloads:
            infos.append(client.publish(f"{topic}/{sub}" if sub else topic, payload, qos=1))
            n += 1
            if len(infos) >= inflight:
                for info in infos:
                    info.wait_for_publish(30)
                infos.clear()
        for info in infos:
            info.wait_for_publish(30)
    finally:
        client.disconnect()
        client.loop_stop()
    return n
