"""Server errors the API fuzzing (.ci/api_fuzz.py) found, each answered with a 4xx now.

- ``offset`` of the case lists: a negative offset made the queryset slice raise (500), a huge one
  overflowed the database integer; both are refused by the schema (422).
- ``period`` of the sampling period endpoints: a code longer than the 16 characters a period has
  made the refused pooling run fail to save on PostgreSQL (500); the schema says 16 at most (422).
"""

from __future__ import annotations

import pytest
from django.test import Client

from crossreg.entities.tests.factories import UserFactory
from crossreg.orgs.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    c = Client()
    c.force_login(UserFactory.create(role=User.Role.LEADER))
    return c


@pytest.mark.parametrize("offset", ["-1", "-3552255276925120785799792440639488", str(10**30)])
def test_case_list_offsets_are_refused_not_server_errors(client: Client, offset: str) -> None:
    assert Client().get("/api/v1/cases/public/decisions", {"offset": offset}).status_code == 422
    assert client.get("/api/v1/cases/", {"offset": offset}).status_code == 422
    assert Client().get("/api/v1/cases/public/decisions", {"offset": "0"}).status_code == 200


def test_a_period_code_longer_than_a_period_is_refused(client: Client) -> None:
    long = "未知对象来源“%(source)s”"  # what the fuzzer sent: 18 characters
    assert client.post(f"/api/v1/sampling/periods/{long}/pool").status_code == 422
    assert client.get(f"/api/v1/sampling/periods/{long}/report").status_code == 422
    assert client.get("/api/v1/sampling/periods/2026Q4/report").status_code == 200
