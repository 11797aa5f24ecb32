"""``/api/v1/cases``: scoped search, detail with clocks, transitions with versions, sources, open data."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from crossreg.cases import services
from crossreg.cases.tests.factories import MONDAY, cases_city, filed, noticed

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db: None) -> dict[str, Any]:
    return cases_city()


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_search_is_scoped_to_the_department(city: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    case = filed(city)
    filed(city, "T-2")
    c = login(city["users"]["staff"])
    with django_assert_max_num_queries(8):
        r = c.get("/api/v1/cases/", {"q": "未亮照"})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2 and {x["number"] for x in body["results"]} >= {case.number}
    assert login(city["users"]["other_head"]).get("/api/v1/cases/").json()["count"] == 0
    assert login(city["users"]["leader"]).get("/api/v1/cases/").json()["count"] == 2
    assert Client().get("/api/v1/cases/").status_code == 401


def test_detail_has_clocks_and_documents(city: dict[str, Any]) -> None:
    case = filed(city)
    r = login(city["users"]["staff"]).get(f"/api/v1/cases/{case.pk}")
    assert r.status_code == 200
    d = r.json()
    assert d["number"] == case.number
    assert {c["key"] for c in d["clocks"]} >= {"filing", "decision"}
    assert d["documents"][0]["kind"] == "filing" and len(d["documents"][0]["sha256"]) == 64
    assert login(city["users"]["other_head"]).get(f"/api/v1/cases/{case.pk}").status_code == 404


def test_transition_with_a_stale_version_is_a_conflict(city: dict[str, Any]) -> None:
    case = filed(city)
    c = login(city["users"]["officer"])
    r = c.post(
        f"/api/v1/cases/{case.pk}/transitions",
        {"transition": "start_investigation", "expected_version": case.version},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "investigation"
    r = c.post(
        f"/api/v1/cases/{case.pk}/transitions",
        {"transition": "submit_review", "expected_version": case.version},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["detail"][0]["code"] == "changed"


def test_a_gate_refusal_names_the_rule(city: dict[str, Any]) -> None:
    case = noticed(city)
    case.refresh_from_db()
    r = login(city["users"]["head"]).post(
        f"/api/v1/cases/{case.pk}/transitions",
        {"transition": "decide", "expected_version": case.version, "data": {"fine": "5000"}},
        content_type="application/json",
    )
    assert r.status_code == 400
    codes = {p["code"] for p in r.json()["detail"]}
    assert "art45" in codes


def test_source_register_is_idempotent(city: dict[str, Any]) -> None:
    c = login(city["users"]["staff"])
    payload = {
        "department_id": "smr",
        "entity_id": city["hengda"].pk,
        "kind": "complaint",
        "ref": "TS-1",
        "summary": "举报",
        "discovered_on": MONDAY.isoformat(),
        "evidence": ["c" * 64],
    }
    a = c.post("/api/v1/cases/sources", payload, content_type="application/json").json()
    b = c.post("/api/v1/cases/sources", payload, content_type="application/json").json()
    assert a["id"] == b["id"] and a["filing_due"] == "2026-03-30"
    bad = c.post(
        "/api/v1/cases/sources",
        {**payload, "ref": "TS-2", "evidence": ["nothex"]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["detail"][0]["field"] == "evidence"


def test_public_decisions_need_no_login_and_mask(city: dict[str, Any]) -> None:
    from crossreg.cases.models import Case

    u = city["users"]
    case = noticed(city)
    Case.objects.filter(pk=case.pk).update(party_kind="natural", party_name="李四")
    case = services.case_defence_waive(
        actor=u["officer"], case=Case.objects.get(pk=case.pk), note="放弃", today=MONDAY
    )
    case = services.case_transition(case=case, transition="decide", actor=u["head"], today=MONDAY)
    services.case_publish(actor=u["officer"], case=case, today=MONDAY)
    rows = Client().get("/api/v1/cases/public/decisions").json()
    assert rows[0]["party"] == "李*" and rows[0]["fine_yuan"] == "1000.00"
