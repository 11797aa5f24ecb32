"""Pages: staff flow through HTTP, public pages without login (masked), open data, query counts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crossreg.inspections.models import InspectionTask
from crossreg.orgs.models import Officer
from crossreg.sampling import services
from crossreg.sampling.tests.factories import (
    PERIOD,
    TODAY,
    drawn_plan,
    make_plan,
    officer_user,
    sampling_city,
)
from crossreg.web.tests.factories import PASSWORD
from verifiers import draw_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(settings: Any) -> dict[str, Any]:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return sampling_city(settings)


def test_staff_publishes_and_draws_through_pages_and_public_sees_it(client, city) -> None:
    plan = make_plan(city, "smr", divisions=["320902"])
    client.login(username="smr_staff", password=PASSWORD)
    assert client.get(f"/sampling/plans/{plan.code}/").status_code == 200
    client.post(f"/sampling/plans/{plan.code}/publish/")
    r = client.post(
        f"/sampling/plans/{plan.code}/draw/",
        {"seed": "07 11 15 22 28 30+04", "seed_reference": "https://www.cwl.gov.cn/ 第2025075期"},
        follow=True,
    )
    assert "摇号完成" in r.content.decode()
    r2 = client.post(f"/sampling/plans/{plan.code}/draw/", {"seed": "again"}, follow=True)
    assert "该计划已摇号：每个计划只能摇号一次" in r2.content.decode()  # the UI's language, zh-hans
    client.cookies["django_language"] = "en"  # and in English for an English session
    r3 = client.post(f"/sampling/plans/{plan.code}/draw/", {"seed": "again"}, follow=True)
    assert "this plan has been drawn already: one draw per plan" in r3.content.decode()
    del client.cookies["django_language"]
    client.logout()
    page = client.get(f"/sampling/public/plans/{plan.code}/").content.decode()
    assert "07 11 15 22 28 30+04" in page and city["hengda"].name in page
    bundle = json.loads(client.get(f"/sampling/public/plans/{plan.code}/bundle.json").content)
    plan.refresh_from_db()
    assert "VERIFIED" in draw_verify.verify(bundle, root=plan.pool_root)[-1]
    data = client.get("/sampling/public/plans.json").json()
    assert data["plans"][0]["pool_root"] == plan.pool_root
    assert client.get("/sampling/public/plans.csv").status_code == 200
    assert client.get("/sampling/").status_code == 302  # internal list needs login


def test_draft_plan_is_not_public(client, city) -> None:
    plan = make_plan(city, "smr", divisions=["320902"])
    assert client.get(f"/sampling/public/plans/{plan.code}/").status_code == 404


def test_period_page_and_public_results_masked_with_bounded_queries(client, city) -> None:
    drawn_plan(city, "smr", divisions=["320902"])
    drawn_plan(city, "mem", divisions=["320902"])
    services.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    InspectionTask.objects.update(status="published", follow_up=False)
    for t in InspectionTask.objects.all():
        t.points.update(result="pass")
    client.login(username="root", password=PASSWORD)
    page = client.get(f"/sampling/periods/{PERIOD}/").content.decode()
    assert "已达极限" in page
    client.logout()
    with CaptureQueriesContext(connection) as q:
        r = client.get("/inspections/public/results.json")
    n = InspectionTask.objects.count()
    assert n >= 5 and len(q.captured_queries) <= 8, len(q.captured_queries)
    rows = r.json()["results"]
    assert len(rows) == n
    names = {
        o.officer.name for t in InspectionTask.objects.all() for o in t.officers.select_related("officer")
    }
    body = r.content.decode()
    assert not any(name in body for name in names if len(name) > 1)
    assert all("*" in o for row in rows for o in row["officers"])
    with CaptureQueriesContext(connection) as q2:
        client.get("/inspections/public/")
    assert len(q2.captured_queries) <= 9


def test_officer_sees_todays_tasks(client, city) -> None:
    drawn_plan(city, "smr", divisions=["320902"])
    services.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    t = InspectionTask.objects.first()
    assert t is not None
    row = t.officers.first()
    assert row is not None
    officer_user(row.officer, "off1")
    client.login(username="off1", password=PASSWORD)
    page = client.get("/inspections/").content.decode()
    assert t.code in page
    assert client.get(f"/inspections/tasks/{t.code}/").status_code == 200
    # a task of the officer's department that he is not assigned to: his department reads it
    other = InspectionTask.objects.exclude(officers__officer=row.officer).first()
    assert other is not None and other.departments.filter(department_id="smr").exists()
    assert client.get(f"/inspections/tasks/{other.code}/").status_code == 200
    # an officer of an unrelated department reads none of them
    stranger = Officer.objects.filter(department_id="eeb").first()
    assert stranger is not None
    officer_user(stranger, "off2")
    client.login(username="off2", password=PASSWORD)
    assert client.get(f"/inspections/tasks/{t.code}/").status_code == 404
    assert t.code not in client.get("/inspections/").content.decode()
