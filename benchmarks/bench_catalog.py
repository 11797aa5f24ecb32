"""Catalog at scale: import of N items with P check points, then public page and search API p95.

    .venv/bin/python -m benchmarks.bench_catalog --items 5000 --points 50000 [--pg]

Each backend runs in a child process against a scratch database: SQLite in a temporary
CROSSREG_VAR_DIR (always), and with ``--pg`` PostgreSQL at BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/crossreg_bench) using a scratch database ``crossreg_bench_catalog``
that is dropped and recreated. The file is a CSV in the import format (docs/catalog.md), imported as
an already-reviewed catalog (``mode=published``, the bulk path). Targets (issue 4): import < 30 s,
page and search p95 < 150 ms. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/crossreg_bench"
SCRATCH_PG_DB = "crossreg_bench_catalog"


def _p95(samples: list[float]) -> float:
    s = sorted(samples)
    return s[max(0, round(0.95 * len(s)) - 1)]


def _csv(items: int, points: int, depts: list[str], domains: list[str]) -> bytes:
    import csv
    import io

    from crossreg.catalog.exchange import ITEM_COLUMNS

    rng = random.Random(4754)
    per = max(1, points // items)
    extra = points - per * items
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([label for _k, label in ITEM_COLUMNS])
    methods = ["双随机", "重点检查", "专项检查", "非现场监管", "信用监管"]
    words = [
        "食品",
        "药品",
        "危险化学品",
        "建筑施工",
        "道路运输",
        "消防",
        "排污",
        "劳动用工",
        "医保基金",
        "特种设备",
    ]
    for i in range(items):
        dept = depts[i % len(depts)]
        word = words[i % len(words)]
        n = per + (1 if i < extra else 0)
        base = {
            "code": f"JG-B-{i:06d}",
            "name": f"{word}经营主体监督检查（{i}）",
            "department": dept,
            "legal_basis": f"《中华人民共和国{word}管理法》第{rng.randint(10, 120)}条",
            "power_items": "",
            "methods": ";".join(rng.sample(methods, 2)),
            "entity_types": "企业",
            "industries": f"{rng.randint(13, 43):02d}",
            "domains": rng.choice(domains),
            "default_ratio": str(rng.choice([3, 5, 10, 20])),
            "default_frequency": "每年1次",
            "procedure": "出示证件；现场检查；制作笔录；告知结果",
            "method": "查阅资料、现场查看",
            "involved_departments": depts[(i + 1) % len(depts)],
        }
        for k in range(1, n + 1):
            row = {
                **base,
                "cp_seq": str(k),
                "cp_content": f"检查要点{k}：{word}相关制度是否建立并落实",
                "cp_legal_basis": f"第{rng.randint(10, 120)}条",
                "cp_finding": "制度缺失或未落实",
                "cp_method": "查阅资料",
            }
            w.writerow([row.get(key, "") for key, _l in ITEM_COLUMNS])
    return buf.getvalue().encode("utf-8")


def worker(items: int, points: int, samples: int, label: str) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    from crossreg.orgs.models import Department, Domain
    from crossreg.synth.reference import orgs_reference_load

    orgs_reference_load()
    t_setup = time.perf_counter() - t0
    depts = list(
        Department.objects.filter(role="supervising", parent__isnull=True).values_list("code", flat=True)
    )
    domains = list(Domain.objects.filter(key=True).values_list("code", flat=True))
    data = _csv(items, points, depts, domains)

    from crossreg.catalog.exchange import catalog_import

    t0 = time.perf_counter()
    report = catalog_import(data=data, filename="bench.csv", actor="system:bench", mode="published")
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = catalog_import(data=data, filename="bench.csv", actor="system:bench", mode="published")
    t_reimport = time.perf_counter() - t0

    client = Client()
    rng = random.Random(7)
    queries = ["食品", "消防", "医保", "检查", "道路运输", "JG-B-0012", ""]
    method_codes = ["", "random", "key", "special", "remote", "credit"]

    def page_params() -> dict[str, str]:
        p: dict[str, str] = {}
        r = rng.random()
        if r < 0.4:
            p["q"] = rng.choice(queries)
        elif r < 0.6:
            p["department"] = rng.choice(depts)
        elif r < 0.8:
            p["domain"] = rng.choice(domains)
        else:
            p["method"] = rng.choice(method_codes)
        if rng.random() < 0.3:
            p["page"] = str(rng.randint(1, 20))
        return p

    for _ in range(5):  # warm up
        client.get("/catalog/")
        client.get("/api/v1/catalog/items")
    page_ms, api_ms = [], []
    for _ in range(samples):
        params = page_params()
        t0 = time.perf_counter()
        r = client.get("/catalog/", params)
        page_ms.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.status_code  # a benchmark of errors would be meaningless
        t0 = time.perf_counter()
        r = client.get("/api/v1/catalog/items", params)
        api_ms.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.status_code
    t0 = time.perf_counter()
    item = client.get("/catalog/items/JG-B-000042/")
    t_item = (time.perf_counter() - t0) * 1000
    print(
        json.dumps(
            {
                "backend": label,
                "items": report.items_created,
                "check_points": report.check_points,
                "setup_s": round(t_setup, 1),
                "import_s": round(t_import, 2),
                "reimport_unchanged_s": round(t_reimport, 2),
                "reimport_unchanged": again.unchanged,
                "page_p50_ms": round(statistics.median(page_ms), 1),
                "page_p95_ms": round(_p95(page_ms), 1),
                "api_p50_ms": round(statistics.median(api_ms), 1),
                "api_p95_ms": round(_p95(api_ms), 1),
                "item_page_ms": round(t_item, 1),
                "item_page_status": item.status_code,
                "samples": samples,
                "load_1m": round(os.getloadavg()[0], 2),
            },
            ensure_ascii=False,
        ),
        flush=True,
    )


def _pg_recreate(url: str) -> str:
    import psycopg

    base, _, _name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{SCRATCH_PG_DB}"')
    return f"{base}/{SCRATCH_PG_DB}"


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=5000)
    ap.add_argument("--points", type=int, default=50000)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--pg", action="store_true", help="also measure on PostgreSQL (BENCH_DATABASE_URL)")
    ap.add_argument("--worker", default="", help=argparse.SUPPRESS)
    args = ap.parse_args(list(argv) if argv is not None else None)
    if args.worker:
        worker(args.items, args.points, args.samples, args.worker)
        return
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CROSSREG_VAR_DIR"}}
    base.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    runs = [("sqlite", dict(base, CROSSREG_VAR_DIR=tempfile.mkdtemp(prefix="bench-catalog-")))]
    if args.pg:
        url = _pg_recreate(os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
        runs.append(("postgresql", dict(base, DATABASE_URL=url)))
    print(
        f"catalog benchmark: {args.items} items, {args.points} check points, {args.samples} samples per endpoint"
    )
    for label, env in runs:
        cmd = [
            sys.executable,
            "-m",
            "benchmarks.bench_catalog",
            "--items",
            str(args.items),
            "--points",
            str(args.points),
            "--samples",
            str(args.samples),
            "--worker",
            label,
        ]
        subprocess.run(cmd, env=env, check=False)


if __name__ == "__main__":
    main(sys.argv[1:])
