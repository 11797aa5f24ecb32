from __future__ import annotations

import pytest
from django.test import Client

from crossreg.catalog.tests.factories import compile_to, content, make_world

pytestmark = pytest.mark.django_db


def test_public_detail_needs_no_login(client: Client) -> None:
    world = make_world()
    compile_to(world, "published")
    body = client.get("/api/v1/catalog/items/JG-SCJG-0001").json()
    assert body["version"] == 1 and len(body["current"]["check_points"]) == 3
    assert [h["status"] for h in body["history"]] == ["published"]
    assert client.get("/api/v1/catalog/items/JG-SCJG-0001/versions/1").json()["code"] == "JG-SCJG-0001"
    assert client.get("/api/v1/catalog/items/NOPE").status_code == 404


def test_draft_and_review_through_the_api() -> None:
    world = make_world()
    drafter, approver = Client(), Client()
    drafter.force_login(world.drafter)
    approver.force_login(world.approver)
    payload = content().model_dump(mode="json")
    r = drafter.post("/api/v1/catalog/items", payload, content_type="application/json")
    assert r.status_code == 201, r.content
    v = r.json()
    assert v["status"] == "draft" and v["allowed_transitions"] == ["submit", "abandon"]
    upd = {"revision": v["revision"], "content": {**payload, "name": "新名称"}}
    assert (
        drafter.put(f"/api/v1/catalog/versions/{v['id']}", upd, content_type="application/json").status_code
        == 200
    )
    stale = drafter.put(f"/api/v1/catalog/versions/{v['id']}", upd, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["detail"][0]["field"] == "revision"
    r = approver.post(
        f"/api/v1/catalog/versions/{v['id']}/transitions",
        {"transition": "convene"},
        content_type="application/json",
    )
    assert r.status_code == 409  # still a draft: nothing to convene
    r = drafter.post(
        f"/api/v1/catalog/versions/{v['id']}/transitions",
        {"transition": "submit"},
        content_type="application/json",
    )
    assert r.json()["status"] == "submitted"
    r = drafter.post(
        f"/api/v1/catalog/versions/{v['id']}/transitions",
        {"transition": "convene"},
        content_type="application/json",
    )
    assert r.status_code == 403
    r = approver.post(
        f"/api/v1/catalog/versions/{v['id']}/transitions",
        {"transition": "convene"},
        content_type="application/json",
    )
    assert r.json()["status"] == "joint_review"


def test_actions_need_a_login(client: Client) -> None:
    make_world()
    r = client.post(
        "/api/v1/catalog/items", content().model_dump(mode="json"), content_type="application/json"
    )
    assert r.status_code == 401
