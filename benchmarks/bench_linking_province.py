"""Province-scale DuckDB scoring (issue 19, item 3): the full run's chunked prediction on K cities.

    python -m benchmarks.bench_linking_province --from /tmp/bench-1m --copies 1 2 3

``--from DIR`` is the work directory of a ``bench_linking --keep DIR`` run (its database, SQLite
or ``--database postgres``). Its node frame (registry + current records, as the relink builds it)
is written once to ``DIR/province/nodes-1.parquet``. A province of K cities is K disjoint copies of
that city: copy c > 0 has its ids offset and a suffix ``#c`` on every key column (codes, names,
trade names, addresses, representatives, phones, county), so no blocking key joins two copies —
as two cities' entities share no county, address or phone — and the candidate pairs of K cities are
K times those of one. Each K is scored in its own child process with the saved model of the
database (``engine.predict`` on the Parquet file, in chunks of ``--chunk-nodes``): wall time, peak
RSS of the child (``/usr/bin/time``-style, from ``resource``), candidate pairs, pairs scored ≥ 0.5,
and the load average. Scoring is the only step measured: the database steps (import, apply) are
per city and do not depend on the province (see docs/linking.md, "Province plan").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_seed import ROOT

KEY_COLUMNS = (
    "uscc",
    "uscc_norm",
    "registration_no",
    "orgcode",
    "name_norm",
    "trade_name",
    "county",
    "address_norm",
    "legal_rep_norm",
    "phone_norm",
    "code_b1",
    "code_b2",
    "code_b3",
)
OFFSET = 1_000_000_000


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _base_nodes(work: Path) -> tuple[Path, Path]:
    """The city's node frame and its active model, written once (Django, the bench database)."""
    out = work / "province"
    out.mkdir(exist_ok=True)
    nodes_path, model_path = out / "nodes-1.parquet", out / "model.json"
    if nodes_path.exists() and model_path.exists():
        return nodes_path, model_path
    import django

    django.setup()
    import polars as pl

    from crossreg.linking import engine
    from crossreg.linking.services import frames, model

    active = model.link_model_active()
    settings = active.settings_json if active is not None else engine.default_model()
    thresholds = (
        (active.threshold_review, active.threshold_match)
        if active is not None
        else (engine.DEFAULT_THRESHOLD_REVIEW, engine.DEFAULT_THRESHOLD_MATCH)
    )
    nodes = pl.concat(
        [frames.registry_nodes(), frames._as_nodes(frames.record_nodes(), anchored=False)],
        how="vertical_relaxed",
    )
    engine.write_nodes(nodes, nodes_path)
    model_path.write_text(json.dumps({"settings": settings, "thresholds": thresholds}, ensure_ascii=False))
    return nodes_path, model_path


def _province(base: Path, copies: int) -> Path:
    """K disjoint copies of the city's nodes, written by DuckDB (no frame in Python memory)."""
    import duckdb

    path = base.with_name(f"nodes-{copies}.parquet")
    if path.exists() or copies == 1:
        return base if copies == 1 else path
    con = duckdb.connect()
    con.execute("SET memory_limit = '2GB'")
    cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{base}')").fetchall()]
    parts = []
    for c in range(copies):
        exprs = []
        for col in cols:
            if c and col in ("rid", "anchor"):
                sign = f"CASE WHEN {col} < 0 THEN -1 ELSE 1 END"
                exprs.append(f"{col} + {sign} * {c * OFFSET} AS {col}")
            elif c and col in KEY_COLUMNS:
                exprs.append(f"{col} || '#{c}' AS {col}")
            else:
                exprs.append(col)
        parts.append(f"SELECT {', '.join(exprs)} FROM read_parquet('{base}')")
    con.execute(
        f"COPY ({' UNION ALL '.join(parts)}) TO '{path}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 250000)"
    )
    con.close()
    return path


def _score(nodes: Path, model: Path) -> dict[str, float]:
    """One scoring run (in the child process)."""
    from crossreg.linking import engine

    spec = json.loads(model.read_text())
    review, match = spec["thresholds"]
    t = time.perf_counter()
    pred = engine.predict(nodes, spec["settings"], threshold=review, band_below=match)
    seconds = time.perf_counter() - t
    import polars as pl

    n = pl.scan_parquet(nodes).select(pl.len()).collect().item()
    return {
        "nodes": n,
        "seconds": round(seconds, 1),
        "candidates": pred.candidates,
        "scored": pred.edges.height,
        "band": pred.band.height,
        "chunks": pred.chunks,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_linking_province", description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="work", type=Path, required=True, help="a bench_linking --keep DIR")
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="sqlite")
    parser.add_argument("--duckdb-memory", default=None)
    parser.add_argument("--duckdb-threads", type=int, default=None)
    parser.add_argument("--chunk-nodes", type=int, default=None)
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CROSSREG_VAR_DIR")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", CROSSREG_VAR_DIR=str(args.work))
    if args.database == "postgres":
        env["DATABASE_URL"] = os.environ.get(
            "BENCH_LINKING_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crossreg_linking_bench"
        )
    for name, value in (
        ("LINKING_DUCKDB_MEMORY", args.duckdb_memory),
        ("LINKING_DUCKDB_THREADS", args.duckdb_threads),
        ("LINKING_PREDICT_CHUNK_NODES", args.chunk_nodes),
    ):
        if value:
            env[f"CROSSREG_{name}"] = str(value)
    os.environ.update(env)
    if args.prepare:
        _base_nodes(args.work)
        return
    if args.child:
        from crossreg.linking import engine

        engine.configure(
            memory_limit=os.environ.get("CROSSREG_LINKING_DUCKDB_MEMORY"),
            threads=int(os.environ.get("CROSSREG_LINKING_DUCKDB_THREADS") or 0) or None,
            chunk_nodes=int(os.environ.get("CROSSREG_LINKING_PREDICT_CHUNK_NODES") or 0) or None,
        )
        print(json.dumps(_score(*args.child)), flush=True)
        return
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    print(
        f"commit {commit.stdout.strip()}; {os.cpu_count()} CPUs; load {_load()}; from {args.work}", flush=True
    )
    t = time.perf_counter()
    me = [sys.executable, "-m", "benchmarks.bench_linking_province", "--from", str(args.work)]
    subprocess.run(
        [*me, "--database", args.database, "--prepare"], cwd=ROOT, env=os.environ.copy(), check=True
    )
    base, model = args.work / "province" / "nodes-1.parquet", args.work / "province" / "model.json"
    print(f"node frame of the city: {time.perf_counter() - t:.1f} s ({base})", flush=True)
    for k in args.copies:
        t = time.perf_counter()
        path = _province(base, k)
        built = time.perf_counter() - t
        load = _load()
        out = subprocess.run(
            [*me, "--child", str(path), str(model)],
            cwd=ROOT,
            env=os.environ.copy(),
            capture_output=True,
            text=True,
        )
        if out.returncode:
            print(f"{k} cities: failed\n{out.stderr[-3000:]}", flush=True)
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{k} cities ({r['nodes']:,} nodes; province file {built:.1f} s): predict {r['seconds']} s in "
            f"{r['chunks']} chunks; candidate pairs {r['candidates']:,} ({r['candidates'] / r['nodes']:.2f} per node); "
            f"scored ≥ threshold {r['scored']:,} ({r['scored'] / r['nodes']:.2f} per node); review band {r['band']:,}; "
            f"peak RSS {r['peak_rss_mib']:,} MiB; load at start {load}, at end {_load()}",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
