"""`make bench`: run every benchmark and print its figures (never asserted).

    python -m benchmarks            # full sizes, as the issues ask (1,000,000 entities; slow)
    python -m benchmarks --quick    # small sizes, to see that everything runs
    python -m benchmarks seed ledger  # only some

Each benchmark is a module ``benchmarks/bench_<name>.py`` with ``main(argv: list[str]) -> None``.
PostgreSQL figures use ``BENCH_DATABASE_URL`` (default postgres://postgres@127.0.0.1:5432/crossreg_bench);
the benchmarks create and drop their own scratch databases.
"""

from __future__ import annotations

import importlib
import sys
import time

# name -> (full-size argv, quick argv)
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "seed": (["--entities", "1000000"], ["--entities", "20000"]),
    "search": (["--entities", "1000000", "--sqlite"], ["--entities", "20000", "--sqlite"]),
    "ledger": (["--n", "1000000"], ["--n", "20000"]),
    "catalog": (
        ["--items", "5000", "--points", "50000", "--pg"],
        ["--items", "500", "--points", "5000", "--pg"],
    ),
    "linking": (["--entities", "1000000"], ["--entities", "20000"]),
    "sampling": (["--entities", "1000000"], ["--entities", "100000"]),
    "cases": (["--cases", "200000", "--entities", "1000000"], ["--quick"]),
    "credit": (
        ["--entities", "1000000", "--events", "5000000", "--db-entities", "20000", "--pg"],
        ["--entities", "100000", "--events", "500000", "--db-entities", "2000"],
    ),
    "load": (["--clients", "20", "--seconds", "20"], ["--clients", "20", "--quick"]),
    "exchange": (["--events", "1000000", "--deliver", "100000"], ["--events", "20000", "--deliver", "5000"]),
    "complaints": (["--n", "1000000"], ["--n", "50000", "--samples", "50"]),
    "clues": (
        ["--readings", "200000", "--devices", "500", "--clues", "1000000", "--entities", "1000000"],
        [
            "--readings",
            "20000",
            "--devices",
            "100",
            "--triggers",
            "10",
            "--clues",
            "100000",
            "--entities",
            "100000",
        ],
    ),
}


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    names = [a for a in argv if not a.startswith("--")] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    for name in names:
        full, small = BENCHMARKS[name]
        args = small if quick else full
        print(f"\n=== bench {name} {' '.join(args)} ===", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"benchmarks.bench_{name}")
        module.main(args)
        print(f"=== bench {name} done in {time.perf_counter() - started:.1f} s ===", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
