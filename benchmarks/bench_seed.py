"""``crossreg seed`` at N entities into PostgreSQL and into SQLite: entities/s and peak memory
(issue 2). Target on PostgreSQL: at least 20,000 entities/s, under 2 GiB.

    python -m benchmarks.bench_seed --entities 1000000 [--only pg|sqlite] [--workers W] [--list-plan P]

PostgreSQL: a scratch database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/crossreg_bench) is dropped, created and migrated on every run.
SQLite: a scratch file in a temporary CROSSREG_VAR_DIR. The seed runs as a child process; its
memory is the peak of the summed RSS of the whole process tree (main process plus generator
workers), sampled every 50 ms with psutil, and the largest single-process max RSS from
``getrusage``. On a shared machine wall time says little, so the CPU seconds of the seed's
processes and of its PostgreSQL backend (sampled the same way; parallel index-build workers not
counted) are printed too. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import psutil

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/crossreg_bench"


def _pg_recreate(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "crossreg.cli", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def _tree_rss(proc: psutil.Process, cpu: dict[int, float], database: str | None) -> int:
    """Summed RSS of the process tree now; records each process's CPU seconds so far in ``cpu``
    (also for the PostgreSQL backends serving ``database``, under negative pids)."""
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
            times = p.cpu_times()
            cpu[p.pid] = times.user + times.system
    if database:
        for p in psutil.process_iter(["cmdline"]):
            cmd = " ".join(p.info["cmdline"] or ())
            if cmd.startswith("postgres:") and f" {database} " in cmd:
                with contextlib.suppress(psutil.NoSuchProcess):
                    times = p.cpu_times()
                    cpu[-p.pid] = times.user + times.system
    return total


def _run_seed(
    label: str,
    env: dict[str, str],
    entities: int,
    seed: int,
    workers: int | None,
    list_plan: str | None = None,
) -> dict[str, float]:
    lists = Path(tempfile.mkdtemp(prefix="crossreg-bench-lists-"))
    args = [
        sys.executable,
        "-m",
        "crossreg.cli",
        "seed",
        "--seed",
        str(seed),
        "--entities",
        str(entities),
        "--lists-dir",
        str(lists),
    ]
    if workers:
        args += ["--workers", str(workers)]
    if list_plan:
        args += ["--list-plan", list_plan]
    started = time.perf_counter()
    log = lists.with_suffix(".log")
    with log.open("w") as out:
        child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        watcher = psutil.Process(child.pid)
        peak = 0
        cpu: dict[int, float] = {}
        database = urlparse(env["DATABASE_URL"]).path.lstrip("/") if "DATABASE_URL" in env else None
        while child.poll() is None:
            peak = max(peak, _tree_rss(watcher, cpu, database))
            time.sleep(0.05)
    wall = time.perf_counter() - started
    text = log.read_text()
    log.unlink()
    if child.returncode != 0:
        print(text[-3000:])
        raise SystemExit(f"{label}: seed failed with exit code {child.returncode}")
    maxrss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    m = re.search(r"entities in ([\d.]+) s", text)
    seeded = float(m.group(1)) if m else wall
    rows = re.search(r"([\d,]+) rows on", text)
    size = sum(p.stat().st_size for p in lists.rglob("*") if p.is_file())
    shutil.rmtree(lists, ignore_errors=True)
    result = {
        "entities": entities,
        "seed_seconds": seeded,
        "wall_seconds": wall,
        "entities_per_s": entities / seeded if seeded else 0.0,
        "peak_tree_rss_mib": peak / 2**20,
        "max_single_rss_mib": maxrss_kib / 1024,
        "list_rows": float(rows.group(1).replace(",", "")) if rows else 0.0,
        "lists_mib": size / 2**20,
        "cpu_seed_s": sum(v for pid, v in cpu.items() if pid > 0),
        "cpu_database_s": sum(v for pid, v in cpu.items() if pid < 0),
    }
    print(
        f"{label:<10} {entities:>9,} entities: load average {os.getloadavg()[0]:.1f} at the end; "
        f"seed {seeded:7.1f} s ({result['entities_per_s']:,.0f} entities/s), "
        f"command wall {wall:6.1f} s, peak RSS (process tree) {result['peak_tree_rss_mib']:,.0f} MiB, "
        f"largest process {result['max_single_rss_mib']:,.0f} MiB; "
        f"{int(result['list_rows']):,} list rows, {result['lists_mib']:,.0f} MiB of lists; CPU time (sampled): "
        f"seed processes {result['cpu_seed_s']:,.0f} s, PostgreSQL backend {result['cpu_database_s']:,.0f} s "
        f"({(result['cpu_seed_s'] + result['cpu_database_s']) / max(entities, 1) * 1e6:,.0f} µs per entity)",
        flush=True,
    )
    return result


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_seed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--only", choices=("pg", "sqlite"), default=None)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--list-plan", default=None, help="the seed's --list-plan (default: the seed's own)")
    args = parser.parse_args(argv)

    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CROSSREG_VAR_DIR")}
    base["DJANGO_SETTINGS_MODULE"] = "config.settings"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "crossreg/synth"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    print(
        f"commit {commit or '?'}{' (crossreg/synth modified)' if dirty else ''}; "
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start",
        flush=True,
    )
    if args.only in (None, "pg"):
        url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)
        var = tempfile.mkdtemp(prefix="crossreg-bench-var-")
        env = {**base, "DATABASE_URL": url, "CROSSREG_VAR_DIR": var}
        _pg_recreate(url)
        _migrate(env)
        _run_seed("PostgreSQL", env, args.entities, args.seed, args.workers, args.list_plan)
        shutil.rmtree(var, ignore_errors=True)
    if args.only in (None, "sqlite"):
        var = tempfile.mkdtemp(prefix="crossreg-bench-var-")
        env = {**base, "CROSSREG_VAR_DIR": var}
        _migrate(env)
        _run_seed("SQLite", env, args.entities, args.seed, args.workers, args.list_plan)
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
