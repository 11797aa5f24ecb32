"""The ledger asks the subject registry (issue 10) — entity records, ids with "/" (issue 17 items 0, 2)."""

from __future__ import annotations

import ast
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from crossreg.core.audit import audit_record
from crossreg.core.subjects import subject_types
from crossreg.inspections.models import InspectionTask, TaskStatus
from crossreg.inspections.services import task_transition
from crossreg.ledger import services
from crossreg.sampling import services as sampling
from crossreg.sampling.tests.factories import PERIOD, TODAY, drawn_plan, sampling_city
from crossreg.web.tests.factories import UserFactory
from verifiers import ledger_verify as standalone

pytestmark = pytest.mark.django_db

LEDGER = Path(__file__).resolve().parents[1]


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_ledger_read_side_imports_only_core_and_orgs() -> None:
    for name in ("selectors.py", "views.py", "urls.py", "api.py"):
        tree = ast.parse((LEDGER / name).read_text(encoding="utf-8"))
        imported = {
            (n.module or "") if isinstance(n, ast.ImportFrom) else a.name
            for n in ast.walk(tree)
            if isinstance(n, ast.Import | ast.ImportFrom)
            for a in n.names
        }
        apps = {m.split(".")[1] for m in imported if m.startswith("crossreg.")}
        assert apps <= {"core", "orgs", "ledger"}, (name, apps)


def test_every_subject_type_written_today_is_registered() -> None:
    names = {t.name for t in subject_types()}
    assert {
        "entity",
        "inspection.task",
        "sampling.plan",
        "sampling.period",
        "catalog.item_version",
        "catalog.power_item",
        "catalog.cross_item",
        "catalog.import",
        "source_list",
        "review_pair",
        "link_model",
        "division",
        "gridcell",
        "domain",
        "department",
        "team",
        "orgs.officer",
        "officer",
        "user",
        "api_token",
        "city",
    } <= names


def test_ledger_pages_work_for_ids_with_a_slash(settings: Any) -> None:
    """After a catalog change, /ledger/ answered 500 (NoReverseMatch) and the version's timeline 404."""
    leader = UserFactory.create(username="leader1", role="leader")
    audit_record(
        actor="system:test",
        action="catalog.version.publish",
        subject_type="catalog.item_version",
        subject_id="JG-CGJ-001/v2",
        payload={"n": 1},
    )
    services.checkpoint_create()
    c = _client(leader)
    index = c.get("/ledger/")
    assert index.status_code == 200
    assert 'href="/ledger/subject/catalog.item_version/JG-CGJ-001/v2/"' in index.content.decode()
    page = c.get("/ledger/subject/catalog.item_version/JG-CGJ-001/v2/")
    assert page.status_code == 200 and "catalog.version.publish" in page.content.decode()
    bundle = c.get("/ledger/subject/catalog.item_version/JG-CGJ-001/v2/bundle.json")
    assert bundle.status_code == 200
    assert bundle.json()["subject"] == {"type": "catalog.item_version", "id": "JG-CGJ-001/v2"}
    found = c.get("/ledger/?subject_type=catalog.item_version&subject_id=JG-CGJ-001/v2")
    assert (
        found.status_code == 302
        and found["Location"] == "/ledger/subject/catalog.item_version/JG-CGJ-001/v2/"
    )


def test_an_inspected_entity_has_its_tasks_on_its_record(settings: Any, tmp_path: Path) -> None:
    """The entity was inspected, found at fault and published: its record was empty."""
    city = sampling_city(settings)
    drawn_plan(city, "smr", divisions=["320902"])
    sampling.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    task = InspectionTask.objects.get(entity=city["hengda"])
    task.points.update(result="finding", note="未亮照")
    InspectionTask.objects.filter(pk=task.pk).update(
        status=TaskStatus.SUBMITTED, inspected_on=dt.date(2025, 7, 2)
    )
    task_transition(task=task, transition="publish", actor=city["staff"]["smr"])
    services.checkpoint_create()
    eid = city["hengda"].pk
    staff = _client(city["staff"]["smr"])  # the lead department: a reader through the task grant
    page = staff.get(f"/ledger/subject/entity/{eid}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "inspection.task.create" in html and "inspection.task.publish" in html
    assert f'href="/ledger/subject/inspection.task/{task.code}/"' in html  # where it was recorded
    assert "核验通过" in html
    raw = staff.get(f"/ledger/subject/entity/{eid}/bundle.json").content
    bundle = json.loads(raw)
    actions = [b["entry"] for b in bundle["entries"]]
    assert any("inspection.task.publish" in a for a in actions)
    # the standalone verifier accepts entries that name the entity in payload.refs
    path = tmp_path / "entity.json"
    path.write_bytes(raw)
    out = io.StringIO()
    assert standalone.main(["bundle", str(path)], out=out) == 0, out.getvalue()
    # an unrelated department reads nothing of it
    outsider = UserFactory.create(username="eeb_x", department=city["departments"]["eeb"])
    assert _client(outsider).get(f"/ledger/subject/entity/{eid}/").status_code == 404
