"""``crossreg seed`` against the database (SQLite by default, PostgreSQL when DATABASE_URL is set)."""

from __future__ import annotations

import csv
import hashlib
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from stdnum.cn import uscc as stdnum_uscc

from crossreg.entities.models import Entity
from crossreg.ledger.models import Entry
from crossreg.orgs.models import Department, Division, Officer, Team, User
from crossreg.synth.lists import PLANS, SPECS, ListSpec
from crossreg.synth.people import DEMO_PASSWORD, demo_users

pytestmark = pytest.mark.django_db(transaction=False)

N = 500


def _seed(tmp: Path, seed: int = 2021, *extra: str) -> str:
    out = StringIO()
    call_command(
        "seed",
        "--seed",
        str(seed),
        "--entities",
        str(N),
        "--lists-dir",
        str(tmp),
        *extra,
        stdout=out,
        verbosity=1,
    )
    return out.getvalue()


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()
    }


def test_seed_builds_the_city(tmp_path: Path) -> None:
    output = _seed(tmp_path)
    assert Entity.objects.count() == N
    assert Division.objects.filter(code="320902", name="亭湖区").exists()
    assert Division.objects.filter(code="320971", gb2260=False, level="zone").exists()
    assert Division.objects.filter(parent_id="320924", name="合德镇").exists()
    for code in ("scjg", "sthj", "jtys", "nyny", "yjgl", "wjw", "jyj", "rsj", "ybj", "jrjg", "fgw"):
        assert Department.objects.get(code=code).role == Department.Role.SUPERVISING
    assert Department.objects.get(code="spj").role == Department.Role.APPROVAL
    assert Department.objects.get(code="sfj").role == Department.Role.JUSTICE
    assert Department.objects.get(code="dsj").role == Department.Role.BIGDATA
    assert Department.objects.filter(role=Department.Role.APPROVAL, parent_id="spj").count() == 11
    townships = Division.objects.filter(level__in=["township", "street"]).count()
    assert Team.objects.filter(kind=Team.Kind.TOWNSHIP).count() == townships
    assert set(Department.objects.get(code="scjg").domains.values_list("code", flat=True)) >= {
        "food",
        "drugs",
    }
    # Officers: every supervising department has some, certificates look right, a few are not usable.
    for d in Department.objects.filter(role=Department.Role.SUPERVISING):
        assert d.officers.count() >= 10, d.code
    certs = list(Officer.objects.values_list("certificate_no", flat=True))
    assert all(len(c) == 14 and c.isdigit() and c.startswith("3209") for c in certs)
    assert Officer.objects.filter(status=Officer.Status.SUSPENDED).exists()
    # Entities: valid codes, real divisions, key domains.
    for e in Entity.objects.exclude(uscc=None)[:200]:
        assert e.uscc is not None and stdnum_uscc.is_valid(e.uscc)
        assert e.division.code.startswith(e.uscc[2:8])
    assert Entity.objects.filter(key_domains__code="food").exists()
    assert "Demo logins" in output and "scjg_staff" in output


def test_demo_users_can_log_in_and_officers_are_linked(tmp_path: Path) -> None:
    _seed(tmp_path)
    for u in demo_users():
        user = User.objects.get(username=u.username)
        assert user.check_password(DEMO_PASSWORD)
        assert user.role == u.role
        if u.officer:
            assert Officer.objects.get(user=user).department_id == u.department
    assert User.objects.get(username="admin").is_superuser
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == {r.value for r in User.Role}


def test_same_seed_same_files_different_seed_different(tmp_path: Path) -> None:
    _seed(tmp_path / "a")
    first = _files(tmp_path / "a")
    _seed(tmp_path / "b", 2021, "--reset")
    assert _files(tmp_path / "b") == first
    _seed(tmp_path / "c", 7, "--reset")
    other = _files(tmp_path / "c")
    assert other.keys() == first.keys()
    assert all(other[name] != first[name] for name in first)


def test_truth_covers_every_list_row_and_manifest_hashes_match(tmp_path: Path) -> None:
    _seed(tmp_path)
    _check_truth_and_manifest(tmp_path, SPECS)


def test_bench8_plan_writes_eight_lists_with_truth(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "jtys.csv").write_text("an earlier city's list\n")  # removed: not in the plan
    _seed(tmp_path / "a", 2021, "--list-plan", "bench8")
    plan = PLANS["bench8"]
    assert len(plan.departments) == 8
    assert sorted(p.name for p in (tmp_path / "a").glob("*.csv")) == sorted(s.filename for s in plan.specs)
    manifest = _check_truth_and_manifest(tmp_path / "a", plan.specs)
    assert manifest["list_plan"] == "bench8"
    assert 2.6 < manifest["counts"]["list_rows_total"] / N < 3.4
    first = _files(tmp_path / "a")
    _seed(tmp_path / "b", 2021, "--list-plan", "bench8", "--reset")
    assert _files(tmp_path / "b") == first


def _check_truth_and_manifest(tmp_path: Path, specs: tuple[ListSpec, ...]) -> dict[str, Any]:
    truth: dict[tuple[str, str], dict[str, str]] = {}
    with (tmp_path / "_truth" / "truth.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            key = (row["department"], row["row_id"])
            assert key not in truth
            truth[key] = row
    ids = set(Entity.objects.values_list("id", flat=True))
    usccs = dict(Entity.objects.values_list("id", "uscc"))
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    total = 0
    for spec in specs:
        raw = (tmp_path / spec.filename).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == next(
            x["sha256"] for x in manifest["lists"] if x["file"] == spec.filename
        )
        reader = csv.reader(StringIO(raw.decode(spec.encoding)))
        header = next(reader)
        assert header == [h for h, _ in spec.columns]
        for line in reader:
            row_id = line[0]
            t = truth[(spec.department, row_id)]
            assert int(t["entity_id"]) in ids
            assert (usccs[int(t["entity_id"])] or "") == t["uscc"]
            total += 1
    assert total == len(truth) == manifest["counts"]["list_rows_total"]
    assert {r["department"] for r in truth.values()} == {s.department for s in specs}
    assert [x["department"] for x in manifest["lists"]] == [s.department for s in specs]
    return manifest


def test_one_summary_audit_entry_per_run(tmp_path: Path) -> None:
    before = Entry.objects.count()
    _seed(tmp_path)
    entries = Entry.objects.filter(action="city.seed")
    assert Entry.objects.count() == before + 1 and entries.count() == 1
    entry = entries.get()
    assert entry.actor == "system:seed" and entry.subject_id == "yancheng"
    assert entry.payload["seed"] == 2021 and entry.payload["entities"] == N
    digest = hashlib.sha256((tmp_path / "scjg.csv").read_bytes()).hexdigest()
    assert entry.payload["lists"]["scjg.csv"] == digest


def test_if_empty_and_refusal(tmp_path: Path) -> None:
    _seed(tmp_path)
    first = _files(tmp_path)
    output = _seed(tmp_path / "again", 99, "--if-empty")
    assert "nothing seeded" in output and f"{N:,} entities" in output
    assert not (tmp_path / "again" / "scjg.csv").exists()
    assert Entity.objects.count() == N
    with pytest.raises(CommandError, match="already holds"):
        _seed(tmp_path / "again", 99)
    assert _files(tmp_path) == first
    assert Entry.objects.filter(action="city.seed").count() == 1


def test_reset_reseeds(tmp_path: Path) -> None:
    _seed(tmp_path)
    old = set(Entity.objects.values_list("uscc", flat=True))
    _seed(tmp_path, 8, "--reset")
    assert Entity.objects.count() == N
    assert old.isdisjoint(set(Entity.objects.exclude(uscc=None).values_list("uscc", flat=True)))
    assert Entry.objects.filter(action="city.seed").count() == 2
