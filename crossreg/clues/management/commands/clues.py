"""``crossreg clues listen`` (the MQTT ingestion worker) and ``crossreg clues simulate``."""

from __future__ import annotations

import datetime as dt
import logging
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from crossreg.clues import conf


class Command(BaseCommand):
    help = "Clues: listen to the MQTT broker for HJ 212 packets, or simulate the demo city's devices."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        m = conf.mqtt()
        for name in ("listen", "simulate"):
            p = sub.add_parser(name)
            p.add_argument("--host", default=m["host"])
            p.add_argument("--port", type=int, default=int(m["port"]))
            p.add_argument("--topic", default=m["topic"], help="topic prefix (listen subscribes to PREFIX/#)")
        listen = sub.choices["listen"]
        listen.add_argument("--client-id", default=m["client_id"])
        listen.add_argument("--batch", type=int, default=2000)
        listen.add_argument("--max-messages", type=int, default=None)
        listen.add_argument("--idle-exit", type=float, default=None, help="stop after this many idle seconds")
        sim = sub.choices["simulate"]
        sim.add_argument("--seed", type=int, default=20260101)
        sim.add_argument("--devices", type=int, default=0, help="at most this many devices (0: all)")
        sim.add_argument("--steps", type=int, default=120)
        sim.add_argument("--step-minutes", type=int, default=1)
        sim.add_argument("--cn", default="2051", choices=["2011", "2051", "2061", "2031"])
        sim.add_argument("--start", default="", help="device local time, ISO (default: now minus the span)")
        sim.add_argument("--force", nargs="*", default=[], help="MNs made to exceed")
        sim.add_argument("--mn", nargs="*", default=[], help="only these MNs")

    def handle(self, *args: Any, **o: Any) -> None:
        if o["action"] == "listen":
            self._listen(o)
        else:
            self._simulate(o)

    def _listen(self, o: dict[str, Any]) -> None:
        from crossreg.clues.mqtt import Listener

        logging.basicConfig(level=logging.INFO)

        def report(res: Any, stats: Any) -> None:
            if stats.batches % 20 == 1:
                self.stdout.write(
                    f"{stats.messages} messages, {stats.result.accepted} accepted, "
                    f"{stats.result.rejected} rejected, {len(stats.result.clues)} clue updates"
                )

        lst = Listener(
            host=o["host"],
            port=o["port"],
            topic=f"{o['topic']}/#",
            client_id=o["client_id"],
            batch_size=o["batch"],
            on_batch=report,
        )
        signal.signal(signal.SIGTERM, lambda *_: lst._stop.set())
        signal.signal(signal.SIGINT, lambda *_: lst._stop.set())
        stats = lst.run(max_messages=o["max_messages"], idle_exit=o["idle_exit"])
        self.stdout.write(
            f"stopped: {stats.messages} messages, {stats.result.accepted} accepted, "
            f"{stats.result.rejected} rejected {stats.result.reasons}"
        )

    def _simulate(self, o: dict[str, Any]) -> None:
        from django.utils import timezone

        from crossreg.clues.models import Device
        from crossreg.clues.mqtt import publish_all
        from crossreg.clues.simulate import SimConfig, SimDevice, stream

        qs = Device.objects.filter(active=True).select_related("entity").order_by("mn")
        if o["mn"]:
            qs = qs.filter(mn__in=o["mn"])
        if o["devices"]:
            qs = qs[: o["devices"]]
        devices = [SimDevice(d.mn, d.entity_id, d.entity.industry_id or "") for d in qs]
        if not devices:
            self.stderr.write("no devices registered (run the demo, or register devices)")
            return
        span = dt.timedelta(minutes=o["steps"] * o["step_minutes"])
        start = (
            dt.datetime.fromisoformat(o["start"])
            if o["start"]
            else (timezone.localtime() - span).replace(second=0, microsecond=0, tzinfo=None)
        )
        cfg = SimConfig(
            seed=o["seed"],
            start=start,
            steps=o["steps"],
            step_minutes=o["step_minutes"],
            cn=o["cn"],
            force_exceed=frozenset(o["force"]),
        )
        n = publish_all(
            host=o["host"],
            port=o["port"],
            topic=o["topic"],
            payloads=((mn, p.encode()) for mn, p in stream(cfg, devices)),
        )
        self.stdout.write(f"published {n} packets for {len(devices)} devices to {o['topic']}/<MN>")
