"""Entity search through the API at N entities: median and p95 latency for USCC, exact-name and
fuzzy-name search (issue 2). Target on PostgreSQL: p95 under 100 ms at 1,000,000 entities.

    python -m benchmarks.bench_search --entities 1000000 [--reuse] [--sqlite] [--explain K] [--paired DIR]

Seeds a scratch database (PostgreSQL from BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/crossreg_bench_search; dropped and re-created unless --reuse
finds it already seeded, in which case only new migrations are applied), then times
GET /api/v1/entities/search in-process with Django's test client, as a logged-in department user.

Query sets, one per picked entity (200 by default, the same entities for every set): its USCC, its
exact name, ``fuzzy`` (``_variant``: 有限公司 ↔ 有限责任公司, else a character dropped from the
middle — the set the issue's figures were first measured with) and ``lists`` (``_list_variant``:
the synthetic lists' own name messes). For each it prints median and p95 latency and recall: how
often the entity meant is the first hit, in the first 10 and in the first 20 (the API's default
page). ``--explain K`` prints EXPLAIN ANALYZE of the K slowest fuzzy searches. ``--paired DIR``
then also times another checkout (an older commit: ``git archive REV | tar -x -C DIR``) on the same
PostgreSQL database, sending each query to both in turn, so that a shared machine's load falls on
both alike. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
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


def _pick_queries(samples: int) -> dict[str, list[tuple[str, str, int]]]:
    """The query sets, as (query, mode, id of the entity meant): the same entities for every set,
    picked at random (seeded) among those with a USCC. Needs Django set up."""
    from crossreg.entities.models import Entity

    rng = random.Random(42)
    max_id = Entity.objects.order_by("-id").values_list("id", flat=True).first() or 0
    picked: list[Any] = []
    while max_id and len(picked) < samples:
        e = (
            Entity.objects.filter(id__gte=rng.randint(1, max_id))
            .order_by("id")
            .values("id", "uscc", "name", "trade_name", "name_region", "division_id", "entity_type")
            .first()
        )
        if e and e["uscc"]:
            picked.append(e)
    lists = random.Random(43)
    return {
        "uscc": [(e["uscc"], "uscc", e["id"]) for e in picked],
        "exact": [(e["name"], "exact", e["id"]) for e in picked],
        "fuzzy": [(_variant(e["name"], rng), "fuzzy", e["id"]) for e in picked],
        "lists": [(_list_variant(e, lists), "fuzzy", e["id"]) for e in picked],
    }


def _summary(times: list[float], found: list[list[int]], wanted: list[int]) -> tuple[float, ...]:
    """(median ms, p95 ms, entity meant first, in top 10, in top 20, queries)."""
    times = sorted(times)
    pairs = list(zip(found, wanted, strict=True))
    return (
        statistics.median(times),
        times[int(0.95 * (len(times) - 1))],
        sum(ids[:1] == [w] for ids, w in pairs),
        sum(w in ids[:10] for ids, w in pairs),
        sum(w in ids for ids, w in pairs),
        len(times),
    )


def _print(label: str, kind: str, summary: Any) -> None:
    median, p95, first, top10, found, total = summary
    print(
        f"  {label:10s} {kind:6s} search: median {median:7.1f} ms   p95 {p95:7.1f} ms   "
        f"intended entity first {first}/{total}, in top 10 {top10}/{total}, in top 20 {found}/{total}"
    )


# A search server for --paired, one per checkout: it answers "[query, mode]" lines with the time
# taken and the ids found. Self-contained, so that it runs in any checkout, old ones too.
_WORKER = """
import json, sys, time, django
django.setup()
from django.test import Client
from crossreg.orgs.models import User
client = Client()
client.force_login(User.objects.filter(role="staff").exclude(department=None).first())
print("ready", flush=True)
for line in sys.stdin:
    q, mode = json.loads(line)
    t0 = time.perf_counter()
    r = client.get("/api/v1/entities/search", {"q": q, "mode": mode})
    ms = (time.perf_counter() - t0) * 1000
    ids = [h["entity"]["id"] for h in r.json().get("results", [])] if r.status_code == 200 else []
    print(json.dumps([ms, ids]), flush=True)
"""


def _paired(other: str, samples: int) -> None:
    """This checkout and ``other`` on the same database, each query sent to both in turn (which
    goes first alternating), so that both see the same load. Needs Django set up."""
    import json

    workers = {}
    for label, cwd in (("other", other), ("this", str(ROOT))):
        proc = subprocess.Popen(
            [sys.executable, "-c", _WORKER], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert proc.stdin and proc.stdout and proc.stdout.readline().strip() == "ready"
        workers[label] = proc

    def ask(label: str, q: str, mode: str) -> tuple[float, list[int]]:
        proc = workers[label]
        assert proc.stdin and proc.stdout
        proc.stdin.write(json.dumps([q, mode]) + "\n")
        proc.stdin.flush()
        ms, ids = json.loads(proc.stdout.readline())
        return ms, ids

    print(f"  paired with {other}: load average {os.getloadavg()[0]:.1f}")
    for kind, qs in _pick_queries(samples).items():
        times: dict[str, list[float]] = {label: [] for label in workers}
        found: dict[str, list[list[int]]] = {label: [] for label in workers}
        for label in workers:
            ask(label, qs[0][0], qs[0][1])  # warm up
        for i, (q, mode, _) in enumerate(qs):
            for label in list(workers)[:: 1 if i % 2 else -1]:
                ms, ids = ask(label, q, mode)
                times[label].append(ms)
                found[label].append(ids)
        for label in workers:
            _print(label, kind, _summary(times[label], found[label], [wanted for _, _, wanted in qs]))
    print(f"  load average {os.getloadavg()[0]:.1f}")
    for proc in workers.values():
        assert proc.stdin
        proc.stdin.close()
        proc.wait()


def _measure(label: str, env: dict[str, str], samples: int, explain: int) -> None:
    code = f"""
import json, time, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from crossreg.orgs.models import User
from benchmarks.bench_search import _explain, _pick_queries, _summary
user = User.objects.filter(role="staff").exclude(department=None).first()
client = Client()
client.force_login(user)
queries = _pick_queries({samples})
result = {{}}
slow = []
for kind, qs in queries.items():
    client.get("/api/v1/entities/search", {{"q": qs[0][0], "mode": qs[0][1]}})  # warm up
    times, found = [], []
    for q, mode, wanted in qs:
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            r = client.get("/api/v1/entities/search", {{"q": q, "mode": mode}})
            ms = (time.perf_counter() - t0) * 1000
        times.append(ms)
        found.append([hit["entity"]["id"] for hit in r.json().get("results", [])] if r.status_code == 200 else [])
        if kind in ("fuzzy", "lists"):
            slow.append((ms, q, [c["sql"] for c in ctx.captured_queries]))
    result[kind] = _summary(times, found, [wanted for _, _, wanted in qs])
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
    for kind, summary in data["result"].items():
        _print(label, kind, summary)
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
    parser.add_argument(
        "--paired",
        metavar="CHECKOUT",
        help="also time another checkout of crossreg (an older commit, from git archive) on the same "
        "PostgreSQL database, query by query in turn with this one",
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
        if args.paired and label == "postgresql":
            code = (
                "import django; django.setup(); from benchmarks.bench_search import _paired; "
                f"_paired({args.paired!r}, {args.samples})"
            )
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)


if __name__ == "__main__":
    main(sys.argv[1:])
