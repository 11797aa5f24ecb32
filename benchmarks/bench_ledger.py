"""Ledger benchmark (issue 3): append throughput, inclusion-proof latency and full verification at N.

    python -m benchmarks.bench_ledger [--n 1000000] [--batch 10000] [--db both|pg|sqlite]
    python -m benchmarks.bench_ledger --writers 16 --seconds 20 [--db pg]   # issue 15: concurrency

``--writers W`` measures instead the write path as the platform uses it: W processes, each action
its own transaction (``ledger_append`` inside ``transaction.atomic``), for ``--seconds``; it prints
actions/s, commit latency p50/p95, how long after its commit each entry's inclusion proof could be
read (from another connection), then checks that the sequence is dense and verifies the tree.

Targets from the issue: >= 5,000 entries/s batched on PostgreSQL; inclusion proof < 5 ms at
1,000,000 entries; full verification of 1,000,000 entries < 60 s. Figures are printed, never asserted.

Each backend runs in a child process on a scratch database that is created and dropped here:
PostgreSQL from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/crossreg_bench_ledger),
SQLite with the platform's default settings in a temporary CROSSREG_VAR_DIR. The real ledger is never touched.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/crossreg_bench_ledger"


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def _ms(seconds: list[float], q: float) -> float:
    ordered = sorted(seconds)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def worker(n: int, batch: int, label: str) -> None:
    """Runs inside the child process, with DATABASE_URL pointing at the scratch database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import psutil
    from django.conf import settings
    from django.core.management import call_command

    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_SIGNING_KEY": "11" * 32, "LEDGER_TSA_URL": ""}
    call_command("migrate", verbosity=0, interactive=False)

    from crossreg.ledger import selectors, services
    from crossreg.ledger.services import LedgerRecord, ledger_append, ledger_append_many
    from crossreg.ledger.verification import ledger_verify

    actions = ["inspection.create", "inspection.result", "case.file", "draw.run", "entity.update"]
    rng = random.Random(3)

    def record(i: int) -> LedgerRecord:
        return LedgerRecord(
            actor=f"user:officer{i % 3000}",
            action=actions[i % len(actions)],
            subject_type="entity",
            subject_id=str(i % 200_000),
            payload={
                "department": f"dept{i % 40}",
                "result": "pass" if i % 7 else "finding",
                "items": i % 13,
            },
            evidence=[f"{(i * 2654435761) % (1 << 256):064x}"] if i % 10 == 0 else [],
        )

    print(f"[{label}] appending {n:,} entries in batches of {batch:,} …", flush=True)
    started = time.perf_counter()
    done = 0
    last_report = started
    while done < n:
        size = min(batch, n - done)
        ledger_append_many(records=[record(done + k) for k in range(size)])
        done += size
        if time.perf_counter() - last_report > 30:
            last_report = time.perf_counter()
            print(f"[{label}]   {done:,} entries, {done / (last_report - started):,.0f}/s", flush=True)
    append_s = time.perf_counter() - started
    print(f"[{label}] batched append: {n:,} entries in {append_s:.1f} s = {n / append_s:,.0f} entries/s")

    singles = 1000
    started = time.perf_counter()
    for k in range(singles):
        r = record(n + k)
        ledger_append(
            actor=str(r.actor),
            action=r.action,
            subject_type=r.subject_type,
            subject_id=str(r.subject_id),
            payload=dict(r.payload),
            evidence=list(r.evidence),
        )
    single_s = time.perf_counter() - started
    print(f"[{label}] single appends (one transaction each): {singles / single_s:,.0f} entries/s")
    total = n + singles

    started = time.perf_counter()
    services.checkpoint_create()
    print(f"[{label}] signed checkpoint at {total:,}: {1000 * (time.perf_counter() - started):.1f} ms")

    timings: list[float] = []
    for _ in range(1000):
        seq = rng.randrange(total)
        t0 = time.perf_counter()
        selectors.inclusion_proof(seq=seq, size=total)
        timings.append(time.perf_counter() - t0)
    print(
        f"[{label}] inclusion proof at {total:,}: median {_ms(timings, 0.5):.2f} ms, "
        f"p95 {_ms(timings, 0.95):.2f} ms, p99 {_ms(timings, 0.99):.2f} ms (1,000 random entries)"
    )
    timings = []
    for _ in range(300):
        old = rng.randrange(1, total)
        t0 = time.perf_counter()
        selectors.consistency_proof(old=old, new=total)
        timings.append(time.perf_counter() - t0)
    print(f"[{label}] consistency proof: median {_ms(timings, 0.5):.2f} ms, p95 {_ms(timings, 0.95):.2f} ms")

    started = time.perf_counter()
    report = ledger_verify()
    verify_s = time.perf_counter() - started
    verdict = "OK" if report.ok else f"FAILED ({report.first})"
    print(f"[{label}] full verification of {report.size:,} entries: {verify_s:.1f} s, {verdict}")
    peak = psutil.Process().memory_info().rss / 2**20
    print(f"[{label}] resident memory at the end: {peak:,.0f} MiB", flush=True)


def _writer_process(w: int, seconds: float, barrier: object, out: object) -> None:
    """One concurrent writer (a process of its own): single-action transactions until the deadline."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction

    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_SIGNING_KEY": "11" * 32, "LEDGER_TSA_URL": ""}
    from crossreg.ledger import selectors
    from crossreg.ledger.services import ledger_append

    latencies: list[float] = []
    proof_lag: list[float] = []
    selectors.tree_size()  # connected before the start
    barrier.wait()  # type: ignore[attr-defined]
    deadline = time.time() + seconds
    i = 0
    while time.time() < deadline:
        t0 = time.perf_counter()
        with transaction.atomic():
            entry = ledger_append(
                actor=f"user:officer{w}",
                action="inspection.result",
                subject_type="entity",
                subject_id=str(w * 1_000_000 + i),
                payload={"department": f"dept{w}", "result": "pass", "items": i % 13},
                evidence=[],
            )
        committed = time.perf_counter()
        latencies.append(committed - t0)
        if i % 10 == 0:  # how soon after commit the entry's inclusion proof can be served
            while True:
                size = selectors.tree_size()
                if size > entry.seq:
                    selectors.inclusion_proof(seq=entry.seq, size=size)
                    break
                time.sleep(0.005)
            proof_lag.append(time.perf_counter() - committed)
        i += 1
    out.put((w, latencies, proof_lag))  # type: ignore[attr-defined]


def concurrent(writers: int, seconds: float, label: str) -> None:
    """Runs in the child process on the scratch database: W writer processes, then the checks."""
    import multiprocessing

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_SIGNING_KEY": "11" * 32, "LEDGER_TSA_URL": ""}
    call_command("migrate", verbosity=0, interactive=False)
    from django.db import connections

    from crossreg.ledger.models import Entry
    from crossreg.ledger.verification import ledger_verify

    before = Entry.objects.count()
    connections.close_all()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    barrier = ctx.Barrier(writers)  # every process set up and connected before any writes
    procs = [ctx.Process(target=_writer_process, args=(w, seconds, barrier, queue)) for w in range(writers)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 900) for _ in procs]
    for p in procs:
        p.join(60)
    latencies = sorted(x for _, lat, _ in results for x in lat)
    lags = sorted(x for _, _, lag in results for x in lag)
    n = len(latencies)
    print(
        f"[{label}] {writers} writers, one action per transaction, {seconds:.0f} s: {n:,} actions = "
        f"{n / seconds:,.0f} actions/s; commit latency p50 {_ms(latencies, 0.5):.1f} ms, "
        f"p95 {_ms(latencies, 0.95):.1f} ms (load average {os.getloadavg()[0]:.1f})"
    )
    print(
        f"[{label}] inclusion proof readable after commit: p50 {_ms(lags, 0.5):.1f} ms, "
        f"p95 {_ms(lags, 0.95):.1f} ms, max {1000 * lags[-1]:.1f} ms ({len(lags):,} sampled)"
    )
    seqs = list(Entry.objects.order_by("seq").values_list("seq", flat=True))
    dense = seqs == list(range(len(seqs))) and len(seqs) == before + n
    started = time.perf_counter()
    report = ledger_verify()
    verdict = "OK" if report.ok else f"FAILED ({report.first})"
    print(
        f"[{label}] after: {len(seqs):,} entries, sequence {'dense' if dense else 'NOT DENSE'}; "
        f"verify {verdict} in {time.perf_counter() - started:.1f} s"
    )


def _run_child(label: str, env_changes: dict[str, str | None], n: int, batch: int, extra: list[str]) -> int:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    argv = [
        sys.executable,
        "-m",
        "benchmarks.bench_ledger",
        "--worker",
        label,
        "--n",
        str(n),
        "--batch",
        str(batch),
        *extra,
    ]
    return subprocess.run(argv, cwd=ROOT, env=env, check=False).returncode


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_ledger", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="entries to append (default 1,000,000)")
    parser.add_argument("--batch", type=int, default=10_000, help="entries per ledger_append_many call")
    parser.add_argument("--db", choices=["both", "pg", "sqlite"], default="both")
    parser.add_argument("--writers", type=int, default=0, help="concurrent single-action writers instead")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the writers write")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.worker:
        if args.writers:
            concurrent(args.writers, args.seconds, args.worker)
        else:
            worker(args.n, args.batch, args.worker)
        return
    extra = ["--writers", str(args.writers), "--seconds", str(args.seconds)] if args.writers else []
    if args.db in ("both", "pg"):
        url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)
        name = urlparse(url).path.lstrip("/")
        try:
            _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _pg_admin(url, f'CREATE DATABASE "{name}"')
        except Exception as exc:
            print(f"[postgresql] skipped: cannot create the scratch database {name}: {exc}")
        else:
            try:
                _run_child("postgresql", {"DATABASE_URL": url}, args.n, args.batch, extra)
            finally:
                _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if args.db in ("both", "sqlite"):
        with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
            # the default SQLite set-up (WAL, BEGIN IMMEDIATE) in a scratch CROSSREG_VAR_DIR
            _run_child("sqlite", {"DATABASE_URL": None, "CROSSREG_VAR_DIR": tmp}, args.n, args.batch, extra)


if __name__ == "__main__":
    main()
