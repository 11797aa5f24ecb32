"""Inbound imports (idempotent; unknown codes refuse the file whole, rows named), code mappings,
the daily reconciliation with its publication deadlines on the real holiday calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from crossreg.core.errors import Invalid
from crossreg.core.events import domain_event_publish
from crossreg.exchange import services
from crossreg.exchange.models import InboundBatch, MappingVersion
from crossreg.exchange.tests.factories import FIXTURES, mappings
from crossreg.ledger.models import Entry
from crossreg.orgs.permissions import Principal
from crossreg.outbox import services as outbox
from crossreg.outbox.models import Delivery, OutboxEvent, Target
from crossreg.outbox.tests.factories import admin
from crossreg.web.tests.factories import entity_make

pytestmark = pytest.mark.django_db


class FakeWriters:
    """Local fakes of the promised services (tests only): inspections.task_create, credit_event_record."""

    def __init__(self, monkeypatch: Any) -> None:
        self.tasks: list[dict[str, Any]] = []
        self.credit: list[dict[str, Any]] = []
        monkeypatch.setattr(services, "_task_create", lambda: self._task)
        monkeypatch.setattr(services, "_credit_event_record", lambda: self._credit)

    def _task(self, **kw: Any) -> str:
        self.tasks.append(kw)
        return f"JC-{len(self.tasks)}"

    def _credit(self, **kw: Any) -> int:
        self.credit.append(kw)
        return len(self.credit)


def _rows(name: str, uscc: str) -> list[dict[str, str]]:
    data = (FIXTURES / name).read_bytes().replace(b"USCC_HENGDA", uscc.encode())
    return services.inbound_rows(data, name)


@pytest.fixture
def hengda() -> Any:
    from crossreg.web.tests.factories import city_divisions

    return entity_make(name="盐城市恒达建材有限公司", division=city_divisions()["320902"])


def _item() -> None:
    from crossreg.catalog.models import SupervisionItem
    from crossreg.orgs.models import Department

    SupervisionItem.objects.create(code="JG-SCJG-001", department=Department.objects.get(pk="scjg"))


def test_provincial_tasks_become_inspection_tasks_once(monkeypatch: Any, hengda: Any) -> None:
    mappings()
    _item()
    fake = FakeWriters(monkeypatch)
    root = admin()
    p = Principal.of(root)
    rows = _rows("provincial_tasks.csv", hengda.uscc)
    batch = services.inbound_import(
        actor=root, principal=p, kind="provincial_tasks", source="js-ssj", batch_ref="2026-04", rows=rows
    )
    assert batch.created == 1 and len(fake.tasks) == 1
    call = fake.tasks[0]
    assert call["entity"] == hengda and call["trigger"] == "provincial" and call["period"] == "2026Q2"
    assert call["lead_department"].pk == "scjg" and [d.pk for d in call["departments"]] == ["scjg", "yjgl"]
    assert call["window_start"] == dt.date(2026, 4, 1) and call["source_ref"] == "js-ssj:JS-SSJ-2026-0001"
    assert call["items"] == {}  # the item has no published version in this test
    # the same batch again, and the same row in a later batch: nothing new
    again = services.inbound_import(
        actor=root, principal=p, kind="provincial_tasks", source="js-ssj", batch_ref="2026-04", rows=rows
    )
    assert again.pk == batch.pk
    later = services.inbound_import(
        actor=root, principal=p, kind="provincial_tasks", source="js-ssj", batch_ref="2026-04b", rows=rows
    )
    assert later.created == 0 and later.unchanged == 1 and len(fake.tasks) == 1
    assert Entry.objects.filter(action="exchange.inbound.imported").count() == 2


def test_an_inbound_file_with_unknown_codes_is_refused_whole_with_the_rows_named(
    monkeypatch: Any, hengda: Any
) -> None:
    mappings()
    _item()
    fake = FakeWriters(monkeypatch)
    root = admin()
    rows = _rows("provincial_tasks_unknown_codes.csv", hengda.uscc)
    with pytest.raises(Invalid) as e:
        services.inbound_import(
            actor=root,
            principal=Principal.of(root),
            kind="provincial_tasks",
            source="js-ssj",
            batch_ref="x",
            rows=rows,
        )
    named = {(p.row, p.field) for p in e.value.problems}
    assert named == {(2, "JCSSQDBM"), (3, "SSJGBM")}
    assert "SSQD-999999-XXXX-404" in str(e.value) and "990000000000" in str(e.value)
    assert fake.tasks == []  # row 1 was fine, and still nothing was created
    assert not InboundBatch.objects.exists()


def test_other_cities_penalties_become_credit_events(monkeypatch: Any, hengda: Any) -> None:
    fake = FakeWriters(monkeypatch)
    root = admin()
    rows = _rows("penalties.csv", hengda.uscc)
    batch = services.inbound_import(
        actor=root, principal=Principal.of(root), kind="penalties", source="suzhou", batch_ref="b1", rows=rows
    )
    assert batch.created == 1
    call = fake.credit[0]
    assert (
        call["entity"] == hengda
        and call["severity"] == "ordinary"
        and call["occurred_on"] == dt.date(2026, 3, 2)
    )
    assert (
        call["source_type"] == "exchange.penalty" and call["source_id"] == "suzhou:苏州市监处罚〔2026〕88号"
    )
    rows[0]["XYCD"] = "很严重"
    with pytest.raises(Invalid) as e:
        services.inbound_import(
            actor=root,
            principal=Principal.of(root),
            kind="penalties",
            source="suzhou",
            batch_ref="b2",
            rows=rows,
        )
    assert e.value.problems[0].row == 1 and e.value.problems[0].field == "XYCD"


def test_inbound_is_for_administrators_only(hengda: Any) -> None:
    from crossreg.core.errors import Forbidden
    from crossreg.outbox.tests.factories import department, dept_admin

    boss = dept_admin(department())
    with pytest.raises(Forbidden):
        services.inbound_import(
            actor=boss, principal=Principal.of(boss), kind="penalties", source="s", batch_ref="b", rows=[]
        )


def test_a_mapping_import_is_a_new_version_and_bad_rows_are_named() -> None:
    item, dept = mappings()
    assert (item.number, dept.number) == (1, 1)
    root = admin()
    with pytest.raises(Invalid) as e:
        services.mapping_import(
            actor=root,
            principal=Principal.of(root),
            kind="item",
            rows=[
                {"local_code": "A", "national_code": "N-A"},
                {"local_code": "A", "national_code": "N-B", "list_code": "L"},
            ],
        )
    assert {(p.row, p.field) for p in e.value.problems} == {(1, "list_code"), (2, "local_code")}
    v2 = services.mapping_import(
        actor=root,
        principal=Principal.of(root),
        kind="item",
        rows=[{"local_code": "A", "national_code": "N-A", "list_code": "L"}],
    )
    assert v2.number == 2 and MappingVersion.objects.filter(kind="item").count() == 2


# --- reconciliation --------------------------------------------------------------------------------


def _decision(decided_on: str, n: int) -> None:
    with transaction.atomic():
        domain_event_publish(
            type="case.decision.made",
            subject=f"case/{n}",
            department_id="scjg",
            data={"case_number": f"C{n}", "department_id": "scjg", "decided_on": decided_on},
        )


def test_reconciliation_counts_hashes_gaps_and_deadlines_on_the_holiday_calendar() -> None:
    mappings()
    root = admin()
    target = outbox.target_create(
        actor=root,
        principal=Principal.of(root),
        code="prov",
        name="省平台",
        kind="staging",
        department=None,
        config={"database_url": "sqlite:////nonexistent/dir/x.sqlite3"},
    )
    outbox.subscription_create(
        actor=root, principal=Principal.of(root), target=target, event_type="case.*", scope="all"
    )
    # Decided on Friday 2026-02-13, just before the Spring Festival 2026 holiday (Feb 15–23): 7
    # working days run to 2026-02-27 (not Feb 24, as calendar days minus weekends would say); the
    # 调休 Saturday 2026-02-28 is a working day, so 20 working days end on 2026-03-16 … per the
    # calendar module, which this test asks rather than recomputes.
    from crossreg.core.calendar import add_workdays

    _decision("2026-02-13", 1)
    _decision("2026-02-13", 2)
    outbox.outbox_fan_out()
    d1, d2 = Delivery.objects.filter(target=target).order_by("event_id")
    due7 = add_workdays(dt.date(2026, 2, 13), 7)
    assert due7 > dt.date(2026, 2, 24)  # the holiday counts for nothing
    tz = timezone.get_current_timezone()
    Delivery.objects.filter(pk=d1.pk).update(
        state="delivered",
        delivered_at=dt.datetime.combine(due7, dt.time(16), tzinfo=tz),
        payload_sha256="ab" * 32,
    )
    Delivery.objects.filter(pk=d2.pk).update(state="failed", last_error="HTTP 500")
    report = services.reconcile(target=target, day=timezone.localdate())
    assert (report.sent, report.acknowledged) == (2, 1)
    assert [g["state"] for g in report.gaps] == ["failed"] and report.gaps[0]["error"] == "HTTP 500"
    by = {(x["subject"], x["rule"]): x for x in report.deadlines}
    assert by[("case/1", "penalty_7wd")]["met"] is True
    assert by[("case/1", "penalty_7wd")]["due"] == due7.isoformat()
    assert by[("case/2", "penalty_7wd")]["met"] is False
    assert report.missed == 2  # case/2: both deadlines passed long ago, never delivered
    # a late delivery the day after the deadline is missed, shown with its delivery time
    late = dt.datetime.combine(due7 + dt.timedelta(days=1), dt.time(9), tzinfo=tz)
    Delivery.objects.filter(pk=d1.pk).update(delivered_at=late)
    again = services.reconcile(target=target, day=timezone.localdate())
    x = next(x for x in again.deadlines if x["subject"] == "case/1" and x["rule"] == "penalty_7wd")
    assert x["met"] is False and x["delivered_at"].startswith((due7 + dt.timedelta(days=1)).isoformat())
    assert again.pk == report.pk  # the day's report is replaced, not duplicated
    entry = Entry.objects.filter(action="exchange.reconciliation.made").order_by("-seq").first()
    assert entry is not None and entry.payload["sent_sha256"] == again.sent_sha256
    assert OutboxEvent.objects.count() == 2
    assert Target.objects.count() == 1


def test_provincial_task_through_the_real_task_create(hengda: Any) -> None:
    """No fake: the inspections app's task_create makes the task, and a repeat makes nothing."""
    from crossreg.inspections.models import InspectionTask
    from crossreg.orgs.models import Department
    from crossreg.sampling.tests.factories import item_version

    mappings()
    item_version(Department.objects.get(pk="scjg"), "JG-SCJG-001", [("是否亮照经营", "条例第36条", "未亮照")])
    root = admin()
    rows = _rows("provincial_tasks.csv", hengda.uscc)
    services.inbound_import(
        actor=root,
        principal=Principal.of(root),
        kind="provincial_tasks",
        source="js",
        batch_ref="1",
        rows=rows,
    )
    task = InspectionTask.objects.get(entity=hengda)
    assert task.trigger == "provincial" and task.lead_department_id == "scjg"
    assert task.points.count() == 1
    services.inbound_import(
        actor=root,
        principal=Principal.of(root),
        kind="provincial_tasks",
        source="js",
        batch_ref="2",
        rows=rows,
    )
    assert InspectionTask.objects.filter(entity=hengda).count() == 1


def test_penalty_through_the_real_credit_event_record(hengda: Any) -> None:
    from crossreg.credit.models import CreditEvent

    root = admin()
    rows = _rows("penalties.csv", hengda.uscc)
    services.inbound_import(
        actor=root, principal=Principal.of(root), kind="penalties", source="suzhou", batch_ref="1", rows=rows
    )
    ev = CreditEvent.objects.get(entity=hengda)
    assert (
        ev.kind == "penalty"
        and ev.severity == "ordinary"
        and ev.source_id == "suzhou:苏州市监处罚〔2026〕88号"
    )


def test_credit_grade_push_reaches_only_the_departments_listing_the_entity(hengda: Any) -> None:
    """The credit engineer's real-time push: credit.grade.changed, scope "listed", resolved on the
    object base (the department's current list rows), with a real receiver verifying signatures."""
    from crossreg.outbox.receiver import Receiver
    from crossreg.outbox.tests.factories import SECRET, department, webhook_target
    from crossreg.web.tests.factories import source_record_make

    scjg = department("scjg", "市场监管局")
    yjgl = department("yjgl", "应急管理局")
    source_record_make(hengda, scjg, "r1")
    source_record_make(hengda, yjgl, "r2", current=False)  # left yjgl's list
    with Receiver(SECRET) as a, Receiver(SECRET) as b:
        webhook_target(scjg, a.url, code="a", event_type="credit.grade.changed", scope="listed")
        webhook_target(yjgl, b.url, code="b", event_type="credit.grade.changed", scope="listed")
        with transaction.atomic():
            domain_event_publish(
                type="credit.grade.changed",
                subject=f"entity/{hengda.pk}",
                entity_id=hengda.pk,
                data={
                    "entity_id": hengda.pk,
                    "old": "B",
                    "new": "C",
                    "model_version": "m1",
                    "as_of": "2026-03-01",
                },
            )
        for _ in range(5):
            outbox.outbox_deliver_batch()
        assert [e["data"]["new"] for e in a.store.events()] == ["C"]
        assert b.store.events() == []
