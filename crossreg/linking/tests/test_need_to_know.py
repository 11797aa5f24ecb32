"""Need-to-know in the object base (issue 17 item 6).

- Which entities a department supervises (``?department=X`` on the base, API and page) is for that
  department's users, leaders and the big-data bureau.
- The operator of an individual business is a natural person: masked (core.masking) for users of
  departments that do not supervise the business, shown to those that do and to leaders, and every
  unmasked read is recorded (orgs.DataAccess, the read audit).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from crossreg.linking import services
from crossreg.linking.tests.conftest import SCJG_HEADER, STHJ_HEADER, csv_bytes, scjg_row, sthj_row
from crossreg.orgs.models import DataAccess, User

pytestmark = pytest.mark.django_db
BASE = "/api/v1/linking/base"


@pytest.fixture
def lists(city: dict[str, Any]) -> dict[str, Any]:
    """scjg and gaj both list entity 1 (so it is in the base); scjg also lists the shop (entity 3)."""
    e = city["entities"]
    services.source_list_import(
        actor="system:test",
        department=city["depts"]["scjg"],
        content=csv_bytes(SCJG_HEADER, [scjg_row(e[1], "SJ1"), scjg_row(e[3], "SJ3")]),
        file_name="scjg.csv",
    )
    services.source_list_import(
        actor="system:test",
        department=city["depts"]["gaj"],
        content=csv_bytes(STHJ_HEADER, [sthj_row(e[1], "GA1"), sthj_row(e[3], "GA3")]),
        file_name="gaj.csv",
    )
    city["officer"] = User.objects.create_user(
        username="officer", password="x", role=User.Role.OFFICER, department=city["depts"]["scjg"]
    )
    city["leader"] = User.objects.create_user(
        username="leader", password="x", role=User.Role.LEADER, department=city["depts"]["scjg"]
    )
    return city


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("who", ["staff", "officer"])
def test_another_departments_list_is_refused(lists: dict[str, Any], who: str) -> None:
    """The issue's request: a market-regulation user asks for the public-security bureau's list."""
    c = _client(lists[who])
    resp = c.get(BASE, {"department": "gaj"})
    assert resp.status_code == 403
    assert resp.json()["detail"][0]["field"] == "department"
    assert c.get("/base/", {"department": "gaj"}).status_code == 403


def test_own_list_and_city_level_roles(lists: dict[str, Any]) -> None:
    e = lists["entities"]
    own = _client(lists["staff"]).get(BASE, {"department": "scjg"})
    assert own.status_code == 200
    assert {i["entity_id"] for i in own.json()["items"]} == {e[1].pk, e[3].pk}
    for who in ("reviewer", "leader"):
        resp = _client(lists[who]).get(BASE, {"department": "gaj"})
        assert resp.status_code == 200, who
        assert {i["entity_id"] for i in resp.json()["items"]} == {e[1].pk, e[3].pk}
        assert _client(lists[who]).get("/base/", {"department": "gaj"}).status_code == 200


def test_the_unfiltered_base_names_only_departments_the_user_may_know(lists: dict[str, Any]) -> None:
    e = lists["entities"]
    staff = {i["entity_id"]: i for i in _client(lists["staff"]).get(BASE).json()["items"]}
    assert staff[e[1].pk]["departments"] == ["scjg"] and staff[e[1].pk]["department_count"] == 2
    other = {i["entity_id"]: i for i in _client(lists["other_staff"]).get(BASE).json()["items"]}
    assert other[e[1].pk]["departments"] == [] and other[e[1].pk]["department_count"] == 2
    city_level = {i["entity_id"]: i for i in _client(lists["reviewer"]).get(BASE).json()["items"]}
    assert sorted(city_level[e[1].pk]["departments"]) == ["gaj", "scjg"]
    page = _client(lists["staff"]).get("/base/").content.decode()
    assert "公安局" not in page  # neither in the rows nor in the department filter
    assert "公安局" in _client(lists["reviewer"]).get("/base/").content.decode()
    partial = _client(lists["other_staff"]).get(f"/base/entities/{e[1].pk}/360/").content.decode()
    assert "公安局" not in partial and "市场监管局" not in partial


def test_natural_persons_are_masked_for_departments_that_do_not_supervise(lists: dict[str, Any]) -> None:
    shop = lists["entities"][3]  # 亭湖区王记小吃店, an individual business run by 王芳
    url = f"/api/v1/entities/{shop.pk}"
    outsider = _client(lists["other_staff"])  # 生态环境局: not on its list
    body = outsider.get(url).json()
    assert (body["legal_rep"], body["legal_rep_masked"]) == ("王*", True)
    page = outsider.get(f"/entities/{shop.pk}/").content.decode()
    assert "王芳" not in page and "王*" in page
    partial = outsider.get(f"/base/entities/{shop.pk}/360/").content.decode()
    assert "王芳" not in partial
    assert not DataAccess.objects.exists()  # nothing personal was shown

    supervisor = _client(lists["staff"])  # 市场监管局 lists the shop
    body = supervisor.get(url).json()
    assert (body["legal_rep"], body["legal_rep_masked"]) == ("王芳", False)
    assert "王芳" in supervisor.get(f"/base/entities/{shop.pk}/360/").content.decode()
    assert "王芳" in _client(lists["leader"]).get(url).json()["legal_rep"]
    reads = list(
        DataAccess.objects.order_by("pk").values_list("user__username", "what", "subject_id", "fields")
    )
    assert reads == [
        ("staff", "api.entities_get", str(shop.pk), ["legal_rep"]),
        ("staff", "linking.entity_360", str(shop.pk), ["legal_rep"]),
        ("leader", "api.entities_get", str(shop.pk), ["legal_rep"]),
    ]


def test_an_enterprises_representative_is_not_masked(lists: dict[str, Any]) -> None:
    company = lists["entities"][1]
    body = _client(lists["other_staff"]).get(f"/api/v1/entities/{company.pk}").json()
    assert (body["legal_rep"], body["legal_rep_masked"]) == ("张伟", False)
