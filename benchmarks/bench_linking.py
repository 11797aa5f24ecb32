"""Linking benchmark (issue 5): import every department's list, relink the city, score it, then link
a department's updated list with new records incrementally.

    python -m benchmarks.bench_linking --entities 1000000                 # PostgreSQL, 8 lists
    python -m benchmarks.bench_linking --entities 100000 --database sqlite
    python -m benchmarks.bench_linking --entities 100000 --list-plan city  # the 17-list city

The city is seeded with ``crossreg seed --list-plan bench8`` (eight departments' lists, about three
rows per entity) in a child process, into a scratch database: PostgreSQL (``--database postgres``,
the default; ``BENCH_LINKING_DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/crossreg_linking_bench, dropped and created on every run with
``bench_seed``'s helper) or a SQLite file in a temporary directory. The last ``--incremental`` rows
of one department's list (``--held-back``) are left out of the full run; afterwards that
department's whole list is imported as its next snapshot, so those rows are linked incrementally
against the base. Prints, never asserts: import time, linking time per step, peak memory (this
process's maximum RSS; the seed runs in its own process), pairs scored, pairwise
precision/recall/F1, cluster precision/recall, and the incremental run.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_seed import ROOT, _pg_recreate

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/crossreg_linking_bench"
HELD_BACK = "wjw"
"""The department whose last rows are held back from the full run and linked incrementally."""


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() or "?"


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _split_list(path: Path, keep_out: int) -> tuple[bytes, bytes]:
    """(the list without its last ``keep_out`` rows, the whole list)."""
    whole = path.read_bytes()
    lines = whole.splitlines(keepends=True)
    return b"".join(lines[: max(1, len(lines) - keep_out)]), whole


def _seed_and_split(
    args: argparse.Namespace, env: dict[str, str], lists: Path, held_path: Path, held_dir: Path
) -> None:
    """Migrate, seed the city in a child process, and cut the held-back list."""
    cli = [sys.executable, "-m", "crossreg.cli"]
    subprocess.run([*cli, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    t = time.perf_counter()
    subprocess.run(
        [
            *cli,
            "seed",
            "--seed",
            str(args.seed),
            "--entities",
            str(args.entities),
            "--list-plan",
            args.list_plan,
            "--lists-dir",
            str(lists),
            "--workers",
            str(args.workers),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"seed: {time.perf_counter() - t:.1f} s", flush=True)
    held_dir.mkdir(exist_ok=True)
    shutil.move(held_path, held_dir / held_path.name)
    part, _whole = _split_list(held_dir / held_path.name, args.incremental)
    held_path.write_bytes(part)


def _snapshot_take(database: str, work: Path, url: str) -> None:
    """Keep a copy of the imported database, so that every ``--reuse`` run starts from it."""
    if database == "sqlite":
        shutil.copyfile(work / "crossreg.sqlite3", work / "snapshot.sqlite3")
        return
    _pg_admin(
        url, 'DROP DATABASE IF EXISTS "{snap}" WITH (FORCE)', 'CREATE DATABASE "{snap}" TEMPLATE "{name}"'
    )


def _snapshot_restore(database: str, work: Path, url: str) -> None:
    if database == "sqlite":
        if (work / "snapshot.sqlite3").exists():
            shutil.copyfile(work / "snapshot.sqlite3", work / "crossreg.sqlite3")
        return
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    snap = f"{parsed.path.lstrip('/')}_snapshot"
    with psycopg.connect(parsed._replace(path="/postgres").geturl()) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [snap]).fetchone() is None:
            return
    _pg_admin(
        url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', 'CREATE DATABASE "{name}" TEMPLATE "{snap}"'
    )


def _pg_admin(url: str, *statements: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql.format(name=name, snap=f"{name}_snapshot"))


def _copy_to_postgres(sqlite_path: Path, url: str, env: dict[str, str]) -> None:
    """A PostgreSQL copy of an imported SQLite benchmark database (``--copy-to-postgres``): the
    schema by ``migrate``, then every table with rows COPYed over as it is (no standardisation
    again), sequences reset, and the copy kept as the snapshot ``--reuse`` starts from. The
    import itself is measured on SQLite; PostgreSQL's own import was measured in earlier runs."""
    import csv
    import io
    import sqlite3

    import psycopg

    _pg_recreate(url)
    subprocess.run(
        [sys.executable, "-m", "crossreg.cli", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": url},
        check=True,
    )
    src = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    skip = {"django_migrations", "sqlite_sequence", "sqlite_stat1"}
    tables = [
        r[0]
        for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if r[0] not in skip and not r[0].startswith("sqlite_")
    ]
    with psycopg.connect(url) as pg:
        pg.execute("SET TIME ZONE 'UTC'")  # SQLite holds Django's naive UTC text
        pg.execute("SET session_replication_role = replica")  # no foreign-key triggers while copying
        pg_tables = {r[0] for r in pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        for table in tables:
            if table not in pg_tables or src.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is None:
                continue
            cols = [r[1] for r in src.execute(f'PRAGMA table_info("{table}")')]
            types: dict[str, str] = dict(
                pg.execute(
                    "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s",
                    [table],
                ).fetchall()
            )
            bools = {i for i, c in enumerate(cols) if types.get(c) == "boolean"}
            pg.execute(f'TRUNCATE "{table}" CASCADE')
            t = time.perf_counter()
            collist = ", ".join(f'"{c}"' for c in cols)
            cur = src.execute(f'SELECT {collist} FROM "{table}"')
            n = 0
            with pg.cursor().copy(
                f"COPY \"{table}\" ({collist}) FROM STDIN (FORMAT csv, NULL '\\N')"
            ) as copy:
                while rows := cur.fetchmany(50_000):
                    buf = io.StringIO()
                    w = csv.writer(buf)
                    for row in rows:
                        w.writerow(
                            [
                                "\\N" if v is None else ("t" if v else "f") if i in bools else v
                                for i, v in enumerate(row)
                            ]
                        )
                    copy.write(buf.getvalue())
                    n += len(rows)
            print(f"copied {table}: {n:,} rows in {time.perf_counter() - t:.1f} s", flush=True)
        pg.execute("SET session_replication_role = DEFAULT")
        seqs = pg.execute(
            "SELECT t.relname, a.attname, s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
            "JOIN pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = t.oid "
            "AND a.attnum = d.refobjsubid WHERE s.relkind = 'S'"
        ).fetchall()
        for table, col, seq in seqs:
            pg.execute(
                f'SELECT setval(\'"{seq}"\', COALESCE((SELECT MAX("{col}") FROM "{table}"), 0) + 1, false)'
            )
        pg.commit()
        pg.autocommit = True
        pg.execute("VACUUM ANALYZE")
    _snapshot_take("postgres", sqlite_path.parent, url)


def _cpu() -> float:
    """CPU seconds of this process (all threads: Django, polars, DuckDB and SQLite run here)."""
    return time.process_time()


def _renumbered(content: bytes, n: int) -> bytes:
    """The list with the department IDs of its last ``n`` rows replaced by new ones: the next
    snapshot, in which ``n`` companies are new records (and the rows they replace have left)."""
    lines = content.splitlines(keepends=True)
    tag = f"N{int(time.time()) % 100000:05d}-"
    out = lines[: max(1, len(lines) - n)]
    for line in lines[max(1, len(lines) - n) :]:
        out.append(tag.encode() + line)
    return b"".join(out)


def _incremental(args: argparse.Namespace, content: bytes, file_name: str, what: str) -> None:
    """Import ``content`` as the held-back department's next snapshot, linked incrementally;
    print wall and CPU seconds of the link step (PostgreSQL's own CPU is in its server processes)."""
    from crossreg.linking import services
    from crossreg.linking.services import imports
    from crossreg.orgs.models import Department

    measured: dict[str, float] = {}
    real = imports.link_incremental

    def timed(**kwargs: Any) -> dict[str, int]:
        w, c = time.perf_counter(), _cpu()
        try:
            return real(**kwargs)
        finally:
            measured.update(wall=time.perf_counter() - w, cpu=_cpu() - c)

    imports.link_incremental = timed
    try:
        load = _load()
        t, c = time.perf_counter(), _cpu()
        result = services.source_list_import(
            actor="system:bench",
            department=Department.objects.get(pk=args.held_back),
            content=content,
            file_name=file_name,
        )
        t_inc, c_inc = time.perf_counter() - t, _cpu() - c
    finally:
        imports.link_incremental = real
    timings = {k: round(v, 1) for k, v in result.timings.items()}
    counts = result.counts
    print(
        f"incremental ({what}): {args.held_back} list of {result.source_list.row_count:,} rows, "
        f"{counts.get('new', 0):,} new records linked: {t_inc:.1f} s wall, {c_inc:.1f} s CPU {timings}; "
        f"**link step {measured.get('wall', 0.0):.1f} s wall, {measured.get('cpu', 0.0):.1f} s CPU** (this "
        f"process); pairs scored {counts.get('pairs_scored', 0):,}; existing candidates "
        f"{counts.get('existing_candidates', 0):,}; load {load} → {_load()}",
        flush=True,
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_linking", description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--list-plan", default="bench8", help="the seed's list plan (bench8 or city)")
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--held-back", default=HELD_BACK, help="department whose last rows are held back")
    parser.add_argument(
        "--incremental", type=int, default=10_000, help="rows held back and linked incrementally"
    )
    parser.add_argument("--keep", type=Path, default=None, help="work in this directory and keep it")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --keep DIR of an earlier run stopped after its import: skip seed and import, "
        "measure the link and the incremental run on that database",
    )
    parser.add_argument(
        "--stop-after-import",
        action="store_true",
        help="with --keep DIR: seed and import, snapshot the database, and stop (then --reuse)",
    )
    parser.add_argument(
        "--duckdb-memory", default=None, help="DuckDB's memory cap, e.g. 3GB (default: the code's)"
    )
    parser.add_argument(
        "--duckdb-threads", type=int, default=None, help="DuckDB's threads (default: one per core)"
    )
    parser.add_argument(
        "--chunk-nodes", type=int, default=None, help="nodes per prediction chunk (default: the code's)"
    )
    parser.add_argument(
        "--copy-to-postgres",
        action="store_true",
        help="with --keep DIR of an imported SQLite run: copy its snapshot to PostgreSQL and stop "
        "(then --reuse --database postgres --keep DIR)",
    )
    parser.add_argument(
        "--incremental-only",
        action="store_true",
        help="with --keep DIR of a finished run (its database linked, not restored): import the "
        "held-back department's list with its last --incremental rows under new IDs and measure "
        "only that incremental link",
    )
    args = parser.parse_args(argv)
    if args.incremental_only:
        args.reuse = True
    if (args.reuse or args.stop_after_import) and args.keep is None:
        parser.error("--reuse and --stop-after-import need --keep DIR")

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-linking-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CROSSREG_VAR_DIR")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", CROSSREG_VAR_DIR=str(work))
    url = os.environ.get("BENCH_LINKING_DATABASE_URL", DEFAULT_PG)
    if args.copy_to_postgres:
        t = time.perf_counter()
        _copy_to_postgres(work / "snapshot.sqlite3", url, env)
        print(f"copied to PostgreSQL in {time.perf_counter() - t:.1f} s; load {_load()}", flush=True)
        return
    if args.database == "postgres":
        if not args.reuse:
            _pg_recreate(url)
        env["DATABASE_URL"] = url
    if args.reuse and not args.incremental_only:
        _snapshot_restore(args.database, work, url)
    for name, value in (
        ("LINKING_DUCKDB_MEMORY", args.duckdb_memory),
        ("LINKING_DUCKDB_THREADS", args.duckdb_threads),
        ("LINKING_PREDICT_CHUNK_NODES", args.chunk_nodes),
    ):
        if value:
            env[f"CROSSREG_{name}"] = str(value)
    os.environ.clear()
    os.environ.update(env)
    print(
        f"commit {_commit()}; {os.cpu_count()} CPUs, load average {_load()}; {args.database}; "
        f"{args.entities:,} entities, list plan {args.list_plan}; work dir {work}",
        flush=True,
    )
    lists = work / "lists"
    held_path = lists / f"{args.held_back}.csv"
    held_dir = work / "held"
    actor = "system:bench"
    if not args.reuse:
        _seed_and_split(args, env, lists, held_path, held_dir)

    import django

    django.setup()
    from crossreg.linking import evaluation, services
    from crossreg.linking.models import SourceRecord

    whole = (held_dir / held_path.name).read_bytes()
    if args.incremental_only:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        print(
            f"incremental only, on the linked database: {SourceRecord.objects.count():,} records", flush=True
        )
        _incremental(args, _renumbered(whole, args.incremental), held_path.name, "rows renumbered as new")
        print(f"peak memory (this process, RSS): {_peak_rss_mib():,.0f} MiB", flush=True)
        return
    if args.reuse:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        rows = SourceRecord.objects.count()
        print(
            f"reusing the imported database: {rows:,} records (import measured by the earlier run)",
            flush=True,
        )
    else:
        t = time.perf_counter()
        results = services.import_directory(actor=actor, directory=lists, link=False)
        t_import = time.perf_counter() - t
        rows = sum(r.source_list.row_count for r in results)
        std = sum(r.timings.get("standardise", 0.0) for r in results)
        write = sum(r.timings.get("write", 0.0) for r in results)
        print(
            f"import {len(results)} lists, {rows:,} records: {t_import:.1f} s ({rows / t_import:,.0f} rows/s; "
            f"read + standardise {std:.1f} s, write {write:.1f} s); peak RSS so far {_peak_rss_mib():,.0f} MiB; "
            f"load {_load()}",
            flush=True,
        )
        if args.stop_after_import:
            from django.db import connections

            connections.close_all()
            _snapshot_take(args.database, work, url)
            print(f"snapshot taken in {work}; link it with --reuse --keep {work}", flush=True)
            return

    t = time.perf_counter()
    relink = services.linking_relink(actor=actor, retrain=True)
    t_link = time.perf_counter() - t
    print(
        f"link (load + train + predict + cluster + apply + base): {t_link:.1f} s  {relink.timings}; "
        f"peak RSS so far {_peak_rss_mib():,.0f} MiB; load {_load()}",
        flush=True,
    )
    c = relink.counts
    print(
        f"pairs scored {c['pairs_scored']:,}; deterministic edges {c['deterministic_edges']:,}; "
        f"review pairs {c['review_pairs']:,}; new source-only entities {c['new_entities']:,}; "
        f"base size {c['base_size']:,}",
        flush=True,
    )
    nodes = max(c.get("nodes", 0), 1)
    print(
        f"blocking: {c.get('candidate_pairs', 0):,} candidate pairs for {nodes:,} nodes "
        f"({c.get('candidate_pairs', 0) / nodes:.2f} per node; {c['pairs_scored'] / nodes:.2f} scored "
        f"≥ 0.5 per node) in {c.get('predict_chunks', 1)} prediction chunk(s); blocking keys rebuilt: "
        f"{bool(c.get('keys_rebuilt'))} ({relink.timings.get('keys', 0.0)} s)",
        flush=True,
    )
    print(f"peak RSS (MiB) at the end of each link step: {relink.memory}", flush=True)

    truth = lists / "_truth" / "truth.csv"
    s = evaluation.evaluate_against(truth)
    print(
        f"full run: pairwise P {s.precision:.4f} R {s.recall:.4f} F1 {s.f1:.4f}; "
        f"cluster P {s.cluster_precision:.4f} R {s.cluster_recall:.4f} ({s.records:,} records)",
        flush=True,
    )

    # Incremental: the held-back department's whole list as its next snapshot.
    _incremental(args, whole, held_path.name, "held-back rows")
    s2 = evaluation.evaluate_against(truth)
    print(
        f"after incremental: pairwise P {s2.precision:.4f} R {s2.recall:.4f} F1 {s2.f1:.4f}; "
        f"cluster P {s2.cluster_precision:.4f} R {s2.cluster_recall:.4f} ({s2.records:,} records, "
        f"{SourceRecord.objects.count():,} in the base)",
        flush=True,
    )
    print(f"peak memory (this process, RSS): {_peak_rss_mib():,.0f} MiB", flush=True)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
