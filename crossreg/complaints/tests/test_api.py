"""``/api/v1/complaints``: the 12345 push with its token scope, idempotency, row errors, lists."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from crossreg.complaints.models import Submission
from crossreg.complaints.tests.factories import NAME, PHONE
from crossreg.complaints.tests.test_services import report, wo
from crossreg.orgs.services import api_token_issue

pytestmark = pytest.mark.django_db
URL = "/api/v1/complaints"


def _token(city: dict[str, Any], scopes: list[str]) -> str:
    _t, secret = api_token_issue(
        actor=city["root"], name="12345", department=city["departments"]["bigdata"], scopes=scopes
    )
    return secret


def test_the_hotline_pushes_work_orders_idempotently(city: dict[str, Any]) -> None:
    secret = _token(city, ["complaints:push"])
    c = Client()
    body = json.dumps({"work_orders": [wo(1), wo(2)]})
    r = c.post(f"{URL}/feed", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert r.status_code == 200, r.content
    assert len(r.json()["created"]) == 2
    r2 = c.post(f"{URL}/feed", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert r2.json()["created"] == [] and len(r2.json()["unchanged"]) == 2
    assert Submission.objects.count() == 2


def test_a_push_without_the_scope_is_refused(city: dict[str, Any]) -> None:
    secret = _token(city, ["entities:read"])
    r = Client().post(
        f"{URL}/feed",
        json.dumps([wo(1)]),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert r.status_code == 403 and not Submission.objects.exists()


def test_a_bad_work_order_names_the_row_and_field(city: dict[str, Any]) -> None:
    secret = _token(city, ["complaints:push"])
    body = json.dumps([wo(1), wo(2, work_order_no="WO/2")])
    r = Client().post(
        f"{URL}/feed", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert r.status_code == 400
    assert {"row": 2, "field": "work_order_no"}.items() <= r.json()["detail"][0].items()
    assert not Submission.objects.exists()


def test_list_and_detail_follow_the_department_and_mask_nothing_for_handlers(city: dict[str, Any]) -> None:
    sub = report(city)
    c = Client()
    c.force_login(city["users"]["staff"])
    rows = c.get(f"{URL}/").json()["items"]
    assert [r["receipt_code"] for r in rows] == [sub.receipt_code]
    assert rows[0]["contact"]["phone"] == PHONE
    c.force_login(city["users"]["leader"])
    detail = c.get(f"{URL}/{sub.receipt_code}").json()
    assert detail["contact"] is None and NAME not in json.dumps(detail, ensure_ascii=False)
    c.force_login(city["users"]["mem_staff"])
    assert c.get(f"{URL}/{sub.receipt_code}").status_code == 404


def test_a_transition_through_the_api(city: dict[str, Any]) -> None:
    sub = report(city)
    c = Client()
    c.force_login(city["users"]["staff"])
    r = c.post(
        f"{URL}/{sub.receipt_code}/transition", {"transition": "refuse"}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "reason"
    r = c.post(
        f"{URL}/{sub.receipt_code}/transition", {"transition": "accept"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["state"] == "verifying"
    r = c.post(
        f"{URL}/{sub.receipt_code}/transition", {"transition": "accept"}, content_type="application/json"
    )
    assert r.status_code == 409
