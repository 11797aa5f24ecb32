"""Complaints benchmark (issue 14): intake with deduplication p95 and the inbox page p95 on
PostgreSQL at a year's volume.

    python -m benchmarks.bench_complaints [--n 1000000] [--entities 20000] [--samples 200]

Targets: intake with dedup p95 < 300 ms; inbox page p95 < 150 ms, at 1,000,000 submissions a year.
A scratch PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/crossreg_bench_complaints) is created, loaded and dropped in a
child process. The year's submissions are bulk-loaded (bypassing the ledger: the benchmark
measures the reads that intake and the inbox make against a full table); the timed intakes go
through the real service (entity resolution, routing, clock, encryption, ledger entry, dedup).
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/crossreg_bench_complaints"
TEXTS = [
    "后厨卫生很差，有老鼠出没，餐具不消毒",
    "销售过期食品，货架上的牛奶已经过期三天",
    "在店里吃饭后腹泻，要求退款被拒绝",
    "夜间偷偷排放刺鼻气体，附近居民头晕",
    "预付卡消费后商家关门不退款",
    "液化气瓶存放在后厨，没有报警装置",
    "无证经营，营业执照没有公示",
    "价格标签与结账价格不一致，多收钱",
    "噪音扰民，晚上十一点还在施工",
    "药店销售处方药不要处方",
]


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def _p(values: list[float], q: float) -> float:
    s = sorted(values)
    return 1000 * s[min(len(s) - 1, int(q * len(s)))]


def worker(n: int, n_entities: int, samples: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_SIGNING_KEY": "11" * 32, "LEDGER_TSA_URL": ""}
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0, interactive=False)

    from crossreg.complaints import dedup
    from crossreg.complaints.crypto import contact_encrypt
    from crossreg.complaints.models import Kind, State, Submission
    from crossreg.complaints.services import routing_rules_derive, submission_intake
    from crossreg.entities.models import Entity
    from crossreg.entities.names import normalize_name
    from crossreg.orgs.models import Department, Division, Domain, User

    rng = random.Random(14)
    city, _ = Division.objects.get_or_create(code="320900", defaults={"name": "盐城市", "level": "city"})
    county, _ = Division.objects.get_or_create(
        code="320902", defaults={"name": "亭湖区", "level": "county", "parent": city}
    )
    domains = [
        Domain.objects.get_or_create(code=c, defaults={"name": nm})[0]
        for c, nm in [("food", "食品安全"), ("hazchem", "危险化学品"), ("price", "价格"), ("env", "生态环境")]
    ]
    depts = []
    for code, name, dom in [
        ("smr", "市场监督管理局", 0),
        ("mem", "应急管理局", 1),
        ("drc", "发改委", 2),
        ("eeb", "生态环境局", 3),
    ]:
        d, _ = Department.objects.get_or_create(
            code=code, defaults={"name": name, "short_name": name[:4], "division": city}
        )
        d.domains.add(domains[dom])
        depts.append(d)
    staff, _ = User.objects.get_or_create(
        username="bench_staff", defaults={"role": "staff", "department": depts[0]}
    )
    routing_rules_derive(actor="system:bench")

    t0 = time.perf_counter()
    if Entity.objects.count() < n_entities:
        Entity.objects.bulk_create(
            [
                Entity(
                    name=f"盐城市亭湖区第{i:05d}号餐饮店",
                    name_norm=normalize_name(f"盐城市亭湖区第{i:05d}号餐饮店"),
                    entity_type="individual",
                    division=county,
                    address=f"亭湖区解放南路{i}号",
                )
                for i in range(n_entities)
            ],
            batch_size=5000,
        )
    ent_ids = list(Entity.objects.values_list("id", flat=True))
    tokens = [dedup.tokens(t) for t in TEXTS]
    cipher = contact_encrypt({"name": "测试", "phone": "13900000000"})
    today = dt.date(2026, 11, 30)
    start = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
    print(f"loading {n:,} submissions over {len(ent_ids):,} entities …", flush=True)
    done = Submission.objects.count()
    batch = 20000
    kinds = [Kind.REPORT, Kind.COMPLAINT, Kind.ENQUIRY, Kind.REPORT]
    while done < n:
        rows = []
        for i in range(done, min(n, done + batch)):
            at = start + dt.timedelta(seconds=int(365 * 86400 * i / n))
            eid = rng.choice(ent_ids)
            t = rng.randrange(len(TEXTS))
            recent = (today - at.date()).days < 20
            state = rng.choice([State.RECEIVED, State.VERIFYING, State.ACCEPTED]) if recent else State.CLOSED
            dept = depts[t % len(depts)]
            rows.append(
                Submission(
                    receipt_code=f"B{i:09d}",
                    kind=kinds[t % 4],
                    channel="hotline",
                    state=state,
                    work_order_no=f"12345-{at:%Y%m%d}-{i:06d}x",
                    contact_cipher=cipher,
                    entity_id=eid,
                    resolution="resolved",
                    place=f"亭湖区解放南路{eid}号",
                    place_key=dedup.place_key(f"亭湖区解放南路{eid}号"),
                    department=dept,
                    matter=domains[t % len(domains)],
                    text=TEXTS[t],
                    text_tokens=tokens[t],
                    text_sha256="0" * 64,
                    received_at=at,
                    received_on=at.date(),
                    deadline=at.date() + dt.timedelta(days=21) if state != State.CLOSED else None,
                )
            )
        Submission.objects.bulk_create(rows, batch_size=batch)
        done += len(rows)
        if done % 200000 == 0 or done == n:
            print(f"  {done:,} ({time.perf_counter() - t0:.0f} s)", flush=True)
    with connection.cursor() as c:
        c.execute("ANALYZE complaints_submission")
    open_smr = Submission.objects.filter(department=depts[0]).exclude(state=State.CLOSED).count()
    print(
        f"loaded in {time.perf_counter() - t0:.0f} s; open in the inbox department: {open_smr:,}", flush=True
    )

    # Intake with dedup: the real service on the full table, about existing entities.
    intake = []
    suggested = 0
    for i in range(samples):
        eid = rng.choice(ent_ids)
        e = Entity.objects.get(pk=eid)
        t1 = time.perf_counter()
        result = submission_intake(
            actor="system:bench",
            kind="report",
            channel="web",
            text=TEXTS[i % len(TEXTS)] + "，请尽快处理",
            entity_name=e.name,
            contact_name="测试",
            contact_phone="13900000000",
            received_at=dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC),
        )
        intake.append(time.perf_counter() - t1)
        suggested += bool(result.suggestions)
    print(
        f"intake with dedup: p50 {_p(intake, 0.5):.1f} ms, p95 {_p(intake, 0.95):.1f} ms "
        f"({samples} intakes, {suggested} with duplicate suggestions)",
        flush=True,
    )

    from django.test import Client

    client = Client()
    client.force_login(staff)
    client.get("/complaints/")
    inbox = []
    for i in range(samples):
        t1 = time.perf_counter()
        r = client.get("/complaints/" + (f"?page={1 + i % 5}" if i % 2 else ""))
        inbox.append(time.perf_counter() - t1)
        assert r.status_code == 200
    print(
        f"inbox page: p50 {_p(inbox, 0.5):.1f} ms, p95 {_p(inbox, 0.95):.1f} ms ({samples} requests)",
        flush=True,
    )


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--entities", type=int, default=20_000)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.n, args.entities, args.samples)
        return
    url = (
        os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG).replace(
            "crossreg_bench", "crossreg_bench_complaints"
        )
        if "BENCH_DATABASE_URL" in os.environ
        else DEFAULT_PG
    )
    name = urlparse(url).path.lstrip("/")
    _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}"')
    _pg_admin(url, f'CREATE DATABASE "{name}"')
    try:
        env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        cmd = [
            sys.executable,
            "-m",
            "benchmarks.bench_complaints",
            "--worker",
            "--n",
            str(args.n),
            "--entities",
            str(args.entities),
            "--samples",
            str(args.samples),
        ]
        subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    finally:
        if not args.keep:
            _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main(sys.argv[1:])
