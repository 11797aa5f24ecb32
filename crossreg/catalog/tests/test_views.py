from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crossreg.catalog import services
from crossreg.catalog.tests.factories import compile_to, content, make_world

pytestmark = pytest.mark.django_db


def _login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def test_public_catalog_shows_only_published(client: Client) -> None:
    world = make_world()
    compile_to(world, "published")
    compile_to(world, "legality_review", code="JG-SCJG-0002")
    services.item_create(actor=world.drafter, content=content("JG-SCJG-0003", name="仍是草稿的事项"))
    html = client.get(reverse("catalog:index")).content.decode()
    assert "JG-SCJG-0001" in html
    assert "JG-SCJG-0002" not in html and "仍是草稿的事项" not in html
    assert client.get(reverse("catalog:item", args=["JG-SCJG-0002"])).status_code == 404
    assert client.get(reverse("catalog:item", args=["JG-SCJG-0003"])).status_code == 404
    assert client.get(reverse("catalog:version", args=["JG-SCJG-0002", 1])).status_code == 404
    export = client.get(reverse("catalog:export_json")).json()
    assert [i["code"] for i in export["items"]] == ["JG-SCJG-0001"]
    csv_text = client.get(reverse("catalog:export_csv")).content.decode("utf-8-sig")
    assert "JG-SCJG-0001" in csv_text and "JG-SCJG-0002" not in csv_text


def test_public_item_page_shows_guideline_and_history(client: Client) -> None:
    world = make_world()
    v1 = compile_to(world, "published")
    v2 = services.version_new_draft(item=v1.item, actor=world.drafter)
    services.version_update(
        version=v2,
        actor=world.drafter,
        revision=v2.revision,
        content=content(name="食品生产企业监督检查（2026版）"),
    )
    html = client.get(reverse("catalog:item", args=["JG-SCJG-0001"])).content.decode()
    assert "检查要点1" in html and "未取得许可或许可过期仍在生产" in html and "出示执法证件" in html
    assert "2026版" not in html  # the draft of v2 stays internal


def test_public_search_filters(client: Client) -> None:
    world = make_world()
    compile_to(world, "published")
    url = reverse("catalog:index")
    assert "JG-SCJG-0001" in client.get(url, {"method": "random"}).content.decode()
    assert "JG-SCJG-0001" not in client.get(url, {"method": "remote"}).content.decode()
    assert "JG-SCJG-0001" in client.get(url, {"domain": "food", "department": "scjg"}).content.decode()
    assert "JG-SCJG-0001" not in client.get(url, {"department": "hbj"}).content.decode()
    assert "JG-SCJG-0001" in client.get(url, {"q": "食品生产"}).content.decode()
    partial = client.get(url, {"q": "食品"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and "JG-SCJG-0001" in partial


def test_public_list_query_count_does_not_grow_with_items(client: Client) -> None:
    world = make_world()
    for i in range(3):
        compile_to(world, "published", code=f"JG-SCJG-{i:04d}")
    url = reverse("catalog:index")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(3, 9):
        compile_to(world, "published", code=f"JG-SCJG-{i:04d}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) <= 8


def test_public_search_by_code_and_query_count(client: Client, django_assert_num_queries: Any) -> None:
    """A text search is matched against name, legal basis and (case-insensitively) the item code; the
    page costs a fixed six queries: the catalog's fingerprint (the public cache's key), count,
    departments, key domains, the page of versions, domains (two once cached: test_public_cache.py)."""
    world = make_world()
    for i in range(4):
        compile_to(world, "published", code=f"JG-SCJG-{i:04d}")
    url = reverse("catalog:index")
    with django_assert_num_queries(6):
        html = client.get(url, {"q": "jg-scjg-0002"}).content.decode()
    assert "JG-SCJG-0002" in html and "JG-SCJG-0001" not in html
    with django_assert_num_queries(6):
        html = client.get(url, {"q": "食品"}).content.decode()
    assert all(f"JG-SCJG-{i:04d}" in html for i in range(4))


def test_search_api_query_count(client: Client) -> None:
    world = make_world()
    for i in range(6):
        compile_to(world, "published", code=f"JG-SCJG-{i:04d}")
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/api/v1/catalog/items", {"method": "random"}).json()
    assert body["count"] == 6 and body["items"][0]["department_name"] == "市市场监督管理局"
    assert len(ctx) <= 5


def test_diff_page_between_versions(client: Client) -> None:
    world = make_world()
    v1 = compile_to(world, "published")
    v2 = services.version_new_draft(item=v1.item, actor=world.drafter)
    services.version_update(
        version=v2, actor=world.drafter, revision=v2.revision, content=content(default_frequency="每年2次")
    )
    _login(client, world.drafter)
    html = client.get(reverse("catalog:work_diff", args=["JG-SCJG-0001"]), {"a": 1, "b": 2}).content.decode()
    assert 'class="del">默认检查频次: 每年1次' in html and 'class="add">默认检查频次: 每年2次' in html
    # the public diff only knows public versions
    anon = Client()
    assert anon.get(reverse("catalog:diff", args=["JG-SCJG-0001"]), {"a": 1, "b": 2}).status_code == 404


def test_internal_pages_need_login(client: Client) -> None:
    for name in ("catalog:work_index", "catalog:work_overdue", "catalog:work_item_new"):
        resp = client.get(reverse(name))
        assert resp.status_code == 302 and "/login/" in resp["Location"]


def test_internal_pages_render_with_role_actions(client: Client) -> None:
    world = make_world()
    v = compile_to(world, "joint_review")
    _login(client, world.reviewer)
    assert client.get(reverse("catalog:work_index")).status_code == 200
    html = client.get(reverse("catalog:work_version", args=[v.pk])).content.decode()
    assert 'data-transition="concur"' in html and 'data-transition="object"' in html
    outsider = Client()
    _login(outsider, world.user("staff", "outsider"))
    # not involved: cannot even see the draft
    assert outsider.get(reverse("catalog:work_version", args=[v.pk])).status_code == 404
    resp = client.post(reverse("catalog:work_version_action", args=[v.pk]), {"transition": "concur"})
    assert resp.status_code == 302
    v.refresh_from_db()
    assert v.status == "legality_review"
    for name, args in (("catalog:work_overdue", []), ("catalog:work_item", ["JG-SCJG-0001"])):
        assert client.get(reverse(name, args=args)).status_code == 200


def test_draft_form_create_and_stale_edit(client: Client) -> None:
    world = make_world()
    _login(client, world.drafter)
    data = {
        "code": "JG-SCJG-0100",
        "name": "网络食品交易检查",
        "legal_basis": "《食品安全法》第六十二条",
        "power_items": "JC-SCJG-001",
        "methods": ["random"],
        "entity_types": ["enterprise"],
        "industries": "51",
        "default_ratio": "5",
        "default_frequency": "每年1次",
        "procedure": "现场检查",
        "method_text": "查阅资料",
        "cp-TOTAL_FORMS": "2",
        "cp-INITIAL_FORMS": "0",
        "cp-0-content": "是否实名登记入网经营者",
        "cp-0-legal_basis": "《食品安全法》第六十二条",
        "cp-0-finding": "未实名登记",
        "cp-0-method": "查阅平台记录",
    }
    resp = client.post(reverse("catalog:work_item_new"), data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    from crossreg.catalog.models import ItemVersion

    v = ItemVersion.objects.get(item__code="JG-SCJG-0100")
    assert v.check_points.count() == 1
    edit = reverse("catalog:work_version_edit", args=[v.pk])
    form = {**data, "revision": str(v.revision), "name": "改名一"}
    assert client.post(edit, form).status_code == 302
    stale = client.post(edit, {**form, "name": "改名二"})  # same (now stale) revision
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()
    v.refresh_from_db()
    assert v.name == "改名一"


def test_schema_and_exports_are_served(client: Client) -> None:
    world = make_world()
    compile_to(world, "published")
    schema = client.get(reverse("catalog:schema")).json()
    assert schema["title"].startswith("盐城市监管事项清单")
    xlsx = client.get(reverse("catalog:export_xlsx"))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_notice_inbox_and_badge(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    world = make_world()
    v = services.item_create(actor=world.drafter, content=content())
    with django_capture_on_commit_callbacks(execute=True):
        services.version_transition(version=v, transition="submit", actor=world.drafter)
    _login(client, world.approver)
    assert ">1<" in client.get(reverse("notices:badge")).content.decode()
    assert "待组织集中会审" in client.get(reverse("notices:inbox")).content.decode()
    client.post(reverse("notices:read_all"))
    assert "badge-warn" not in client.get(reverse("notices:badge")).content.decode()
