"""The pages: an inspection finding opens one case per department; the main path through the
case page's forms; the deadline page, the queues, public decisions and the proof page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from crossreg.cases import services
from crossreg.cases.models import Case, CaseSource
from crossreg.cases.tests.factories import MONDAY, cases_city, filed, inspected_task, noticed

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db: None, settings: Any) -> dict[str, Any]:
    return cases_city(settings)


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_joint_inspection_opens_one_case_per_department_sharing_the_evidence(city: dict[str, Any]) -> None:
    task = inspected_task(city)
    sources = services.case_sources_from_task(actor="system:cases", task_code=task.code)
    assert sorted(s.department_id for s in sources) == ["mem", "smr"]
    assert services.case_sources_from_task(actor="system:cases", task_code=task.code)[0].pk in {
        s.pk for s in sources
    }
    assert CaseSource.objects.count() == 2
    shared = {e["sha256"] for e in sources[0].evidence} & {e["sha256"] for e in sources[1].evidence}
    assert "b" * 64 in shared
    smr = next(s for s in sources if s.department_id == "smr")
    case = services.case_file(
        actor=city["users"]["head"],
        source=smr,
        officers=city["officers"][:2],
        title="未亮照经营",
        today=MONDAY,
    )
    assert case.task_code == task.code
    assert case.evidence.filter(sha256="b" * 64, origin=f"task:{task.code}").exists()
    # the task page's panel links the case; mem's source waits for mem's head
    page = login(city["users"]["head"]).get(f"/inspections/tasks/{task.code}/")
    assert page.status_code == 200
    assert case.number in page.content.decode()


def test_case_page_forms_walk_the_procedure(city: dict[str, Any]) -> None:
    u = city["users"]
    case = filed(city, today=dt.date.today() - dt.timedelta(days=1))
    officer, _head = login(u["officer"]), login(u["head"])
    r = officer.get(f"/cases/{case.pk}/")
    assert r.status_code == 200 and "开始调查取证" in r.content.decode()
    officer.post(f"/cases/{case.pk}/action/", {"action": "start_investigation", "version": case.version})
    case.refresh_from_db()
    assert case.state == "investigation"
    # a stale form: told it changed
    r = officer.post(
        f"/cases/{case.pk}/action/", {"action": "submit_review", "version": case.version - 1}, follow=True
    )
    assert "已被他人更改" in r.content.decode()
    # the head cannot see the investigation's forms of another department
    r = login(u["other_head"]).get(f"/cases/{case.pk}/")
    assert r.status_code == 404


def test_deadline_page_lists_nearest_first_and_flags(city: dict[str, Any]) -> None:
    u = city["users"]
    old = filed(city, "T-old", today=dt.date(2026, 3, 2))  # its 90 days ended in May 2026: overdue
    r = login(u["staff"]).get("/cases/deadlines/")
    body = r.content.decode()
    assert r.status_code == 200 and old.number in body and 'data-flag="overdue"' in body


def test_legal_queue_and_leader_view(city: dict[str, Any]) -> None:
    u = city["users"]
    case = noticed(city, fine="150000", entry="SMR-47-2")
    case = services.case_defence_waive(actor=u["officer"], case=case, note="放弃", today=MONDAY)
    services.case_transition(case=case, transition="submit_legal_review", actor=u["officer"], today=MONDAY)
    assert case.number in login(u["legal"]).get("/cases/legal/").content.decode()
    assert case.number not in login(u["other_legal"]).get("/cases/legal/").content.decode()
    r = login(u["leader"]).get("/cases/leader/")
    assert r.status_code == 200 and "法制审核通过率" in r.content.decode()


def test_public_page_masks_natural_persons_and_shows_withdrawals(city: dict[str, Any]) -> None:
    u = city["users"]
    case = noticed(city)
    Case.objects.filter(pk=case.pk).update(
        party_kind="natural", party_name="王小明", party_representative="王小明"
    )
    case = services.case_defence_waive(
        actor=u["officer"], case=Case.objects.get(pk=case.pk), note="放弃", today=MONDAY
    )
    case = services.case_transition(case=case, transition="decide", actor=u["head"], today=MONDAY)
    case = services.case_publish(actor=u["officer"], case=case, today=MONDAY)
    body = Client().get("/cases/public/").content.decode()
    assert case.number in body and "王*明" in body and "王小明" not in body
    data = Client().get("/cases/public/decisions.json").json()
    assert data["decisions"][0]["party"] == "王*明"
    case = services.case_transition(
        case=case, transition="revoke_decision", actor=u["head"], note="复议撤销", today=MONDAY
    )
    services.case_publication_withdraw(actor=u["officer"], case=case, reason="行政复议决定撤销", today=MONDAY)
    body = Client().get("/cases/public/").content.decode()
    assert 'data-testid="withdrawn"' in body and "行政复议决定撤销" in body


def test_document_pdf_docx_and_proof_page(city: dict[str, Any]) -> None:
    u = city["users"]
    case = filed(city)
    doc = case.documents.get(kind="filing")
    c = login(u["officer"])
    pdf = c.get(f"/cases/documents/{doc.pk}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    docx = c.get(f"/cases/documents/{doc.pk}.docx")
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    proof = Client().get(f"/cases/d/{doc.short}/").content.decode()
    assert "核验通过" in proof and doc.sha256 in proof
    # tampering with the stored text is detected
    type(doc).objects.filter(pk=doc.pk).update(text=doc.text + "改")
    assert "核验未通过" in Client().get(f"/cases/d/{doc.short}/").content.decode()


def test_simplified_page_from_the_phone(city: dict[str, Any]) -> None:
    u = city["users"]
    c = login(u["officer"])
    assert c.get("/cases/simplified/").status_code == 200
    r = c.post(
        "/cases/simplified/",
        {
            "uscc": city["hengda"].uscc,
            "co_officer": city["officers"][1].pk,
            "title": "未亮照",
            "facts": "现场发现",
            "kinds": ["fine"],
            "fine": "100",
        },
        follow=True,
    )
    assert r.status_code == 200
    assert Case.objects.filter(procedure="simplified").count() == 1


def test_entity_panel_shows_the_cases(city: dict[str, Any]) -> None:
    case = filed(city)
    r = login(city["users"]["staff"]).get(f"/entities/{city['hengda'].pk}/")
    assert r.status_code == 200 and case.number in r.content.decode()
