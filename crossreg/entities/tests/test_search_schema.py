"""Every search mode answers what the published schema (the OpenAPI document) allows.

Issue 17 item 1: ``auto`` search returned ``match="contains"`` for names that contain the query
(``q=王``), which the response schema did not allow, and the API answered 500. Each response here
is validated against the schema of the live OpenAPI document, so a new match kind or mode that
the schema does not describe fails here, not in production.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from django.test import Client

from crossreg.api import api
from crossreg.entities import selectors
from crossreg.entities.models import Entity
from crossreg.entities.tests.factories import EntityFactory
from crossreg.orgs.models import Division, User

pytestmark = pytest.mark.django_db
URL = "/api/v1/entities/search"


def _response_validator() -> Any:
    doc = api.get_openapi_schema()
    op = doc["paths"]["/api/v1/entities/search"]["get"]
    schema = dict(op["responses"][200]["content"]["application/json"]["schema"])
    schema["components"] = doc["components"]
    return jsonschema_rs.validator_for(schema)


@pytest.fixture
def registry(yancheng: dict[str, Division]) -> dict[str, Entity]:
    city = yancheng["320902"]
    return {
        "exact": EntityFactory.create(name="亭湖区王记服装店", division=city),
        "contains": EntityFactory.create(name="盐城市王氏建材有限公司", division=city),
        "fuzzy": EntityFactory.create(name="亭湖区李记服装店", division=city),
        "coded": EntityFactory.create(name="盐城市恒达贸易有限公司", division=city),
    }


QUERIES = ["王", "S", "亭湖区王记服装店", "王记服装", "亭湖区王记服饰店", "x" * 40, "%", "_", "' or 1=1 --"]


@pytest.mark.parametrize("mode", selectors.SEARCH_MODES)
def test_every_mode_answers_within_the_schema(mode: str, registry: dict[str, Entity], staff: User) -> None:
    validator = _response_validator()
    client = Client()
    client.force_login(staff)
    coded = registry["coded"]
    queries = [*QUERIES, coded.uscc or "", coded.uscc.lower() if coded.uscc else ""]
    seen: set[str] = set()
    for q in queries:
        resp = client.get(URL, {"q": q, "mode": mode})
        assert resp.status_code == 200, (mode, q, resp.content[:300])
        body = resp.json()
        errors = [e.message for e in validator.iter_errors(body)]
        assert not errors, (mode, q, errors)
        seen.update(r["match"] for r in body["results"])
    assert seen <= set(selectors.SEARCH_MATCHES)
    expected = {"auto": {"exact", "contains", "fuzzy", "uscc"}, "uscc": {"uscc"}, "exact": {"exact"}}
    assert expected.get(mode, {"fuzzy"}) <= seen, (mode, seen)


def test_a_substring_hit_is_a_contains_match(registry: dict[str, Entity], staff: User) -> None:
    """The issue's request: ``q=王`` as a signed-in user."""
    client = Client()
    client.force_login(staff)
    resp = client.get(URL, {"q": "王"})
    assert resp.status_code == 200
    matches = {r["entity"]["id"]: r["match"] for r in resp.json()["results"]}
    assert matches[registry["contains"].pk] == "contains"
    assert matches[registry["exact"].pk] == "contains"


def test_the_schema_lists_every_match_kind() -> None:
    doc = api.get_openapi_schema()
    enum = doc["components"]["schemas"]["SearchResult"]["properties"]["match"]["enum"]
    assert set(enum) == set(selectors.SEARCH_MATCHES)
