"""Credit evaluation at scale: the pure core over columns, then the database-backed service.

    .venv/bin/python -m benchmarks.bench_credit --entities 1000000 --events 5000000 --db-entities 20000

1. **Core** (no database): ``crossreg.credit.engine.evaluate`` — the function the full-city batch,
   the incremental re-evaluation, the explanation and the backtest all call — over N entities and M
   events generated as columns (kinds, severities and dates as the synthetic history has them),
   with the demo model. Target (issue 12): 1,000,000 entities, 5,000,000 events in < 60 s, < 4 GiB.
2. **Database** (a child process on a scratch database: SQLite in a temporary CROSSREG_VAR_DIR, and
   with ``--pg`` PostgreSQL at BENCH_DATABASE_URL, scratch database ``crossreg_bench_credit``):
   ``credit_evaluate_all`` for ``--db-entities`` entities with their generated history, then the
   incremental path — ``credit_event_record`` of one penalty (the event, its ledger entry, the
   re-evaluation, the grade change's ledger entry, domain event and the department's notice queued
   and written on commit) — timed per call. Target: p95 < 200 ms.

Prints wall and CPU seconds and the peak resident set; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

import numpy as np

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/crossreg_bench"
SCRATCH_PG_DB = "crossreg_bench_credit"


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def core(entities: int, events: int) -> None:
    import polars as pl

    from crossreg.credit import engine
    from crossreg.credit.demo import DEMO_SPEC
    from crossreg.credit.spec import spec_validate

    rng = np.random.default_rng(12)
    today = dt.date(2026, 12, 1)
    t0, c0 = time.perf_counter(), _cpu()
    kinds = np.array(
        [
            "inspection_clean",
            "inspection_finding",
            "penalty",
            "complaint_justified",
            "compulsory_measure",
            "commitment_broken",
            "provisional_class",
        ]
    )
    kind = kinds[rng.choice(len(kinds), events, p=[0.45, 0.2, 0.1, 0.12, 0.03, 0.02, 0.08])]
    sev = np.array(["none", "minor", "ordinary", "serious"])[rng.choice(4, events, p=[0.5, 0.2, 0.25, 0.05])]
    occurred = np.datetime64(today) - rng.integers(0, 3 * 365, events).astype("timedelta64[D]")
    span = np.select([sev == "minor", sev == "serious"], [90, 1095], 365).astype("timedelta64[D]")
    repaired = np.where(rng.random(events) < 0.01, occurred + np.timedelta64(60, "D"), np.datetime64("NaT"))
    frame = pl.DataFrame(
        {
            "event_id": np.arange(1, events + 1, dtype=np.int64),
            "entity_id": rng.integers(1, entities + 1, events, dtype=np.int64),
            "kind": kind,
            "severity": sev,
            "category": np.array(["", "A", "C", "D", "random"])[rng.integers(0, 5, events)],
            "occurred_on": occurred,
            "counts_until": occurred + span,
            "repaired_on": repaired,
            "withdrawn_on": np.full(events, np.datetime64("NaT"), dtype="datetime64[D]"),
        }
    ).with_columns(
        pl.col(c).cast(pl.Date) for c in ("occurred_on", "counts_until", "repaired_on", "withdrawn_on")
    )
    gen = time.perf_counter() - t0, _cpu() - c0
    spec = spec_validate(DEMO_SPEC)
    ids = np.arange(1, entities + 1, dtype=np.int64)
    t0, c0 = time.perf_counter(), _cpu()
    res = engine.evaluate(frame, spec, today, ids)
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    dist = res.scores.group_by("grade").len().sort("grade")
    print(f"core: {entities:,} entities, {events:,} events (generated in {gen[0]:.1f} s)")
    print(f"  evaluate            {wall:8.2f} s wall {cpu:8.2f} s cpu   peak RSS {_rss_mib():,.0f} MiB")
    print(f"  lines {res.lines.height:,}, grades " + ", ".join(f"{g} {n:,}" for g, n in dist.iter_rows()))


def worker(n: int, samples: int, label: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from crossreg.synth.reference import orgs_reference_load

    orgs_reference_load()
    from crossreg.credit import services
    from crossreg.credit.demo import DEMO_SPEC
    from crossreg.credit.models import Grade, PushSubscription
    from crossreg.entities.models import Entity
    from crossreg.linking.models import SourceList, SourceRecord
    from crossreg.orgs.models import Department, Division
    from crossreg.synth.history import history_generate

    div = Division.objects.filter(code__startswith="3209").exclude(code="320900").order_by("code").first()
    t0 = time.perf_counter()
    Entity.objects.bulk_create(
        [
            Entity(
                name=f"盐城市基准{i:07d}有限公司",
                name_norm=f"盐城市基准{i:07d}有限公司",
                entity_type="enterprise",
                division=div,
                credit_class="ABCD"[i % 4] if i % 10 == 0 else "B",
            )
            for i in range(n)
        ],
        batch_size=5000,
    )
    ids = list(Entity.objects.order_by("pk").values_list("pk", flat=True))
    today = dt.date.today()
    fgw = Department.objects.get(pk="fgw")
    v = services.model_create(
        actor="system:bench", code="public", name="基准", kind="public", department=fgw, spec=DEMO_SPEC
    )
    v = services.model_version_transition(actor="system:bench", version=v, action="submit")
    services.model_version_transition(
        actor="system:r", version=v, action="publish", effective_from=today - dt.timedelta(days=1200)
    )
    services.provisional_classes_migrate(actor="system:bench", on=today - dt.timedelta(days=1000))
    hist = history_generate(seed=5, ids=ids, industries=None, today=today)
    services.credit_events_bulk_record(
        actor="system:bench", frame=hist, source_type="synth.history", reason="bench"
    )
    t_load = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), _cpu()
    summary = services.credit_evaluate_all(actor="system:bench", as_of=today)
    full = time.perf_counter() - t0, _cpu() - c0
    # incremental: a department subscribed, the entities on its list
    smr = Department.objects.filter(role="supervising").order_by("pk").first()
    assert smr is not None
    PushSubscription.objects.create(department=smr, grade_changes=True, serious_events=True)
    sl = SourceList.objects.create(department=smr, snapshot=1, sha256="0" * 64)
    targets = ids[:samples]
    SourceRecord.objects.bulk_create(
        [
            SourceRecord(
                department=smr,
                source_list=sl,
                last_list=sl,
                record_key=f"k{i}",
                row_number=1,
                raw={},
                name="x",
                content_sha1="0" * 40,
                entity_id=i,
                state="current",
            )
            for i in targets
        ]
    )
    times = []
    for k, eid in enumerate(targets):
        t = time.perf_counter()
        services.credit_event_record(
            actor="system:bench",
            entity=eid,
            kind="penalty",
            occurred_on=today,
            source_type="case",
            source_id=f"BENCH-{k}",
            severity="ordinary",
            reason="基准测试处罚",
            department_id=smr.pk,
        )
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    changed = Grade.objects.filter(entity_id__in=targets, current=True, previous__in=["A", "B"]).count()
    print(
        f"database ({label}, {connection.vendor}): {n:,} entities, {summary['events']:,} events (loaded in {t_load:.1f} s)"
    )
    print(
        f"  evaluate all        {full[0]:8.2f} s wall {full[1]:8.2f} s cpu   peak RSS {_rss_mib():,.0f} MiB   {summary['distribution']}"
    )
    print(
        f"  incremental (event + re-evaluation + ledger + push on commit), {len(times)} calls: "
        f"median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms; {changed} grades changed"
    )


def _pg_recreate(base_url: str) -> str:
    import psycopg

    admin = base_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_PG_DB}"')
        conn.execute(f'CREATE DATABASE "{SCRATCH_PG_DB}"')
    return base_url.rsplit("/", 1)[0] + "/" + SCRATCH_PG_DB


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entities", type=int, default=1_000_000)
    ap.add_argument("--events", type=int, default=5_000_000)
    ap.add_argument("--db-entities", type=int, default=20_000)
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--pg", action="store_true", help="also measure on PostgreSQL (BENCH_DATABASE_URL)")
    ap.add_argument("--no-core", action="store_true")
    ap.add_argument("--worker", default="", help=argparse.SUPPRESS)
    args = ap.parse_args(list(argv) if argv is not None else None)
    if args.worker:
        worker(args.db_entities, args.samples, args.worker)
        return
    if not args.no_core:
        core(args.entities, args.events)
    if not args.db_entities:
        return
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CROSSREG_VAR_DIR"}}
    base.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    runs = [("sqlite", dict(base, CROSSREG_VAR_DIR=tempfile.mkdtemp(prefix="bench-credit-")))]
    if args.pg:
        runs.append(
            (
                "postgresql",
                dict(base, DATABASE_URL=_pg_recreate(os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))),
            )
        )
    for label, env in runs:
        cmd = [
            sys.executable,
            "-m",
            "benchmarks.bench_credit",
            "--db-entities",
            str(args.db_entities),
            "--samples",
            str(args.samples),
            "--worker",
            label,
        ]
        subprocess.run(cmd, env=env, check=False)


if __name__ == "__main__":
    main(sys.argv[1:])
