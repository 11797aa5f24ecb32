"""Linking benchmark: import every department's list, relink the city, score it, link a new list.

    python -m benchmarks.bench_linking --entities 100000
    python -m benchmarks.bench_linking --entities 1000000 --incremental 10000

Runs on a scratch SQLite database in a temporary directory (``--keep DIR`` to keep it). Prints, never
asserts: import time, linking time (train / predict / cluster / apply), peak memory, pairs scored,
pairwise precision/recall/F1 and cluster precision/recall; then the incremental link of a list of
``--incremental`` rows (the first rows of the fire brigade's list, held back from the full run).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HELD_BACK = "xf"
"""The department whose list is held back from the full run and linked incrementally afterwards."""


def _peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_linking")
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument(
        "--incremental", type=int, default=10_000, help="rows of the incrementally linked list"
    )
    parser.add_argument("--keep", type=Path, default=None, help="work in this directory and keep it")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-linking-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["CROSSREG_VAR_DIR"] = str(work)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from crossreg.linking import evaluation, services
    from crossreg.linking.models import SourceRecord
    from crossreg.orgs.models import Department
    from crossreg.synth.services import city_seed

    print(f"work dir {work}", flush=True)
    call_command("migrate", verbosity=0)
    lists = work / "lists"
    t = time.perf_counter()
    city_seed(seed=args.seed, entities=args.entities, lists_dir=lists, workers=args.workers)
    print(f"seed {args.entities:,} entities: {time.perf_counter() - t:.1f} s", flush=True)

    held = lists / f"{HELD_BACK}.csv"
    held_dir = work / "held"
    held_dir.mkdir(exist_ok=True)
    held.rename(held_dir / held.name)

    actor = "system:bench"
    t = time.perf_counter()
    results = services.import_directory(actor=actor, directory=lists, link=False)
    t_import = time.perf_counter() - t
    rows = sum(r.source_list.row_count for r in results)
    print(
        f"import {len(results)} lists, {rows:,} records: {t_import:.1f} s ({rows / t_import:,.0f} rows/s)",
        flush=True,
    )

    t = time.perf_counter()
    relink = services.linking_relink(actor=actor, retrain=True)
    t_link = time.perf_counter() - t
    print(f"link (train + predict + cluster + apply + base): {t_link:.1f} s  {relink.timings}", flush=True)
    print(
        f"pairs scored {relink.counts['pairs_scored']:,}; deterministic edges {relink.counts['deterministic_edges']:,}; "
        f"review pairs {relink.counts['review_pairs']:,}; base size {relink.counts['base_size']:,}",
        flush=True,
    )

    truth = lists / "_truth" / "truth.csv"
    s = evaluation.evaluate_against(truth)
    print(
        f"full run: pairwise P {s.precision:.4f} R {s.recall:.4f} F1 {s.f1:.4f}; "
        f"cluster P {s.cluster_precision:.4f} R {s.cluster_recall:.4f} ({s.records:,} records)",
        flush=True,
    )

    # Incremental: the held-back department's list, cut to --incremental rows.
    text = (held_dir / held.name).read_bytes().decode("utf-8-sig").splitlines(keepends=True)
    part = "".join(text[: args.incremental + 1]).encode("utf-8")
    t = time.perf_counter()
    result = services.source_list_import(
        actor=actor, department=Department.objects.get(pk=HELD_BACK), content=part, file_name=held.name
    )
    t_inc = time.perf_counter() - t
    print(
        f"incremental link of {result.source_list.row_count:,} records: {t_inc:.1f} s {result.timings}",
        flush=True,
    )
    s2 = evaluation.evaluate_against(truth)
    print(
        f"after incremental: pairwise P {s2.precision:.4f} R {s2.recall:.4f} F1 {s2.f1:.4f}; "
        f"cluster P {s2.cluster_precision:.4f} R {s2.cluster_recall:.4f} ({s2.records:,} records, "
        f"{SourceRecord.objects.count():,} in the base)",
        flush=True,
    )
    print(f"peak memory (this process, RSS): {_peak_rss_mib():,.0f} MiB", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
