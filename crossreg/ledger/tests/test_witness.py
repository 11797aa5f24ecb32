"""The witness endpoints (issue 17 item 7): public, without subject data, rate-limited per address.

test_views_api.py checks the happy path; this checks what a witness relies on beyond it: the
OpenAPI document declares no security for the two operations (clients generated from it send no
credentials), neither answer carries anything of a subject (its type, id, action or payload),
the limit holds for each operation and each client address separately, and bad sizes are a 400,
never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from crossreg.api import api
from crossreg.ledger import services
from crossreg.ledger.services import LedgerRecord, ledger_append_many

pytestmark = pytest.mark.django_db
LATEST = "/api/v1/ledger/checkpoint/latest"
CONSISTENCY = "/api/v1/ledger/consistency"


@pytest.fixture
def ledger(settings: Any) -> Iterator[int]:
    ledger_append_many(
        records=[
            LedgerRecord(
                actor="system:test",
                action="case.secret_step",
                subject_type="case",
                subject_id=f"SUBJ-{i}-盐城市鹤鸣餐饮",
                payload={"当事人": "王小明", "i": i},
            )
            for i in range(6)
        ]
    )
    cp = services.checkpoint_create()
    cache.clear()
    yield cp.tree_size
    cache.clear()


def test_the_openapi_document_declares_them_public() -> None:
    doc = api.get_openapi_schema()
    for path in (LATEST, CONSISTENCY):
        op = doc["paths"][path]["get"]
        assert op.get("security", []) == [], path
    assert doc["paths"]["/api/v1/ledger/bundle"]["get"].get("security"), "the bundle stays private"


def test_no_subject_data_in_either_answer(ledger: int) -> None:
    client = Client()
    latest = client.get(LATEST)
    proof = client.get(CONSISTENCY, {"old": 2, "new": ledger})
    assert latest.status_code == 200 and proof.status_code == 200
    for resp in (latest, proof):
        text = json.dumps(resp.json(), ensure_ascii=False)
        for leak in ("SUBJ-", "盐城市鹤鸣", "王小明", "secret_step", "system:test", "case"):
            assert leak not in text, (resp.request["PATH_INFO"], leak)
    assert set(proof.json()) == {"format", "old_size", "new_size", "proof"}
    assert all(len(h) == 64 for h in proof.json()["proof"])  # hashes only


def test_bad_sizes_are_refused_not_server_errors(ledger: int) -> None:
    client = Client()
    for params in ({"old": ledger + 1}, {"old": -1}, {"old": 1, "new": ledger + 50}, {"old": 3, "new": 2}):
        resp = client.get(CONSISTENCY, params)
        assert 400 <= resp.status_code < 500, (params, resp.status_code)


def test_rate_limited_per_operation_and_per_address(ledger: int, settings: Any) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_WITNESS_RATE": "2/m"}
    cache.clear()
    one = Client(REMOTE_ADDR="198.51.100.7")
    other = Client(REMOTE_ADDR="198.51.100.8")
    assert [one.get(LATEST).status_code for _ in range(3)] == [200, 200, 429]
    assert other.get(LATEST).status_code == 200  # another witness is not held back
    # the limit is the witness endpoints' together, per address: the proof is limited as well
    assert one.get(CONSISTENCY, {"old": 1}).status_code == 429
    assert other.get(CONSISTENCY, {"old": 1}).status_code == 200
    assert other.get(CONSISTENCY, {"old": 1}).status_code == 429
