"""Entity search through the API at N entities: median and p95 latency for USCC, exact-name and
fuzzy-name search (issue 2). Target on PostgreSQL: p95 under 100 ms at 1,000,000 entities.

    python -m benchmarks.bench_search --entities 1000000 [--reuse] [--sqlite] [--explain K]

Seeds a scratch database (PostgreSQL from BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/crossreg_bench_search; dropped and re-created unless --reuse
finds it already seeded, in which case only new migrations are applied), then times
GET /api/v1/entities/search in-process with Django's test client, as a logged-in department user.

Query sets, one per picked entity (200 by default, the same entities for every set): its USCC, its
exact name, ``fuzzy`` (``_variant``: 有限公司 ↔ 有限责任公司, else a character dropped from the
middle — the set the issue's figures were first measured with) and ``lists`` (``_list_variant``:
the synthetic lists' own name messes). For each it prints median and p95 latency and recall: how
often the entity meant is the first hit, in the first 10 and in the first 20 (the API's default
page). ``--explain K`` prints EXPLAIN ANALYZE of the K slowest fuzzy searches. Figures are
printed, never asserted.
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
from typing import Any

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


def _list_variant(e: dict[str, Any], rng: random.Random) -> str:
    """The name as a department's list writes it, with the synthetic city's own name messes
    (crossreg.synth.mess): a trade-name typo, the region left out or added, 个体工商户 appended."""
    from crossreg.synth import mess

    name = e["name"]
    options = [
        mess.trade_typo(rng, name, e["trade_name"]),
        mess.region_dropped(name, e["name_region"]),
        mess.region_added(name, e["name_region"], e["division_id"][:6]),
        name + "（个体工商户）" if e["entity_type"] == "individual" else None,
    ]
    return rng.choice([o for o in options if o] or [name])


def _measure(label: str, env: dict[str, str], samples: int, explain: int) -> None:
    code = f"""
import json, random, statistics, time, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from crossreg.entities.models import Entity
from crossreg.orgs.models import User
from benchmarks.bench_search import _explain, _list_variant, _variant
rng = random.Random(42)
user = User.objects.filter(role="staff").exclude(department=None).first()
client = Client()
client.force_login(user)
max_id = Entity.objects.order_by("-id").values_list("id", flat=True).first()
picked = []
while len(picked) < {samples}:
    e = (
        Entity.objects.filter(id__gte=rng.randint(1, max_id))
        .order_by("id")
        .values("id", "uscc", "name", "trade_name", "name_region", "division_id", "entity_type")
        .first()
    )
    if e and e["uscc"]:
        picked.append(e)
queries = {{
    "uscc": [(e["uscc"], "uscc", e["id"]) for e in picked],
    "exact": [(e["name"], "exact", e["id"]) for e in picked],
    "fuzzy": [(_variant(e["name"], rng), "fuzzy", e["id"]) for e in picked],
}}
vrng = random.Random(43)
queries["lists"] = [(_list_variant(e, vrng), "fuzzy", e["id"]) for e in picked]
result = {{}}
slow = []
for kind, qs in queries.items():
    client.get("/api/v1/entities/search", {{"q": qs[0][0], "mode": qs[0][1]}})  # warm up
    times, found, first, top10 = [], 0, 0, 0
    for q, mode, wanted in qs:
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            r = client.get("/api/v1/entities/search", {{"q": q, "mode": mode}})
            ms = (time.perf_counter() - t0) * 1000
        times.append(ms)
        ids = [hit["entity"]["id"] for hit in r.json().get("results", [])] if r.status_code == 200 else []
        found += wanted in ids
        first += ids[:1] == [wanted]
        top10 += wanted in ids[:10]
        if kind in ("fuzzy", "lists"):
            slow.append((ms, q, [c["sql"] for c in ctx.captured_queries]))
    times.sort()
    result[kind] = (statistics.median(times), times[int(0.95 * (len(times) - 1))], first, top10, found, len(qs))
slow.sort(key=lambda t: -t[0])
plans = [(ms, q, _explain(sqls)) for ms, q, sqls in slow[:{explain}]]
print(json.dumps({{"result": result, "plans": plans}}))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        print(f"  {label}: FAILED\n{out.stderr[-2000:]}")
        return
    import json

    data = json.loads(out.stdout.strip().splitlines()[-1])
    for kind, (median, p95, first, top10, found, total) in data["result"].items():
        print(
            f"  {label:10s} {kind:6s} search: median {median:7.1f} ms   p95 {p95:7.1f} ms   "
            f"intended entity first {first}/{total}, in top 10 {top10}/{total}, in top 20 {found}/{total}"
        )
    for ms, q, plan in data["plans"]:
        print(f"\n  {label} fuzzy {q!r}: {ms:.1f} ms\n{plan}")


def _explain(sqls: list[str]) -> str:
    """EXPLAIN ANALYZE of the statements one search ran (the session and auth ones left out)."""
    from django.db import connection

    plans = []
    with connection.cursor() as cursor:
        for sql in sqls:
            if not any(word in sql.upper() for word in ("SIMILARITY(", " LIKE ")):  # fuzzy statements
                continue
            prefix = (
                "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
            )
            cursor.execute(prefix + sql)
            plans.append("\n".join("    " + " ".join(str(c) for c in row) for row in cursor.fetchall()))
    return "\n\n".join(plans)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_search")
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="reuse the scratch database if already seeded")
    parser.add_argument("--sqlite", action="store_true", help="also measure on a scratch SQLite file")
    parser.add_argument(
        "--explain",
        type=int,
        default=0,
        metavar="K",
        help="print EXPLAIN ANALYZE of the K slowest fuzzy searches",
    )
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
            _crossreg(env, "migrate", "--noinput")  # a reused database gets new migrations (indexes)
            print(f"  {label}: reusing the seeded scratch database")
        else:
            if label == "postgresql":
                _pg_recreate(env["DATABASE_URL"])
            t0 = time.perf_counter()
            _crossreg(env, "migrate", "--noinput")
            _crossreg(env, "seed", "--seed", "7", "--entities", str(args.entities), "--reset")
            print(f"  {label}: seeded {args.entities:,} entities in {time.perf_counter() - t0:.0f} s")
        _measure(label, env, args.samples, args.explain)


if __name__ == "__main__":
    main(sys.argv[1:])
