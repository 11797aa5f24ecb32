"""Clues: ingestion through the real MQTT broker into PostgreSQL with rules evaluated, the time from a
triggering reading to its inspection task, and batch correlation of a quarter's clues.

    .venv/bin/python -m benchmarks.bench_clues --readings 200000 --devices 500 --clues 1000000

1. **Ingestion** (scratch database ``crossreg_bench_clues`` on BENCH_DATABASE_URL's server; a
   private Mosquitto on a spare port, configured as production should be: ``max_queued_messages 0``
   — Mosquitto's default of 1,000 queued messages per offline client would silently drop the rest
   of a backlog): ``--readings`` HJ 212 minute packets (two pollutants each) from
   ``--devices`` devices are published with QoS 1 to a fresh topic while the listener's persistent
   session is away, then the listener drains them (store + sustained-exceedance rule per batch).
   Reported: packets/s from the first to the last batch committed (every packet is one reading row
   holding two values), and the rejected share (the simulator's bad packets).
2. **Reading → task**: with the listener running, ``--triggers`` devices each publish an exceedance
   that becomes sustained with its last packet; the time from publishing that packet to the joint
   task existing is measured per device (p50/p95).
3. **Correlation**: ``--clues`` clues over a quarter in a ``--entities`` city, bundled and turned
   into tasks by :func:`crossreg.clues.correlate.correlate_frame` (polars).

Prints figures; asserts nothing. The machine is shared: wall and CPU seconds are both printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence

import numpy as np

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/crossreg_bench"
SCRATCH = "crossreg_bench_clues"


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def correlation(n: int, entities: int) -> None:
    import polars as pl

    from crossreg.clues.correlate import correlate_frame

    rng = np.random.default_rng(1)
    start = dt.datetime(2026, 1, 1)
    # skewed: a few entities carry many signals, most have none
    ent = (rng.pareto(1.2, n) * entities / 50).astype(np.int64) % entities + 1
    secs = rng.integers(0, 90 * 86400, n)
    df = pl.DataFrame(
        {
            "entity_id": ent,
            "risk_type": rng.choice(["pollution_discharge", "food_safety", "fire_safety", "work_safety"], n),
            "observed_from": np.datetime64(start, "us")
            + secs.astype("timedelta64[s]").astype("timedelta64[us]"),
            "severity": rng.choice(["low", "medium", "high", "critical"], n, p=[0.5, 0.3, 0.15, 0.05]),
            "source": rng.choice(["iot", "complaint", "video", "penalty", "judgment"], n),
        }
    )
    w, c = time.perf_counter(), _cpu()
    bundles, tasks = correlate_frame(df, window_days=30, task_score=4)
    wall, cpu = time.perf_counter() - w, _cpu() - c
    print(
        f"correlation: {n:,} clues, {entities:,} entities -> {bundles.height:,} bundles, {tasks.height:,} tasks "
        f"in {wall:.2f} s wall / {cpu:.2f} s cpu"
    )


def _pg_recreate(url: str) -> str:
    import psycopg

    base, _, _name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{SCRATCH}"')
    return f"{base}/{SCRATCH}"


def _private_broker() -> tuple[int, subprocess.Popen[bytes], str]:
    import shutil
    import socket
    import tempfile

    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    d = tempfile.mkdtemp(prefix="bench-mqtt-")
    os.chmod(d, 0o777)
    conf = os.path.join(d, "m.conf")
    with open(conf, "w") as f:
        f.write(
            f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 0\n"
        )
    proc = subprocess.Popen([exe, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    return port, proc, d


def worker(readings: int, devices: int, triggers: int) -> None:
    port, broker, _tmp = _private_broker()
    try:
        _worker(readings, devices, triggers, port)
    finally:
        broker.terminate()
        broker.wait(10)


def _worker(readings: int, devices: int, triggers: int, port: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from crossreg.clues import services
    from crossreg.clues.models import ClueBundle, Reading
    from crossreg.clues.mqtt import Listener, publish_all
    from crossreg.clues.simulate import SimConfig, SimDevice, stream
    from crossreg.entities.models import Entity
    from crossreg.orgs.models import Department, Division, Domain

    city = Division.objects.get_or_create(code="320900", defaults={"name": "盐城市", "level": "city"})[0]
    env = Domain.objects.get_or_create(code="environment", defaults={"name": "生态环境", "key": True})[0]
    dept = Department.objects.get_or_create(
        code="sthj", defaults={"name": "盐城市生态环境局", "short_name": "生态环境局", "division": city}
    )[0]
    dept.domains.add(env)
    n_dev = devices + triggers
    Entity.objects.bulk_create(
        [
            Entity(
                name=f"盐城市测试{i:05d}化工有限公司",
                name_norm=f"盐城市测试{i:05d}化工有限公司",
                entity_type="enterprise",
                division=city,
            )
            for i in range(n_dev)
        ]
    )
    ents = list(Entity.objects.order_by("pk")[:n_dev])
    today = timezone.localdate()
    devs = []
    for i, e in enumerate(ents):
        devs.append(
            services.device_register(
                actor="system:bench",
                mn=f"BENCH{i:06d}",
                name=f"排口{i}",
                entity=e,
                department=dept,
                domain=env,
                measures=["w01018", "w21003"],
                reviewed_on=today - dt.timedelta(days=100),
                review_valid_until=today + dt.timedelta(days=300),
                location_published_url="https://example.invalid/p",
            )
        )
    services.rule_publish(
        actor="system:bench",
        code="cod-sustained",
        name="COD",
        kind="sustained",
        domain=env,
        risk_type="pollution_discharge",
        severity="high",
        params={"pollutant": "w01018", "limit": 50, "minutes": 30, "gap_minutes": 5},
    )
    prefix = f"bench-{uuid.uuid4().hex}"
    client_id = f"crossreg-bench-{uuid.uuid4().hex[:8]}"
    base, trig = devs[:devices], devs[devices:]
    steps = max(1, readings // max(1, devices))
    start = (timezone.localtime() - dt.timedelta(minutes=steps + 60)).replace(
        second=0, microsecond=0, tzinfo=None
    )
    # 1. backlog while the listener is away
    lst = Listener(host="127.0.0.1", port=port, topic=f"{prefix}/#", client_id=client_id)
    lst.start()
    lst.connected.wait(10)
    time.sleep(0.5)
    lst.stop()
    cfg = SimConfig(seed=3, start=start, steps=steps)
    sims = [SimDevice(d.mn, d.entity_id) for d in base]
    w = time.perf_counter()
    n = publish_all(
        host="127.0.0.1", port=port, topic=prefix, payloads=((m, p.encode()) for m, p in stream(cfg, sims))
    )
    pub = time.perf_counter() - w
    print(f"published {n:,} packets in {pub:.1f} s ({n / pub:,.0f}/s, one Python publisher)", flush=True)
    lst = Listener(host="127.0.0.1", port=port, topic=f"{prefix}/#", client_id=client_id, batch_size=5000)
    lst.start()
    c0 = _cpu()
    while lst.stats.messages < n:
        if not lst.process_once() and lst.stats.messages and time.monotonic() - (lst.stats.last_at or 0) > 20:
            break
    cpu = _cpu() - c0
    span = (lst.stats.last_at or 0) - (lst.stats.first_at or 0)
    r = lst.stats.result
    print(
        f"ingestion: {lst.stats.messages:,} packets ({r.values:,} values) in {lst.stats.batches} batches, "
        f"{lst.stats.messages / max(span, 1e-9):,.0f} packets/s ({r.values / max(span, 1e-9):,.0f} values/s) "
        f"over {span:.1f} s, {cpu:.1f} s cpu; accepted {r.accepted:,}, rejected {r.rejected:,} {r.reasons}; "
        f"{len(set(r.clues))} clues",
        flush=True,
    )
    # 2. reading -> task latency, listener live
    from crossreg.clues.hj212 import packet_build

    sent: dict[int, float] = {}
    done: dict[int, float] = {}
    t_start = (timezone.localtime() - dt.timedelta(minutes=45)).replace(second=0, microsecond=0, tzinfo=None)

    def publish_triggers() -> None:
        for d in trig:
            pre = [
                (
                    d.mn,
                    packet_build(
                        mn=d.mn,
                        cn="2051",
                        data_time=t_start + dt.timedelta(minutes=k),
                        values=[("w01018", 90.0, "N")],
                    ).encode(),
                )
                for k in range(30)
            ]
            publish_all(host="127.0.0.1", port=port, topic=prefix, payloads=pre)
            last = packet_build(
                mn=d.mn,
                cn="2051",
                data_time=t_start + dt.timedelta(minutes=30),
                values=[("w01018", 90.0, "N")],
            ).encode()
            sent[d.entity_id] = time.perf_counter()
            publish_all(host="127.0.0.1", port=port, topic=prefix, payloads=[(d.mn, last)])
            time.sleep(0.5)

    def on_batch(res: object, stats: object) -> None:
        now = time.perf_counter()
        for eid in ClueBundle.objects.filter(entity_id__in=list(sent), task_code__gt="").values_list(
            "entity_id", flat=True
        ):
            done.setdefault(eid, now)

    lst.on_batch = on_batch
    th = threading.Thread(target=publish_triggers)
    th.start()
    deadline = time.monotonic() + 60 + 2 * triggers
    while (th.is_alive() or len(done) < len(trig)) and time.monotonic() < deadline:
        lst.process_once()
        on_batch(None, None)
    th.join()
    lst.stop()
    lat = sorted(done[e] - sent[e] for e in done if e in sent)
    if lat:
        p50 = lat[len(lat) // 2]
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
        print(
            f"reading -> task: {len(lat)}/{len(trig)} tasks, p50 {p50:.2f} s, p95 {p95:.2f} s, max {lat[-1]:.2f} s"
        )
    else:
        print(f"reading -> task: no task within the deadline ({len(trig)} triggers)")
    print(f"rows: {Reading.objects.count():,} readings", flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--readings", type=int, default=200_000)
    ap.add_argument("--devices", type=int, default=500)
    ap.add_argument("--triggers", type=int, default=20)
    ap.add_argument("--clues", type=int, default=1_000_000)
    ap.add_argument("--entities", type=int, default=1_000_000)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--no-ingest", action="store_true")
    args = ap.parse_args(list(argv) if argv is not None else None)
    if args.worker:
        worker(args.readings, args.devices, args.triggers)
        return
    correlation(args.clues, args.entities)
    if args.no_ingest:
        return
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env["DATABASE_URL"] = _pg_recreate(os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.bench_clues",
        "--worker",
        "--readings",
        str(args.readings),
        "--devices",
        str(args.devices),
        "--triggers",
        str(args.triggers),
    ]
    subprocess.run(cmd, env=env, check=False)


if __name__ == "__main__":
    main(sys.argv[1:])
