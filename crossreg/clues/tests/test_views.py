from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from crossreg.clues import services
from crossreg.clues.models import ClueBundle
from crossreg.clues.tests.factories import clue_city
from crossreg.clues.views import proof_token
from crossreg.orgs.models import User
from crossreg.web.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _bundle(city: dict[str, Any], ref: str = "c1", severity: str = "medium") -> ClueBundle:
    t = timezone.now() - dt.timedelta(days=10)
    c = services.clue_raise(
        actor="system:test",
        source="complaint",
        source_ref=ref,
        entity=city["factory"],
        domain="environment",
        risk_type="pollution_discharge",
        severity=severity,
        observed_from=t,
        observed_to=t,
        summary="群众反映排放口异味",
    )
    assert c.bundle_id is not None
    return ClueBundle.objects.get(pk=c.bundle_id)


def _login(client: Client, user: User) -> None:
    assert client.login(username=user.username, password=PASSWORD)


def test_inbox_is_scoped_and_filters(client: Client, django_assert_max_num_queries: Any) -> None:
    city = clue_city()
    b = _bundle(city)
    _login(client, city["eeb_staff"])
    with django_assert_max_num_queries(20):
        r = client.get("/clues/")
    assert r.status_code == 200 and city["factory"].name in r.content.decode()
    r = client.get("/clues/?source=iot")
    assert city["factory"].name not in r.content.decode()
    other = UserFactory.create(username="hc1", department=city["departments"]["hc"], role=User.Role.STAFF)
    client.logout()
    _login(client, other)
    assert city["factory"].name not in client.get("/clues/").content.decode()
    assert client.get(f"/clues/bundles/{b.pk}/").status_code == 404


def test_remote_handling_through_the_pages(client: Client) -> None:
    city = clue_city()
    b = _bundle(city)
    _login(client, city["eeb_staff"])
    r = client.post(
        f"/clues/bundles/{b.pk}/act/", {"action": "notify", "note": "请于7日内整改并上传监测报告"}
    )
    assert r.status_code == 302
    b.refresh_from_db()
    assert b.handling == "notified"
    anon = Client()
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = anon.post(
        f"/clues/proof/{proof_token(b)}/",
        {"file": SimpleUploadedFile("report.pdf", b"%PDF-1.4 proof"), "note": "已整改"},
    )
    assert r.status_code == 200 and "已提交" in r.content.decode()
    b.refresh_from_db()
    assert b.handling == "proof_uploaded" and b.proofs.count() == 1
    assert anon.get("/clues/proof/forged-token/").status_code == 404
    client.post(f"/clues/bundles/{b.pk}/act/", {"action": "accept", "note": "材料齐全"})
    b.refresh_from_db()
    assert (b.handling, b.status) == ("closed", "closed")
    page = client.get(f"/clues/bundles/{b.pk}/").content.decode()
    # the bundle's history names the steps (issue 18: no raw codes where people read)
    from crossreg.core.labels import transition_label

    assert transition_label("notify") in page and transition_label("accept") in page
    assert transition_label("notify") != "notify"


def test_other_pages(client: Client) -> None:
    city = clue_city()
    _bundle(city, severity="high")
    _login(client, city["eeb_staff"])
    for url in ("/clues/devices/", "/clues/rules/", "/clues/watch/", "/clues/targeting/"):
        r = client.get(url)
        assert r.status_code == 200, url
    assert "恒达废水排放口" in client.get("/clues/devices/").content.decode()
    assert city["factory"].name in client.get("/clues/watch/").content.decode()  # serious, 10 days, untouched
    assert client.get("/clues/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200


def test_api(client: Client, django_assert_max_num_queries: Any) -> None:
    city = clue_city()
    b = _bundle(city)
    _login(client, city["eeb_staff"])
    with django_assert_max_num_queries(12):
        rows = client.get("/api/v1/clues").json()
    assert [r["key"] for r in rows] == [b.key] and rows[0]["departments"] == ["eeb"]
    d = client.get(f"/api/v1/clues/bundles/{b.pk}").json()
    assert d["clues"][0]["source"] == "complaint"
    r = client.post(
        "/api/v1/clues/clues",
        {
            "source": "manual",
            "source_ref": "m-1",
            "entity_id": city["factory"].pk,
            "domain": "environment",
            "risk_type": "pollution_discharge",
            "severity": "low",
            "observed_from": timezone.now().isoformat(),
            "observed_to": timezone.now().isoformat(),
            "summary": "巡查发现",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    r = client.post(
        "/api/v1/clues/clues",
        {
            "source": "bogus",
            "source_ref": "x",
            "domain": "environment",
            "risk_type": "r",
            "severity": "low",
            "observed_from": timezone.now().isoformat(),
            "observed_to": timezone.now().isoformat(),
            "summary": "s",
        },
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "source"
