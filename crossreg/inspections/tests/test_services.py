"""The task services others call: task_create (clues, complaints, inbound pushes, the draw's
consolidation) and task_attach — permissions, idempotency, checklist, history, ledger, events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from crossreg.core import events
from crossreg.core.errors import Conflict, Forbidden, Invalid
from crossreg.inspections.models import InspectionTask, TaskStatus, Trigger
from crossreg.inspections.services import OfficerAssignment, task_attach, task_create, task_transition
from crossreg.ledger.models import Entry
from crossreg.sampling.tests.factories import sampling_city
from crossreg.web.tests.factories import UserFactory

W0, W1 = dt.date(2025, 7, 7), dt.date(2025, 7, 18)


@pytest.fixture
def city(db: None, settings: Any) -> dict[str, Any]:
    return sampling_city(settings)


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[events.DomainEvent]:
    seen: list[events.DomainEvent] = []
    monkeypatch.setattr(events, "_SINKS", [seen.append])
    return seen


def _clue_task(city: dict[str, Any], ref: str = "XS-2025-0001", **kw: Any) -> InspectionTask:
    args: dict[str, Any] = {
        "actor": "system:clues",
        "entity": city["hengda"],
        "trigger": Trigger.CLUE,
        "source_ref": ref,
        "period": "2025Q3",
        "lead_department": "smr",
        "items": {"smr": [city["versions"]["smr"].pk]},
        "window_start": W0,
        "window_end": W1,
    }
    args.update(kw)
    return task_create(**args)


def test_create_writes_task_checklist_history_ledger_and_event(city, published) -> None:
    task = _clue_task(city, items={"smr": [city["versions"]["smr"].pk], "mem": [city["versions"]["mem"].pk]})
    assert task.trigger == "clue" and task.source_ref == "XS-2025-0001" and task.seed_plan_id is None
    assert task.status == TaskStatus.ASSIGNED and task.joint
    assert task.code.startswith(f"IT-2025Q3-{city['hengda'].pk:07d}-C")
    # 3 + 2 points, one coinciding (消防安全出口是否畅通): 4 on the merged checklist, lead's first
    points = list(task.points.order_by("seq"))
    assert [p.content for p in points][:3] == [
        "是否取得营业执照并亮照经营",
        "食品经营许可证是否在有效期内",
        "消防安全出口是否畅通",
    ]
    assert len(points) == 4 and points[2].departments == ["mem", "smr"]
    assert sorted(task.departments.values_list("department_id", "role")) == [
        ("mem", "participant"),
        ("smr", "lead"),
    ]
    assert list(task.events.values_list("transition", flat=True)) == ["create"]
    assert list(task.sources.values_list("trigger", "ref")) == [("clue", "XS-2025-0001")]
    entry = Entry.objects.get(subject_type="inspection.task", subject_id=task.code)
    assert entry.action == "inspection.task.create"
    assert entry.payload["refs"] == [{"type": "entity", "id": str(city["hengda"].pk)}]
    [event] = [e for e in published if e.type == "inspection.task.created"]
    assert event.entity_id == city["hengda"].pk and event.data["trigger"] == "clue"
    assert event.data["departments"] == ["mem", "smr"] and event.department_id == "smr"


def test_create_is_idempotent_by_source(city) -> None:
    first = _clue_task(city)
    again = _clue_task(city, window_start=W1, window_end=W1)
    assert again.pk == first.pk and InspectionTask.objects.count() == 1


def test_create_refuses_bad_input(city) -> None:
    with pytest.raises(Invalid) as e:
        _clue_task(city, trigger="rumour")
    assert e.value.problems[0].field == "trigger"
    with pytest.raises(Invalid) as e:
        _clue_task(city, source_ref="")
    assert e.value.problems[0].field == "source_ref"
    with pytest.raises(Invalid) as e:
        _clue_task(city, window_start=W1, window_end=W0)
    assert e.value.problems[0].field == "window_end"
    assert not InspectionTask.objects.exists()


def test_who_may_create(city) -> None:
    assert _clue_task(city, actor=city["staff"]["smr"], source_ref="A").lead_department_id == "smr"
    with pytest.raises(Forbidden):  # staff of another department
        _clue_task(city, actor=city["staff"]["mem"], source_ref="B")
    officer = UserFactory.create(username="o1", department=city["departments"]["smr"], role="officer")
    with pytest.raises(Forbidden):  # officers carry tasks out, they do not make them
        _clue_task(city, actor=officer, source_ref="C")
    with pytest.raises(Forbidden):
        _clue_task(city, actor="someone", source_ref="D")


def test_one_random_visit_per_entity_and_period(city) -> None:
    kw = {"trigger": Trigger.RANDOM, "source_ref": ""}
    _clue_task(city, **kw)
    with pytest.raises(Conflict) as e:
        _clue_task(city, **kw)
    assert e.value.problems[0].code == "task_exists"
    assert _clue_task(city).trigger == "clue"  # a clue's visit is another visit


def test_attach_merges_departments_and_points(city, published) -> None:
    task = _clue_task(city)
    officers = [
        OfficerAssignment(officer_id=city["officers"]["smr"][0].pk, department_id="smr", lead=True),
        OfficerAssignment(officer_id=city["officers"]["hc"][0].pk, department_id="hc"),
    ]
    out = task_attach(
        actor="system:complaints",
        task=task,
        trigger=Trigger.COMPLAINT,
        source_ref="TS-9",
        items={"hc": [city["versions"]["hc"].pk]},
        officers=officers,
    )
    assert out.joint and out.points.count() == 4
    assert sorted(out.departments.values_list("department_id", flat=True)) == ["hc", "smr"]
    assert sorted(out.sources.values_list("ref", flat=True)) == ["TS-9", "XS-2025-0001"]
    assert out.officers.filter(lead=True).get().officer_id == officers[0].officer_id
    assert list(out.events.values_list("transition", flat=True)) == ["create", "merge"]
    assert Entry.objects.filter(subject_id=task.code, action="inspection.task.merge").count() == 1
    assert [e.type for e in published].count("inspection.task.merged") == 1
    # attaching the same source again changes nothing
    task_attach(actor="system:complaints", task=out, trigger=Trigger.COMPLAINT, source_ref="TS-9")
    assert out.events.count() == 2


def test_attach_only_before_the_visit_starts(city) -> None:
    task = _clue_task(city)
    InspectionTask.objects.filter(pk=task.pk).update(status=TaskStatus.IN_PROGRESS)
    with pytest.raises(Conflict):
        task_attach(actor="system:x", task=task, trigger=Trigger.COMPLAINT, source_ref="TS-1")


def test_published_event_carries_results_and_findings(city, published) -> None:
    task = _clue_task(city)
    task.points.update(result="pass")
    p = task.points.order_by("seq")[0]
    p.result, p.note = "finding", "未亮照"
    p.save()
    InspectionTask.objects.filter(pk=task.pk).update(status=TaskStatus.SUBMITTED)
    task_transition(task=task, transition="publish", actor="system:test")
    [event] = [e for e in published if e.type == "inspection.task.published"]
    assert event.entity_id == city["hengda"].pk and event.data["findings"] == 1
    assert event.data["task_code"] == task.code and event.data["uscc"] == city["hengda"].uscc
    assert event.data["item_codes"] == ["JG-SMR-0001"]
    assert event.data["points"][0] == {
        "seq": 1,
        "content": "是否取得营业执照并亮照经营",
        "result": "finding",
        "finding": "未亮照",
        "department": "smr",
        "departments": ["smr"],
        "item_code": "JG-SMR-0001",
        "item_codes": ["JG-SMR-0001"],
        "item_versions": [city["versions"]["smr"].pk],
    }
