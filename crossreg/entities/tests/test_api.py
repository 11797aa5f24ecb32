"""The /api/v1/entities/ API: auth and scopes, masking, pagination, search, create, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from crossreg.entities.models import Entity
from crossreg.entities.tests.factories import ApiTokenFactory, EntityFactory, UserFactory, next_uscc
from crossreg.orgs.models import ApiToken, Division, User

pytestmark = pytest.mark.django_db
URL = "/api/v1/entities/"


def bearer(token: ApiToken) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token.secret}"}  # type: ignore[attr-defined]


def session(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def shop(yancheng: dict[str, Division]) -> Entity:
    return EntityFactory.create(
        name="亭湖区张三小吃店",
        entity_type=Entity.Type.INDIVIDUAL,
        legal_rep="张三丰",
        division=yancheng["320902"],
    )


@pytest.mark.parametrize("path", ["", "search?q=x", "1"])
def test_anonymous_gets_nothing(path: str) -> None:
    assert Client().get(URL + path).status_code == 401


def test_anonymous_cannot_create(yancheng: dict[str, Division]) -> None:
    resp = Client().post(
        URL, {"name": "盐城市恒达贸易有限公司", "division": "320902"}, content_type="application/json"
    )
    assert resp.status_code == 401
    assert Entity.objects.count() == 0


def test_token_scopes(shop: Entity) -> None:
    reader = ApiTokenFactory.create(scopes=["entities:read"])
    other = ApiTokenFactory.create(scopes=["ledger:read"])
    assert Client().get(URL, **bearer(reader)).status_code == 200
    resp = Client().get(URL, **bearer(other))
    assert resp.status_code == 403
    assert resp.json()["detail"][0]["message"] == "this token lacks the scope entities:read"
    assert Client().get(URL, HTTP_AUTHORIZATION="Bearer crg_wrong").status_code == 401


def test_revoked_and_expired_tokens_are_refused(shop: Entity) -> None:
    revoked = ApiTokenFactory.create(scopes=["entities:read"], revoked_at=timezone.now())
    expired = ApiTokenFactory.create(
        scopes=["entities:read"], expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert Client().get(URL, **bearer(revoked)).status_code == 401
    assert Client().get(f"{URL}{shop.pk}", **bearer(expired)).status_code == 401


def test_user_without_department_is_refused(shop: Entity) -> None:
    loner = UserFactory.create(department=None, role=User.Role.STAFF)
    assert session(loner).get(URL).status_code == 403


def test_personal_data_masked_for_tokens_and_departments_that_do_not_supervise(
    shop: Entity, staff: User
) -> None:
    """Issue 17 item 6: an individual business's operator is a natural person. A token, or a user
    of a department that does not supervise the business, sees the name masked (core.masking); a
    leader (who sees every department) sees it, and that read is recorded."""
    from crossreg.orgs.models import DataAccess

    token = ApiTokenFactory.create(scopes=["entities:read"])
    by_token = Client().get(f"{URL}{shop.pk}", **bearer(token)).json()
    assert by_token["legal_rep"] == "张*丰" and by_token["legal_rep_masked"] is True
    outsider = session(staff).get(f"{URL}{shop.pk}").json()
    assert outsider["legal_rep"] == "张*丰" and outsider["legal_rep_masked"] is True
    assert not DataAccess.objects.exists()
    leader = UserFactory.create(role=User.Role.LEADER, department=staff.department)
    by_user = session(leader).get(f"{URL}{shop.pk}").json()
    assert by_user["legal_rep"] == "张三丰" and by_user["legal_rep_masked"] is False
    read = DataAccess.objects.get()
    assert (read.user_id, read.subject_id, read.fields) == (leader.pk, str(shop.pk), ["legal_rep"])
    assert by_user["name_parts"] == {
        "region": "亭湖区",
        "trade_name": "张三",
        "industry_words": "小吃店",
        "org_form": "",
        "branch": "",
    }
    assert by_user["division_name"] == "亭湖区" and by_user["industry_name"] == "餐饮业"
    assert by_user["url"] == f"/entities/{shop.pk}/"


def test_enterprise_legal_rep_is_not_masked(yancheng: dict[str, Division]) -> None:
    e = EntityFactory.create(legal_rep="李四", division=yancheng["320902"])
    token = ApiTokenFactory.create(scopes=["entities:read"])
    assert Client().get(f"{URL}{e.pk}", **bearer(token)).json()["legal_rep"] == "李四"


def test_detail_not_found(staff: User) -> None:
    resp = session(staff).get(f"{URL}999999")
    assert resp.status_code == 404
    assert resp.json()["detail"][0]["code"] == "not_found"


def test_pagination_and_filters(yancheng: dict[str, Division], staff: User) -> None:
    for _ in range(5):
        EntityFactory.create(division=yancheng["320902"])
    for _ in range(2):
        EntityFactory.create(
            division=yancheng["320981"], entity_type=Entity.Type.INDIVIDUAL, name="东台市王五小吃店"
        )
    client = session(staff)
    page = client.get(URL, {"page_size": 3, "page": 3}).json()
    assert (page["count"], page["pages"], page["page"], len(page["items"])) == (7, 3, 3, 1)
    ids = [i["id"] for p in (1, 2, 3) for i in client.get(URL, {"page_size": 3, "page": p}).json()["items"]]
    assert ids == sorted(Entity.objects.values_list("id", flat=True))
    assert client.get(URL, {"page": 9}).json()["items"] == []
    assert client.get(URL, {"division": "320981"}).json()["count"] == 2
    assert client.get(URL, {"division": "3209"}).json()["count"] == 7
    assert client.get(URL, {"entity_type": "individual"}).json()["count"] == 2
    assert client.get(URL, {"industry": "62"}).json()["count"] == 7
    assert client.get(URL, {"industry": "01"}).json()["count"] == 0
    assert client.get(URL, {"section": "h"}).json()["count"] == 7
    assert client.get(URL, {"page_size": 1000}).status_code == 422


def test_list_query_count_does_not_grow(
    yancheng: dict[str, Division], django_assert_num_queries: Any
) -> None:
    token = ApiTokenFactory.create(scopes=["entities:read"])
    EntityFactory.create_batch(3, division=yancheng["320902"])
    client = Client()
    # token lookup, token last_used update (first call only), count, page (division and industry joined)
    with django_assert_num_queries(4):
        assert len(client.get(URL, **bearer(token)).json()["items"]) == 3
    EntityFactory.create_batch(30, division=yancheng["320903"])
    with django_assert_num_queries(3):
        assert len(client.get(URL, **bearer(token)).json()["items"]) == 33


def test_detail_and_search_query_counts(
    shop: Entity, yancheng: dict[str, Division], django_assert_num_queries: Any
) -> None:
    token = ApiTokenFactory.create(scopes=["entities:read"])
    # Names one character away from the query (the factory's own sequence numbers grow with the
    # test run, and a name three digits away is no longer a fuzzy match on PostgreSQL).
    for c in "0123456789":
        EntityFactory.create(name=f"盐城市鹤鸣{c}餐饮管理有限公司", division=yancheng["320902"])
    client = Client()
    with django_assert_num_queries(4):  # token, last_used (first call only), entity + joins, key domains
        client.get(f"{URL}{shop.pk}", **bearer(token))
    with django_assert_num_queries(2):  # token, one lookup
        hits = client.get(URL + "search", {"q": shop.uscc or ""}, **bearer(token)).json()["results"]
    assert [h["entity"]["id"] for h in hits] == [shop.pk]
    # After the token: exact, names containing the query, then fuzzy — on PostgreSQL the search's
    # thresholds and one trigram query; elsewhere two candidate tiers (trade name, then industry
    # words) and one fetch.
    expected = 5 if connection.vendor == "postgresql" else 6
    with django_assert_num_queries(expected):
        hits = client.get(URL + "search", {"q": "盐城市鹤鸣餐饮管理有限公司"}, **bearer(token)).json()[
            "results"
        ]
    assert len(hits) >= 10
    for c in "ABCDEFGH":
        EntityFactory.create(name=f"盐城市鹤鸣{c}餐饮管理有限公司", division=yancheng["320903"])
    with django_assert_num_queries(expected):
        hits = client.get(URL + "search", {"q": "盐城市鹤鸣餐饮管理有限公司"}, **bearer(token)).json()[
            "results"
        ]
    assert len(hits) >= 18


def test_search_modes(yancheng: dict[str, Division], staff: User) -> None:
    code = next_uscc("320902")
    target = EntityFactory.create(name="盐城市鹤鸣餐饮管理有限公司", uscc=code, division=yancheng["320902"])
    EntityFactory.create(name="盐城市恒达建设工程有限公司", division=yancheng["320903"])
    EntityFactory.create(
        name="东台市李四五金经营部", division=yancheng["320981"], entity_type=Entity.Type.INDIVIDUAL
    )
    client = session(staff)

    def search(**params: Any) -> dict[str, Any]:
        resp = client.get(URL + "search", params)
        assert resp.status_code == 200, resp.content
        return resp.json()

    wide = code.translate({ord(c): ord(c) + 0xFEE0 for c in code})
    out = search(q=f"{wide[:4]} {wide[4:]}")
    assert out["mode"] == "uscc"
    assert [(r["entity"]["id"], r["match"], r["score"]) for r in out["results"]] == [(target.pk, "uscc", 1.0)]

    out = search(q="盐城市鹤鸣餐饮管理有限责任公司", mode="exact")
    assert [r["entity"]["id"] for r in out["results"]] == [target.pk]
    out = search(q="盐城市鹤鸣餐饮管理（有限公司）", mode="exact")
    assert out["results"] == []

    for variant in (
        "盐城市鹤明餐饮管理有限公司",
        "盐城鹤鸣餐饮管理有限责任公司",
        "鹤鸣（盐城）餐饮管理有限公司",
    ):
        out = search(q=variant, mode="fuzzy")
        assert out["results"], variant
        assert out["results"][0]["entity"]["id"] == target.pk, variant
        assert 0 < out["results"][0]["score"] < 1

    out = search(q="盐城市鹤鸣餐饮管理有限责任公司")  # auto: exact first
    assert out["results"][0]["match"] == "exact" and out["results"][0]["score"] == 1.0
    out = search(q="盐城市鹤鸣餐饮管理有限公司", mode="fuzzy", division="320981")
    assert out["results"] == []
    assert client.get(URL + "search", {"q": "x", "mode": "magic"}).status_code == 422


def test_search_by_registration_number(yancheng: dict[str, Division], staff: User) -> None:
    from crossreg.entities.uscc import registration_no_make

    reg = registration_no_make("320902", "00000077")
    e = EntityFactory.create(uscc=None, registration_no=reg, division=yancheng["320902"])
    hits = session(staff).get(URL + "search", {"q": reg}).json()["results"]
    assert [(h["entity"]["id"], h["match"], h["entity"]["uscc_missing"]) for h in hits] == [
        (e.pk, "registration_no", True)
    ]


def _post(client: Client, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(URL, data, content_type="application/json", **extra)


def test_create_by_staff(yancheng: dict[str, Division], staff: User) -> None:
    code = next_uscc("320902", "2")
    resp = _post(
        session(staff),
        {
            "name": "亭湖区张三小吃店",
            "division": "320902",
            "uscc": code.lower(),
            "industry": "62",
            "legal_rep": "张三",
        },
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["uscc"] == code and body["entity_type"] == "individual"
    assert body["legal_rep"] == "张三"
    assert Entity.objects.get(pk=body["id"]).trade_name == "张三"


def test_create_refusals(yancheng: dict[str, Division], staff: User, officer_user: User) -> None:
    base = {"name": "盐城市恒达贸易有限公司", "division": "320902", "entity_type": "enterprise"}
    assert _post(session(officer_user), base).status_code == 403

    resp = _post(session(staff), {**base, "uscc": "91320902MA00000I1X"})
    assert resp.status_code == 400
    [problem] = resp.json()["detail"]
    assert problem["field"] == "uscc" and "illegal character 'I' at position 16" in problem["message"]

    resp = _post(session(staff), {**base, "division": "110101"})
    assert resp.status_code == 400
    assert resp.json()["detail"] == [
        {"field": "division", "message": "unknown region code '110101'", "code": "unknown"}
    ]

    code = next_uscc("320902")
    first = _post(session(staff), {**base, "uscc": code}).json()
    resp = _post(session(staff), {**base, "name": "盐城恒达贸易有限责任公司", "uscc": code})
    assert resp.status_code == 409
    [problem] = resp.json()["detail"]
    assert (problem["field"], problem["code"], problem["link"]) == (
        "uscc",
        "duplicate",
        f"/entities/{first['id']}/",
    )
    assert Entity.objects.count() == 1


def test_create_by_token_needs_write_scope(yancheng: dict[str, Division]) -> None:
    base = {
        "name": "盐城市恒达贸易有限公司",
        "division": "320902",
        "entity_type": "enterprise",
        "legal_rep": "王五",
    }
    reader = ApiTokenFactory.create(scopes=["entities:read"])
    resp = _post(Client(), base, **bearer(reader))
    assert resp.status_code == 403
    assert resp.json()["detail"][0]["code"] == "scope"
    writer = ApiTokenFactory.create(scopes=["entities:write"])
    resp = _post(Client(), base, **bearer(writer))
    assert resp.status_code == 201
    assert Entity.objects.count() == 1


def test_openapi_documents_the_schemas(staff: User) -> None:
    doc = session(staff).get("/api/v1/openapi.json").json()
    props = doc["components"]["schemas"]["EntityDetail"]["properties"]
    assert "统一社会信用代码" in props["uscc"]["description"]
    assert "/api/v1/entities/search" in doc["paths"]
