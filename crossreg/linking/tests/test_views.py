"""Pages and API of the base: render, scope, permissions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from crossreg.linking import services
from crossreg.linking.models import SourceList, SourceRecord
from crossreg.linking.tests.conftest import SCJG_HEADER, STHJ_HEADER, csv_bytes, scjg_row, sthj_row
from crossreg.orgs.services import api_token_issue

pytestmark = pytest.mark.django_db


def _two_lists(city: dict[str, Any]) -> None:
    e = city["entities"]
    services.source_list_import(
        actor="system:test",
        department=city["depts"]["scjg"],
        content=csv_bytes(SCJG_HEADER, [scjg_row(e[1], "SJ1")]),
        file_name="a.csv",
    )
    services.source_list_import(
        actor="system:test",
        department=city["depts"]["sthj"],
        content=csv_bytes(STHJ_HEADER, [sthj_row(e[1], "WR1")]),
        file_name="b.csv",
    )


def test_pages_render_and_filter_by_key_domain(city: dict[str, Any]) -> None:
    _two_lists(city)
    c = Client()
    c.force_login(city["reviewer"])
    page = c.get("/base/")
    assert page.status_code == 200 and city["entities"][1].name in page.content.decode()
    assert city["entities"][1].name in c.get("/base/?domain=food").content.decode()
    assert city["entities"][1].name not in c.get("/base/?domain=hazchem").content.decode()
    assert c.get("/base/review/").status_code == 200
    partial = c.get(f"/base/entities/{city['entities'][1].pk}/360/").content.decode()
    assert 'data-testid="in-base"' in partial and "生态环境局" in partial


def test_review_page_is_for_reviewers_only_and_import_page_scoped(city: dict[str, Any]) -> None:
    c = Client()
    c.force_login(city["staff"])
    assert c.get("/base/review/").status_code == 403
    page = c.get("/base/import/").content.decode()
    assert "盐城市市场监督管理局" in page and "盐城市生态环境局" not in page


def test_upload_through_the_import_page(city: dict[str, Any]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = Client()
    c.force_login(city["staff"])
    upload = SimpleUploadedFile("scjg.csv", csv_bytes(SCJG_HEADER, [scjg_row(city["entities"][1], "SJ1")]))
    resp = c.post("/base/import/", {"department": "scjg", "file": upload, "system": "x"})
    assert resp.status_code == 200 and 'data-testid="import-result"' in resp.content.decode()
    assert SourceRecord.objects.get().entity_id == city["entities"][1].pk
    bad = SimpleUploadedFile("bad.csv", "地址\n人民路\n".encode())
    resp = c.post("/base/import/", {"department": "scjg", "file": bad})
    assert "required column" in resp.content.decode() and SourceList.objects.count() == 1


def test_api_push_is_idempotent_and_token_scoped(city: dict[str, Any]) -> None:
    admin = city["staff"]
    admin.role = "dept_admin"
    admin.save()
    _token, secret = api_token_issue(
        actor=admin, name="sys", department=city["depts"]["scjg"], scopes=["entities:write"]
    )
    e = city["entities"][1]
    body = {
        "department": "scjg",
        "system": "市场监管业务系统",
        "rows": [{"主体名称": e.name, "统一社会信用代码": e.uscc, "编号": "SJ1"}],
    }
    c = Client()
    auth = f"Bearer {secret}"
    first = c.post(
        "/api/v1/linking/lists", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=auth
    )
    assert first.status_code == 201, first.content
    again = c.post(
        "/api/v1/linking/lists", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=auth
    )
    assert again.status_code == 200 and again.json()["created"] is False
    other = c.post(
        "/api/v1/linking/lists",
        json.dumps({**body, "department": "sthj"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )
    assert other.status_code == 403
    c.force_login(city["reviewer"])
    recs = c.get(f"/api/v1/linking/entities/{e.pk}/records").json()
    assert [r["local_id"] for r in recs] == ["SJ1"]
    c.force_login(city["other_staff"])
    assert c.get(f"/api/v1/linking/entities/{e.pk}/records").json() == []
