from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crossreg.ledger import services
from crossreg.ledger.merkle import leaf_hash
from crossreg.ledger.services import LedgerRecord, ledger_append_many
from verifiers import ledger_verify as standalone

pytestmark = pytest.mark.django_db


def _fill() -> None:
    ledger_append_many(
        records=[
            LedgerRecord(
                actor="system:test",
                action=f"case.step{i}",
                subject_type="case",
                subject_id=str(i % 2),
                payload={"i": i, "备注": "现场检查"},
            )
            for i in range(10)
        ]
    )


@pytest.fixture
def user_client(django_user_model: Any) -> Client:
    """A city leader: reads every subject's record (department scoping: test_access.py)."""
    user = django_user_model.objects.create_user(
        username="viewer", password="pw-viewer-123456", role="leader"
    )
    client = Client()
    client.force_login(user)
    return client


def test_pages_need_login() -> None:
    client = Client()
    for url in ("/ledger/", "/ledger/subject/case/1/", "/ledger/subject/case/1/bundle.json"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_timeline_shows_the_subject_entries_verified(user_client: Client) -> None:
    _fill()
    services.checkpoint_create()
    ledger_append_many(
        records=[LedgerRecord(actor="system:test", action="case.late", subject_type="case", subject_id="1")]
    )
    response = user_client.get("/ledger/subject/case/1/")
    assert response.status_code == 200
    html = response.content.decode()
    assert [int(x) for x in __import__("re").findall(r'data-seq="(\d+)"', html)] == [1, 3, 5, 7, 9, 10]
    assert "核验通过" in html
    assert "待检查点" in html  # entry 10 came after the checkpoint
    assert "现场检查" in html
    assert "case.step0" not in html  # another subject's entry


def test_timeline_reports_a_tampered_entry(user_client: Client) -> None:
    _fill()
    services.checkpoint_create()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE ledger_entry DISABLE TRIGGER ledger_entry_append_only")
        cursor.execute("SELECT canonical FROM ledger_entry WHERE seq = 3")
        doctored = bytes(cursor.fetchone()[0]).replace(b'"i":3', b'"i":4')
        cursor.execute(
            "UPDATE ledger_entry SET canonical = %s, leaf_hash = %s WHERE seq = 3",
            [doctored, leaf_hash(doctored)],
        )
    html = user_client.get("/ledger/subject/case/1/").content.decode()
    assert "核验失败" in html
    assert "does not lead to the root" in html


def test_index_search_redirects_to_the_subject(user_client: Client) -> None:
    _fill()
    response = user_client.get("/ledger/", {"subject_type": "case", "subject_id": "0"})
    assert response.status_code == 302 and response["Location"] == "/ledger/subject/case/0/"
    page = user_client.get("/ledger/")
    assert page.status_code == 200
    assert 'data-testid="ledger-size">10<' in page.content.decode()


def test_bundle_download_verifies_offline(user_client: Client, tmp_path: Any) -> None:
    _fill()
    response = user_client.get("/ledger/subject/case/0/bundle.json")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / "b.json"
    path.write_bytes(response.content)
    assert standalone.main(["bundle", str(path)], out=__import__("io").StringIO()) == 0
    assert user_client.get("/ledger/subject/case/404/bundle.json").status_code == 404


def test_api_checkpoint_bundle_and_consistency(user_client: Client) -> None:
    assert user_client.get("/api/v1/ledger/checkpoint/latest").status_code == 404
    _fill()
    bundle = user_client.get("/api/v1/ledger/bundle", {"subject_type": "case", "subject_id": "1"}).json()
    assert [e["seq"] for e in bundle["entries"]] == [1, 3, 5, 7, 9]
    cp1 = user_client.get("/api/v1/ledger/checkpoint/latest").json()
    assert cp1["size"] == 10
    _fill()
    services.checkpoint_create()
    cp2 = user_client.get("/api/v1/ledger/checkpoint/latest").json()
    proof = user_client.get("/api/v1/ledger/consistency", {"old": 10}).json()
    assert (proof["old_size"], proof["new_size"]) == (10, 20)
    from crossreg.ledger.merkle import verify_consistency

    verify_consistency(
        10,
        20,
        bytes.fromhex(cp1["root"]),
        bytes.fromhex(cp2["root"]),
        [bytes.fromhex(h) for h in proof["proof"]],
    )
    assert user_client.get("/api/v1/ledger/consistency", {"old": 21}).status_code == 400
    missing = user_client.get("/api/v1/ledger/bundle", {"subject_type": "case", "subject_id": "x"})
    assert missing.status_code == 404


def test_api_bundle_query_count_does_not_grow_with_the_log(user_client: Client) -> None:
    _fill()
    services.checkpoint_create()
    with CaptureQueriesContext(connection) as small:
        user_client.get("/api/v1/ledger/bundle", {"subject_type": "case", "subject_id": "1"})
    ledger_append_many(
        records=[LedgerRecord(actor="s", action="x", subject_type="other", subject_id="1")] * 500
    )
    ledger_append_many(records=[LedgerRecord(actor="s", action="x", subject_type="case", subject_id="1")])
    services.checkpoint_create()
    with CaptureQueriesContext(connection) as large:
        user_client.get("/api/v1/ledger/bundle", {"subject_type": "case", "subject_id": "1"})
    assert len(large.captured_queries) == len(small.captured_queries)


def test_witness_endpoints_are_public_without_subject_data_and_rate_limited(settings: Any) -> None:
    """Issue 17 item 7: outside witnesses fetch checkpoints and consistency proofs without an account."""
    from django.core.cache import cache

    _fill()
    services.checkpoint_create()
    cache.clear()
    client = Client()
    latest = client.get("/api/v1/ledger/checkpoint/latest")
    assert latest.status_code == 200
    body = json.loads(latest.content)
    assert body["format"] == "crossreg-ledger-checkpoint/1" and "entries" not in body
    proof = client.get(f"/api/v1/ledger/consistency?old=1&new={body['size']}")
    assert proof.status_code == 200 and set(json.loads(proof.content)) == {
        "format",
        "old_size",
        "new_size",
        "proof",
    }
    # the bundle (subject data) still needs an account
    assert client.get("/api/v1/ledger/bundle?subject_type=t&subject_id=1").status_code == 401
    # rate-limited per client address
    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_WITNESS_RATE": "3/m"}
    cache.clear()
    codes = [client.get("/api/v1/ledger/checkpoint/latest").status_code for _ in range(5)]
    cache.clear()
    assert codes == [200, 200, 200, 429, 429]


def test_api_needs_the_ledger_scope_for_tokens(django_user_model: Any) -> None:
    from crossreg.orgs.models import Department, Division
    from crossreg.orgs.services import api_token_issue

    _fill()
    services.checkpoint_create()
    admin = django_user_model.objects.create_user(username="admin1", password="x" * 12)
    city, _ = Division.objects.get_or_create(code="320900", defaults={"name": "盐城市", "level": "city"})
    dept, _ = Department.objects.get_or_create(
        code="ledger-test", defaults={"name": "测试局", "short_name": "测试", "division": city}
    )
    _, without = api_token_issue(actor=admin, name="t1", department=dept, scopes=["entities:read"])
    _, with_scope = api_token_issue(actor=admin, name="t2", department=dept, scopes=["ledger:read"])
    client = Client()
    q = "/api/v1/ledger/bundle?subject_type=ledger-test&subject_id=1"
    denied = client.get(q, HTTP_AUTHORIZATION=f"Bearer {without}")
    assert denied.status_code == 403
    allowed = client.get(q, HTTP_AUTHORIZATION=f"Bearer {with_scope}")
    assert allowed.status_code == 404  # the scope lets it ask; the subject's rule answers (no such record)
