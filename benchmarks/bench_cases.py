"""Cases at scale: N cases over a year in a large city, on PostgreSQL.

    .venv/bin/python -m benchmarks.bench_cases --cases 200000 --entities 1000000
    .venv/bin/python -m benchmarks.bench_cases --quick      # 20,000 cases, 20,000 entities

A child process migrates a scratch database ``crossreg_bench_cases`` at BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/crossreg_bench; dropped and recreated), bulk-loads entities and
cases (spread over 2026 across 20 departments, every stage, with their nearest deadline — loaded
directly, not through the services: the figures are of the reads), then measures with Django's test
client as a signed-in department user: the department's deadline page (``/cases/deadlines/``, pages
1–20) and the case search API (``/api/v1/cases/?q=…``, 60 queries by party name, number and USCC),
p95 of each; and the render time of one decision PDF (issued through the services). Targets
(issue 11): p95 < 150 ms; PDF < 1 s. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/crossreg_bench"
SCRATCH = "crossreg_bench_cases"


def _p95(samples: list[float]) -> float:
    s = sorted(samples)
    return s[max(0, round(0.95 * len(s)) - 1)]


def _child(n_cases: int, n_entities: int) -> dict[str, object]:
    import datetime as dt
    import random

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    from crossreg.cases import render, services
    from crossreg.cases.models import Case, CaseState
    from crossreg.entities.models import Entity
    from crossreg.orgs.models import Department, Division, Officer, User

    t0 = time.perf_counter()
    city = Division.objects.create(code="320900", name="盐城市", level="city")
    depts = [
        Department.objects.create(
            code=f"d{i:02d}", name=f"盐城市第{i}局", short_name=f"第{i}局", division=city
        )
        for i in range(20)
    ]
    rng = random.Random(11)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    batch = []
    for i in range(n_entities):
        name = f"盐城市{surnames[i % 20]}{rng.choice('记氏家')}{i:07d}商贸有限公司"
        batch.append(
            Entity(
                uscc=f"91320900{i:010d}",
                name=name,
                name_norm=name,
                entity_type="enterprise",
                division=city,
                legal_rep=surnames[i % 20] + "某某",
            )
        )
        if len(batch) == 20000:
            Entity.objects.bulk_create(batch)
            batch = []
    Entity.objects.bulk_create(batch)
    ids = list(Entity.objects.values_list("pk", flat=True))
    names = dict(Entity.objects.filter(pk__in=ids[: min(len(ids), 5000)]).values_list("pk", "name"))
    states = [s.value for s in CaseState]
    start = dt.date(2026, 1, 1)
    rows = []
    for i in range(n_cases):
        d = depts[i % 20]
        ent = ids[rng.randrange(len(ids))]
        filed = start + dt.timedelta(days=rng.randrange(365))
        state = states[rng.randrange(len(states))]
        open_ = state in (
            "filed",
            "investigation",
            "review",
            "notice",
            "hearing",
            "legal_review",
            "reviewed",
            "discussion",
        )
        rows.append(
            Case(
                number=f"盐{d.code}立〔2026〕{i + 1}号",
                department=d,
                entity_id=ent,
                title="未依法取得许可从事经营",
                party_name=names.get(ent) or f"当事人{ent}",
                state=state,
                discovered_on=filed,
                filed_on=filed,
                next_due=filed + dt.timedelta(days=90) if open_ else None,
                next_due_label="decision" if open_ else "",
            )
        )
        if len(rows) == 20000:
            Case.objects.bulk_create(rows)
            rows = []
    Case.objects.bulk_create(rows)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    load_s = time.perf_counter() - t0

    user = User.objects.create(username="bench", role="staff", department=depts[0])
    client = Client()
    client.force_login(user)
    client.get("/cases/deadlines/")
    page_ms = []
    for p in range(1, 21):
        t = time.perf_counter()
        r = client.get(f"/cases/deadlines/?page={p}")
        page_ms.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200
    mine = list(
        Case.objects.filter(department=depts[0]).values_list("number", "party_name", "entity__uscc")[:20]
    )
    queries = [m[1][3:8] for m in mine] + [m[0] for m in mine] + [m[2] or "" for m in mine]
    api_ms = []
    for q in queries:
        t = time.perf_counter()
        r = client.get("/api/v1/cases/", {"q": q})
        api_ms.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.content[:200]
    # one decision PDF, issued through the services
    officers = [
        Officer.objects.create(
            certificate_no=f"B{k}",
            name=f"执法{k}",
            department=depts[0],
            division=city,
            valid_from=dt.date(2020, 1, 1),
            valid_until=dt.date(2030, 1, 1),
        )
        for k in (1, 2)
    ]
    head = User.objects.create(username="bench_head", role="dept_head", department=depts[0])
    src = services.case_source_register(
        actor=head,
        department=depts[0],
        entity=Entity.objects.get(pk=ids[0]),
        kind="manual",
        ref="BENCH-1",
        summary="基准测试",
        discovered_on=dt.date(2026, 3, 2),
    )
    case = services.case_file(
        actor=head, source=src, officers=officers, title="未依法取得许可从事经营", today=dt.date(2026, 3, 2)
    )
    doc = services.document_issue(
        actor=head,
        case=case,
        kind="decision",
        today=dt.date(2026, 3, 20),
        extra={"penalty": "罚款", "fine": "20000.00"},
    )
    pdf_ms = []
    for _ in range(5):
        t = time.perf_counter()
        data = render.document_pdf(doc)
        pdf_ms.append((time.perf_counter() - t) * 1000)
    return {
        "cases": n_cases,
        "entities": n_entities,
        "load_s": round(load_s, 1),
        "department_cases": Case.objects.filter(department=depts[0]).count(),
        "deadline_page_p95_ms": round(_p95(page_ms), 1),
        "deadline_page_median_ms": round(statistics.median(page_ms), 1),
        "search_api_p95_ms": round(_p95(api_ms), 1),
        "search_api_median_ms": round(statistics.median(api_ms), 1),
        "pdf_first_ms": round(pdf_ms[0], 1),
        "pdf_median_ms": round(statistics.median(pdf_ms), 1),
        "pdf_bytes": len(data),
    }


def main(argv: Sequence[str]) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=200_000)
    ap.add_argument("--entities", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--child", action="store_true")
    args = ap.parse_args(list(argv))
    if args.quick:
        args.cases, args.entities = 20_000, 20_000
    if args.child:
        print("RESULT " + json.dumps(_child(args.cases, args.entities), ensure_ascii=False), flush=True)
        return
    base = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)
    root, _, _ = base.rpartition("/")
    import psycopg

    with psycopg.connect(f"{root}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
        conn.execute(f"CREATE DATABASE {SCRATCH}")
    env = {
        **os.environ,
        "DATABASE_URL": f"{root}/{SCRATCH}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CROSSREG_DEBUG": "true",
        "CROSSREG_VAR_DIR": tempfile.mkdtemp(prefix="bench-cases-"),
    }
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.bench_cases",
            "--child",
            "--cases",
            str(args.cases),
            "--entities",
            str(args.entities),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    result = next((line[7:] for line in out.stdout.splitlines() if line.startswith("RESULT ")), None)
    if result is None:
        print(out.stdout[-2000:], out.stderr[-4000:], file=sys.stderr)
        raise SystemExit(1)
    for k, v in json.loads(result).items():
        print(f"{k:28} {v}")
    with psycopg.connect(f"{root}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")


if __name__ == "__main__":
    main(sys.argv[1:])
