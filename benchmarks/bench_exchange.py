"""Outbox benchmark (issue 16): events written in their actions' transactions, delivered to a webhook.

    python -m benchmarks.bench_exchange [--events 1000000] [--deliver 100000] [--db both|pg|sqlite]

Targets from the issue: >= 2,000 events/s written within their actions' transactions; >= 1,000
events/s delivered to a local webhook receiver; memory flat over 1,000,000 events. Figures are
printed, never asserted.

- **write**: each event is published by ``domain_event_publish`` inside its own ``transaction.atomic()``
  (one action, one event, one commit — the worst case), then again with 10 events per action;
- **deliver**: ``--deliver`` of them go to a Standard Webhooks receiver in *another process* (it
  verifies every signature and keeps each webhook-id once), by ``outbox_deliver_batch`` rounds until
  nothing is due; the receiver's count is checked against the events;
- **memory**: the worker's RSS is sampled every tenth of each phase; flat means the last sample is
  within a few MiB of the first (nothing grows with the number of events).

Each backend runs in a child process on a scratch database created and dropped here (PostgreSQL from
BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/crossreg_bench_exchange; SQLite in a
temporary CROSSREG_VAR_DIR).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/crossreg_bench_exchange"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

RECEIVER = """
import signal, sys, time
from crossreg.outbox.receiver import Receiver
rx = Receiver(sys.argv[1], port=int(sys.argv[2])).start()
def stop(*a):
    s = rx.store
    print(f"RECEIVED {len(s.order)} {s.requests} {s.duplicates} {s.bad_signatures}", flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("READY", flush=True)
while True:
    time.sleep(1)
"""


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def worker(events: int, deliver: int, label: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import psutil
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    settings.CROSSREG = {
        **settings.CROSSREG,
        "LEDGER_SIGNING_KEY": "11" * 32,
        "LEDGER_TSA_URL": "",
        "OUTBOX_BATCH": 500,
    }
    call_command("migrate", verbosity=0, interactive=False)

    from crossreg.core.events import domain_event_publish
    from crossreg.orgs.models import Department, Division
    from crossreg.outbox import services
    from crossreg.outbox.models import Delivery, OutboxEvent, Subscription, Target

    proc = psutil.Process()

    def rss() -> float:
        return float(proc.memory_info().rss) / 2**20

    city = Division.objects.create(code="320900", name="盐城市", level="city")
    dept = Department.objects.create(code="scjg", name="市场监管局", short_name="市场监管", division=city)

    def publish(i: int) -> None:
        domain_event_publish(
            # a type no other app subscribes to: the figure is the outbox's cost, not the credit or
            # clue apps' on-commit handlers (which would look for these synthetic entities)
            type="exchange.bench.recorded",
            subject=f"task/{i % 50_000}",
            data={
                "task_code": f"JC-{i}",
                "entity_id": i % 200_000,
                "lead_department": "scjg",
                "findings": i % 3,
                "inspected_on": "2026-03-05",
                "item_codes": ["JG-SCJG-001"],
            },
            department_id="scjg",
            entity_id=i % 200_000,
        )

    # --- write: one event per action, then ten ------------------------------------------------
    print(f"[{label}] writing {events:,} events, one per transaction …", flush=True)
    samples = [rss()]
    step = max(1, events // 10)
    started, cpu0 = time.perf_counter(), time.process_time()
    for i in range(events):
        with transaction.atomic():
            publish(i)
        if (i + 1) % step == 0:
            samples.append(rss())
    took, cpu = time.perf_counter() - started, time.process_time() - cpu0
    print(
        f"[{label}] write 1/tx: {events / took:,.0f} events/s ({took:.1f} s; {events / cpu:,.0f} per CPU-second "
        f"of this process; load {os.getloadavg()[0]:.1f}); RSS MiB " + " ".join(f"{s:.0f}" for s in samples),
        flush=True,
    )
    n10 = min(events, 100_000)
    started = time.perf_counter()
    for j in range(0, n10, 10):
        with transaction.atomic():
            for k in range(10):
                publish(events + j + k)
    took = time.perf_counter() - started
    print(f"[{label}] write 10/tx: {n10 / took:,.0f} events/s ({n10:,} events, {took:.1f} s)", flush=True)
    # the written events are not for the receiver: mark them fanned out (no subscriber existed)
    OutboxEvent.objects.update(fanned_out_at=django.utils.timezone.now())

    # --- deliver ----------------------------------------------------------------------------------
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rx = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings');django.setup()\n"
            + RECEIVER,
            SECRET,
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert rx.stdout is not None
    assert rx.stdout.readline().strip() == "READY"
    try:
        target = Target.objects.create(
            code="bench",
            name="bench",
            kind="webhook",
            department=dept,
            url=f"http://127.0.0.1:{port}/hook",
            secret=SECRET,
        )
        Subscription.objects.create(target=target, event_type="*", scope="department")
        base = OutboxEvent.objects.count()
        for j in range(0, deliver, 1000):
            with transaction.atomic():
                for k in range(min(1000, deliver - j)):
                    publish(base + j + k)
        print(f"[{label}] delivering {deliver:,} events to a local webhook receiver …", flush=True)
        samples = [rss()]
        step = max(1, deliver // 10)
        done = 0
        next_sample = step
        started, cpu0 = time.perf_counter(), time.process_time()
        while True:
            r = services.outbox_deliver_batch(worker="bench")
            done += r.delivered
            if done >= next_sample:
                samples.append(rss())
                next_sample += step
            if not r:
                break
        took, cpu = time.perf_counter() - started, time.process_time() - cpu0
        delivered = Delivery.objects.filter(state="delivered").count()
        print(
            f"[{label}] deliver: {delivered / took:,.0f} events/s ({delivered:,} delivered in {took:.1f} s; "
            f"{delivered / cpu:,.0f} per CPU-second of this process; load {os.getloadavg()[0]:.1f}; "
            f"{Delivery.objects.exclude(state='delivered').count()} not delivered); RSS MiB "
            + " ".join(f"{s:.0f}" for s in samples),
            flush=True,
        )
    finally:
        rx.terminate()
        out, _ = rx.communicate(timeout=30)
        print(
            f"[{label}] receiver: {out.strip()} (held, requests, repeats ignored, bad signatures)", flush=True
        )


def _run_child(label: str, extra: dict[str, str | None], events: int, deliver: int) -> int:
    env = dict(os.environ)
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    env["PYTHONPATH"] = str(ROOT)
    argv = [
        sys.executable,
        "-m",
        "benchmarks.bench_exchange",
        "--worker",
        label,
        "--events",
        str(events),
        "--deliver",
        str(deliver),
    ]
    return subprocess.run(argv, cwd=ROOT, env=env, check=False).returncode


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_exchange", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events written (default 1,000,000)")
    parser.add_argument("--deliver", type=int, default=100_000, help="events delivered (default 100,000)")
    parser.add_argument("--db", choices=["both", "pg", "sqlite"], default="both")
    parser.add_argument("--quick", action="store_true", help="20,000 written, 5,000 delivered")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.quick:
        args.events, args.deliver = 20_000, 5_000
    if args.worker:
        worker(args.events, args.deliver, args.worker)
        return
    if args.db in ("both", "pg"):
        url = os.environ.get("BENCH_DATABASE_URL_EXCHANGE", DEFAULT_PG)
        name = urlparse(url).path.lstrip("/")
        try:
            _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _pg_admin(url, f'CREATE DATABASE "{name}"')
        except Exception as exc:
            print(f"[postgresql] skipped: cannot create the scratch database {name}: {exc}")
        else:
            try:
                _run_child("postgresql", {"DATABASE_URL": url}, args.events, args.deliver)
            finally:
                _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if args.db in ("both", "sqlite"):
        with tempfile.TemporaryDirectory(prefix="bench-exchange-") as tmp:
            _run_child("sqlite", {"DATABASE_URL": None, "CROSSREG_VAR_DIR": tmp}, args.events, args.deliver)


if __name__ == "__main__":
    main()
