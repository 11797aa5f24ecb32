"""Entity search through the API at N entities: median and p95 latency for USCC, exact-name and
fuzzy-name search (issue 2). Target on PostgreSQL: p95 under 100 ms at 1,000,000 entities.

    python -m benchmarks.bench_search --entities 1000000 [--reuse] [--sqlite]

Seeds a scratch database (PostgreSQL from BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/crossreg_bench_search; dropped and re-created unless --reuse
finds it already seeded), then times GET /api/v1/entities/search in-process with Django's test
client, as a logged-in department user. Figures are printed, never asserted.
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

from benchmarks.bench_seed import _pg_recreate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/crossreg_bench_search"


def _crossreg(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "crossreg.cli", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _entity_count(env: dict[str, str]) -> int:
    code = (
        "import django;django.setup();from crossreg.entities.models import Entity;"
        "print(Entity.objects.count())"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    return int(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip().isdigit() else -1


def _variant(name: str, rng: random.Random) -> str:
    """A name as another department would write it."""
    if "有限公司" in name and "有限责任公司" not in name:
        return name.replace("有限公司", "有限责任公司")
    if "有限责任公司" in name:
        return name.replace("有限责任公司", "有限公司")
    if len(name) > 6:  # drop one character from the middle (a typo)
        i = rng.randrange(2, len(name) - 2)
        return name[:i] + name[i + 1 :]
    return name


def _measure(label: str, env: dict[str, str], samples: int) -> None:
    code = f"""
import json, random, statistics, time, django
django.setup()
from django.test import Client
from crossreg.entities.models import Entity
from crossreg.orgs.models import User
from benchmarks.bench_search import _variant
rng = random.Random(42)
user = User.objects.filter(role="staff").exclude(department=None).first()
client = Client()
client.force_login(user)
max_id = Entity.objects.order_by("-id").values_list("id", flat=True).first()
picked = []
while len(picked) < {samples}:
    e = Entity.objects.filter(id__gte=rng.randint(1, max_id)).order_by("id").values("uscc", "name").first()
    if e and e["uscc"]:
        picked.append(e)
queries = {{
    "uscc": [(e["uscc"], "uscc") for e in picked],
    "exact": [(e["name"], "exact") for e in picked],
    "fuzzy": [(_variant(e["name"], rng), "fuzzy") for e in picked],
}}
result = {{}}
for kind, qs in queries.items():
    client.get("/api/v1/entities/search", {{"q": qs[0][0], "mode": qs[0][1]}})  # warm up
    times, found = [], 0
    for q, mode in qs:
        t0 = time.perf_counter()
        r = client.get("/api/v1/entities/search", {{"q": q, "mode": mode}})
        times.append((time.perf_counter() - t0) * 1000)
        found += r.status_code == 200 and bool(r.json().get("results"))
    times.sort()
    result[kind] = (statistics.median(times), times[int(0.95 * (len(times) - 1))], found, len(qs))
print(json.dumps(result))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        print(f"  {label}: FAILED\n{out.stderr[-2000:]}")
        return
    import json

    for kind, (median, p95, found, total) in json.loads(out.stdout.strip().splitlines()[-1]).items():
        print(
            f"  {label:10s} {kind:6s} search: median {median:7.1f} ms   p95 {p95:7.1f} ms   "
            f"found {found}/{total}"
        )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_search")
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="reuse the scratch database if already seeded")
    parser.add_argument("--sqlite", action="store_true", help="also measure on a scratch SQLite file")
    args = parser.parse_args(argv)

    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CROSSREG_VAR_DIR"}}
    base["DJANGO_SETTINGS_MODULE"] = "config.settings"
    targets: list[tuple[str, dict[str, str]]] = []
    pg_env = dict(
        base,
        DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG),
        CROSSREG_VAR_DIR=tempfile.mkdtemp(prefix="bench-search-pg-"),
    )
    targets.append(("postgresql", pg_env))
    if args.sqlite:
        targets.append(
            ("sqlite", dict(base, CROSSREG_VAR_DIR=tempfile.mkdtemp(prefix="bench-search-sqlite-")))
        )

    for label, env in targets:
        if args.reuse and _entity_count(env) >= args.entities:
            print(f"  {label}: reusing the seeded scratch database")
        else:
            if label == "postgresql":
                _pg_recreate(env["DATABASE_URL"])
            t0 = time.perf_counter()
            _crossreg(env, "migrate", "--noinput")
            _crossreg(env, "seed", "--seed", "7", "--entities", str(args.entities), "--reset")
            print(f"  {label}: seeded {args.entities:,} entities in {time.perf_counter() - t0:.0f} s")
        _measure(label, env, args.samples)


if __name__ == "__main__":
    main(sys.argv[1:])
