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
    # Step 1: the preview shows the mapping guessed; nothing is written yet.
    resp = c.post("/base/import/", {"department": "scjg", "file": upload, "system": "x"})
    page = resp.content.decode()
    assert resp.status_code == 200 and 'data-testid="import-preview"' in page
    assert 'data-testid="import-result"' not in page and not SourceList.objects.exists()
    token = resp.context["token"]
    # Step 2: confirmed with the mapping shown (or as changed), the file waiting on the server.
    mapping = {f"map_{f['field']}": f["header"] for f in resp.context["fields"]}
    resp = c.post(
        "/base/import/", {"department": "scjg", "system": "x", "token": token, "action": "import", **mapping}
    )
    assert resp.status_code == 200 and 'data-testid="import-result"' in resp.content.decode()
    assert SourceRecord.objects.get().entity_id == city["entities"][1].pk
    assert SourceList.objects.get().column_mapping["name"] == "主体名称"
    # The token is spent.
    again = c.post("/base/import/", {"department": "scjg", "token": token, "action": "import", **mapping})
    assert again.status_code == 400 and "上传的文件已失效" in again.content.decode()
    bad = SimpleUploadedFile("bad.csv", "地址\n人民路\n".encode())
    resp = c.post("/base/import/", {"department": "scjg", "file": bad})
    assert resp.status_code == 400 and SourceList.objects.count() == 1
    assert "缺少必需的列:名称" in resp.content.decode() and "columns are 地址" in resp.content.decode()


def test_import_page_refuses_users_without_the_capability(city: dict[str, Any]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crossreg.orgs.models import User

    officer = User.objects.create_user(
        username="officer", password="x", role=User.Role.OFFICER, department=city["depts"]["scjg"]
    )
    c = Client()
    for user in (officer, city["reviewer"]):
        c.force_login(user)
        assert c.get("/base/import/").status_code == 403
    c.force_login(city["staff"])
    upload = SimpleUploadedFile("x.csv", csv_bytes(STHJ_HEADER, [sthj_row(city["entities"][1], "WR1")]))
    assert c.post("/base/import/", {"department": "sthj", "file": upload}).status_code == 403
    assert not SourceList.objects.exists()
    # The 360 partial follows the entity scope: no entity, no page.
    assert c.get("/base/entities/999999/360/").status_code == 404


def _push(c: Client, body: dict[str, Any], secret: str) -> Any:
    return c.post(
        "/api/v1/linking/lists",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def _token(city: dict[str, Any], dept: str, scopes: list[str]) -> str:
    admin = city["staff"]
    admin.role = "dept_admin"
    admin.save()
    _token, secret = api_token_issue(actor=admin, name="sys", department=city["depts"][dept], scopes=scopes)
    return secret


def test_api_push_is_idempotent_and_token_scoped(city: dict[str, Any]) -> None:
    secret = _token(city, "scjg", ["lists:push"])
    e = city["entities"][1]
    body = {
        "department": "scjg",
        "system": "市场监管业务系统",
        "rows": [{"主体名称": e.name, "统一社会信用代码": e.uscc, "编号": "SJ1"}],
    }
    c = Client()
    first = _push(c, body, secret)
    assert first.status_code == 201, first.content
    assert first.json()["counts"]["new"] == 1 and first.json()["snapshot"] == 1
    sl = SourceList.objects.get()
    assert sl.channel == "api" and sl.department_id == "scjg"
    again = _push(c, body, secret)
    assert again.status_code == 200 and again.json()["created"] is False
    # The token is 市场监管局's: another department's list is refused, and says why.
    other = _push(c, {**body, "department": "sthj"}, secret)
    assert other.status_code == 403
    assert (
        other.json()["detail"][0]["field"] == "department" and "sthj" in other.json()["detail"][0]["message"]
    )
    assert SourceList.objects.count() == 1 and not SourceList.objects.filter(department_id="sthj").exists()
    c.force_login(city["reviewer"])
    recs = c.get(f"/api/v1/linking/entities/{e.pk}/records").json()
    assert [r["local_id"] for r in recs] == ["SJ1"]
    c.force_login(city["other_staff"])
    assert c.get(f"/api/v1/linking/entities/{e.pk}/records").json() == []


@pytest.mark.parametrize("scopes", [["entities:write"], ["entities:read", "ledger:read"]])
def test_api_push_needs_the_lists_push_scope(city: dict[str, Any], scopes: list[str]) -> None:
    secret = _token(city, "scjg", scopes)
    e = city["entities"][1]
    body = {"department": "scjg", "system": "x", "rows": [{"主体名称": e.name, "编号": "SJ1"}]}
    resp = _push(Client(), body, secret)
    assert resp.status_code == 403
    assert resp.json()["detail"] == [{"message": "this token lacks the scope lists:push", "code": "scope"}]
    assert not SourceList.objects.exists() and not SourceRecord.objects.exists()


def test_api_push_names_the_bad_rows_and_writes_nothing(city: dict[str, Any]) -> None:
    secret = _token(city, "scjg", ["lists:push"])
    e = city["entities"]
    c = Client()
    good = [{"主体名称": e[1].name, "编号": "SJ1"}]
    assert _push(c, {"department": "scjg", "system": "x", "rows": good}, secret).status_code == 201
    rows = [
        {"主体名称": e[2].name, "编号": "SJ2"},
        {"主体名称": "", "编号": "SJ3"},
        {"主体名称": e[3].name, "编号": "SJ4"},
        {"主体名称": "  ", "编号": "SJ5"},
    ]
    resp = _push(c, {"department": "scjg", "system": "x", "rows": rows}, secret)
    assert resp.status_code == 400
    detail = resp.json()["detail"]
    assert [(d["field"], d["row"], d["code"]) for d in detail] == [
        ("rows[1]", 1, "required"),
        ("rows[3]", 3, "required"),
    ]
    assert detail[0]["message"] == "rows[1]: the name is empty"
    # No name column at all: the file's columns are listed.
    resp = _push(c, {"department": "scjg", "system": "x", "rows": [{"地址": "人民路1号"}]}, secret)
    assert resp.status_code == 400 and resp.json()["detail"][0]["code"] == "missing_columns"
    assert "地址" in resp.json()["detail"][0]["message"]
    # A value that is not text is refused by the schema, naming the row and the column.
    resp = _push(c, {"department": "scjg", "system": "x", "rows": [*good, {"主体名称": None}]}, secret)
    assert resp.status_code == 422 and resp.json()["detail"][0]["loc"] == [
        "body",
        "payload",
        "rows",
        1,
        "主体名称",
    ]
    # An unknown key domain is named too.
    resp = _push(c, {"department": "scjg", "system": "x", "domain": "nope", "rows": rows[:1]}, secret)
    assert resp.status_code == 400 and resp.json()["detail"][0]["field"] == "domain"
    # Nothing of the refused pushes was written: the first list is still the current one.
    assert list(SourceList.objects.values_list("snapshot", "status")) == [(1, "current")]
    assert list(SourceRecord.objects.values_list("local_id", flat=True)) == ["SJ1"]


def test_the_token_admin_offers_the_lists_push_scope(city: dict[str, Any]) -> None:
    from crossreg.orgs.admin import ApiTokenIssueForm

    assert ("lists:push", "lists:push") in ApiTokenIssueForm().fields["scopes"].choices  # type: ignore[attr-defined]
    secret = _token(city, "scjg", ["lists:push"])
    assert secret.startswith("crg_")


def test_a_file_over_the_limit_is_refused_before_it_is_read(city: dict[str, Any], settings: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.CROSSREG = {**settings.CROSSREG, "UPLOAD_MAX_BYTES": 100}
    c = Client()
    c.force_login(city["staff"])
    rows = [scjg_row(city["entities"][i], f"SJ{i}") for i in (1, 2, 3)]
    upload = SimpleUploadedFile("big.csv", csv_bytes(SCJG_HEADER, rows))
    resp = c.post("/base/import/", {"department": "scjg", "file": upload})
    assert resp.status_code == 400
    page = resp.content.decode()
    assert "文件超过大小限制" in page and "上限 100 字节" in page
    assert not SourceList.objects.exists()


def _queries(c: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert c.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_base_and_review_pages_read_a_fixed_number_of_queries(city: dict[str, Any]) -> None:
    e = city["entities"]
    reviewer = city["reviewer"]
    ids = [1, 2, 3, 4]
    services.source_list_import(
        actor="system:test",
        department=city["depts"]["scjg"],
        content=csv_bytes(SCJG_HEADER, [scjg_row(e[i], f"SJ{i}") for i in ids]),
        file_name="a.csv",
    )
    services.source_list_import(
        actor="system:test",
        department=city["depts"]["sthj"],
        content=csv_bytes(STHJ_HEADER, [sthj_row(e[i], f"WR{i}") for i in ids]),
        file_name="b.csv",
    )
    c = Client()
    c.force_login(reviewer)
    one = _queries(c, f"/base/?q={e[1].name}")
    assert _queries(c, "/base/") == one
    page = c.get("/base/").content.decode()
    assert page.count("2:市场监管局、生态环境局") == 4 and "scjg、sthj" not in page
    # Decided pairs (from splits) name who decided: still one query for the page of pairs.
    services.entity_split(
        actor=reviewer, entity=e[1], record_ids=[SourceRecord.objects.get(local_id="WR1").pk]
    )
    one = _queries(c, "/base/review/?status=non_match")
    for i in (2, 3, 4):
        services.entity_split(
            actor=reviewer, entity=e[i], record_ids=[SourceRecord.objects.get(local_id=f"WR{i}").pk]
        )
    assert _queries(c, "/base/review/?status=non_match") == one
    assert (
        c.get("/base/review/?status=non_match").content.decode().count('data-testid="review-pair"') == 8
    )  # two per split


def test_a_decision_returns_to_the_same_page_of_the_queue(city: dict[str, Any]) -> None:
    e = city["entities"]
    _two_lists(city)
    wr1 = SourceRecord.objects.get(local_id="WR1")
    services.entity_split(actor=city["reviewer"], entity=e[1], record_ids=[wr1.pk])
    from crossreg.linking.models import ReviewPair

    pair = ReviewPair.objects.get(other_entity=e[1])  # (and one against SJ1)
    c = Client()
    c.force_login(city["reviewer"])
    resp = c.post(f"/base/review/{pair.pk}/", {"decision": "match", "page": "2"})
    assert resp.status_code == 302 and resp["Location"] == "/base/review/?page=2"
    wr1.refresh_from_db()
    assert wr1.entity_id == e[1].pk
    c.force_login(city["staff"])
    assert c.post(f"/base/review/{pair.pk}/", {"decision": "non_match"}).status_code == 403
    wr1.refresh_from_db()
    assert wr1.entity_id == e[1].pk


def test_api_push_with_a_token_needs_no_csrf_cookie(city: dict[str, Any]) -> None:
    # Django's test client skips CSRF checks unless told: a department system has no CSRF cookie.
    secret = _token(city, "scjg", ["lists:push"])
    body = {"department": "scjg", "system": "x", "rows": [{"主体名称": city["entities"][1].name}]}
    resp = _push(Client(enforce_csrf_checks=True), body, secret)
    assert resp.status_code == 201, resp.content


def test_the_import_page_previews_a_titled_list_and_the_user_can_change_the_mapping(
    city: dict[str, Any],
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    e = city["entities"]
    header = ["序号", "机构全称", "社会信用代码", "经营场所", "联系人", "法人代表"]
    rows = [
        ["1", e[1].name, e[1].uscc, e[1].address, "前台", e[1].legal_rep],
        ["2", e[2].name, e[2].uscc, e[2].address, "前台", e[2].legal_rep],
        ["3", e[1].name, e[1].uscc, e[1].address, "前台", e[1].legal_rep],
    ]
    content = csv_bytes(["2026年度监管对象名录", "", "", "", "", ""], [header, *rows])
    c = Client()
    c.force_login(city["staff"])
    resp = c.post("/base/import/", {"department": "scjg", "file": SimpleUploadedFile("t.csv", content)})
    page = resp.content.decode()
    assert resp.status_code == 200 and 'data-testid="import-mapping"' in page
    fields = {f["field"]: f["header"] for f in resp.context["fields"]}
    assert (
        fields["name"] == "机构全称"
        and fields["uscc_raw"] == "社会信用代码"
        and fields["address"] == "经营场所"
    )
    assert fields["legal_rep"] == "法人代表"
    assert "表头在第 2 行" in page and "2026年度监管对象名录" in page
    assert "第 3、5 行重复" in page  # the duplicate is reported before anything is imported
    # The user maps the representative to another column and confirms.
    form = {f"map_{k}": v for k, v in fields.items()}
    form.update({"map_legal_rep": "联系人", "map_local_id": ""})
    resp = c.post(
        "/base/import/", {"department": "scjg", "token": resp.context["token"], "action": "import", **form}
    )
    page = resp.content.decode()
    assert resp.status_code == 200 and 'data-testid="import-result"' in page
    sl = SourceList.objects.get()
    assert sl.column_mapping["legal_rep"] == "联系人" and "local_id" not in sl.column_mapping
    assert set(SourceRecord.objects.values_list("legal_rep", flat=True)) == {"前台"}
    assert 'data-testid="import-warnings"' in page and "第 3、5 行重复" in page
    assert SourceRecord.objects.count() == 3


def test_a_stashed_upload_is_only_for_the_user_who_sent_it(city: dict[str, Any]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crossreg.orgs.models import User

    c = Client()
    c.force_login(city["staff"])
    upload = SimpleUploadedFile("scjg.csv", csv_bytes(SCJG_HEADER, [scjg_row(city["entities"][1], "SJ1")]))
    token = c.post("/base/import/", {"department": "scjg", "file": upload}).context["token"]
    colleague = User.objects.create_user(
        username="colleague", password="x", role=User.Role.STAFF, department=city["depts"]["scjg"]
    )
    other = Client()
    other.force_login(colleague)
    resp = other.post("/base/import/", {"department": "scjg", "token": token, "action": "import"})
    assert resp.status_code == 400 and not SourceList.objects.exists()
