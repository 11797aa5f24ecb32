from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from crossreg.core.audit import audit_record
from crossreg.core.errors import Invalid
from crossreg.ledger import merkle, selectors, services, signing
from crossreg.ledger.models import Entry, LedgerCheckpoint, Node
from crossreg.ledger.services import LedgerRecord, ledger_append, ledger_append_many

pytestmark = pytest.mark.django_db


def _append(n: int, subject_id: str | None = None) -> list[int]:
    return ledger_append_many(
        records=[
            LedgerRecord(
                actor="system:test",
                action="thing.touch",
                subject_type="thing",
                subject_id=subject_id or str(i % 5),
                payload={"i": i, "名称": "盐城"},
            )
            for i in range(n)
        ]
    )


def _reference_leaves() -> list[bytes]:
    return [
        merkle.leaf_hash(bytes(c)) for c in Entry.objects.order_by("seq").values_list("canonical", flat=True)
    ]


def test_entry_is_canonical_json_of_the_documented_fields() -> None:
    digest = "AB" * 32
    entry = audit_record(
        actor="system:seed",
        action="entity.create",
        subject_type="entity",
        subject_id=42,
        payload={"name": "盐城市亭湖区某某餐饮店", "b": 1.5, "a": [3, None]},
        evidence=[digest],
    )
    raw = bytes(entry.canonical)
    body = json.loads(raw)
    assert body == {
        "seq": 0,
        "time": signing.format_time(entry.created_at),
        "actor": "system:seed",
        "action": "entity.create",
        "subject": {"type": "entity", "id": "42"},
        "payload": {"name": "盐城市亭湖区某某餐饮店", "b": 1.5, "a": [3, None]},
        "evidence": [digest.lower()],
    }
    # RFC 8785: sorted keys, no whitespace, UTF-8 kept as is
    assert raw.startswith(b'{"action":"entity.create","actor":"system:seed","evidence":["abab')
    assert "盐城市".encode() in raw
    assert bytes(entry.leaf_hash) == merkle.leaf_hash(raw)


def test_seqs_are_dense_and_the_stored_tree_matches_the_rfc_reference() -> None:
    for n in (1, 2, 3, 5):  # appends of different batch sizes, one after another
        _append(n)
    ledger_append(actor=None, action="x.y", subject_type="t", subject_id="1", payload={}, evidence=[])
    size = selectors.tree_size()
    assert size == 12
    assert list(Entry.objects.values_list("seq", flat=True)) == list(range(12))
    leaves = _reference_leaves()
    levels = merkle.levels_from_leaves(leaves)
    stored = {(n.level, n.index): bytes(n.hash) for n in Node.objects.all()}
    expected = {(k, j): h for k in range(1, len(levels)) for j, h in enumerate(levels[k])}
    assert stored == expected
    for m in range(size + 1):
        assert selectors.tree_root(m) == merkle.reference_root(leaves[:m])


def test_proofs_from_the_database_verify_and_take_few_queries() -> None:
    _append(37)
    leaves = _reference_leaves()
    size = 37
    root = selectors.tree_root(size)
    for seq in range(size):
        with CaptureQueriesContext(connection) as ctx:
            proof = selectors.inclusion_proof(seq=seq, size=size)
        assert len(ctx.captured_queries) <= 3  # tree size + nodes + leaf hashes, whatever n is
        merkle.verify_inclusion(seq, size, leaves[seq], proof, root)
    for old in range(size + 1):
        proof = selectors.consistency_proof(old=old, new=size)
        merkle.verify_consistency(old, size, merkle.reference_root(leaves[:old]), root, proof)


def test_rollback_leaves_neither_action_nor_entry() -> None:
    from crossreg.ledger.models import LedgerCheckpoint as AnyModel  # any table stands for "the action"

    _append(3)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        AnyModel.objects.create(
            tree_size=0,
            root_hash=b"\0" * 32,
            created_at="2026-01-01T00:00:00Z",
            origin="action",
            public_key=b"\0" * 32,
            note="",
            signature=b"\0" * 64,
        )
        audit_record(actor="system:test", action="doomed", subject_type="thing", subject_id="x")
        raise Boom
    assert not AnyModel.objects.filter(origin="action").exists()
    assert not Entry.objects.filter(action="doomed").exists()
    assert selectors.tree_size() == 3
    assert Node.objects.filter(index__gte=2, level=1).count() == 0  # no node of the rolled-back leaf
    entry = audit_record(actor="system:test", action="after", subject_type="thing", subject_id="x")
    assert entry.seq == 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"action": ""}, "action"),
        ({"action": "x" * 65}, "action"),
        ({"subject_type": ""}, "subject_type"),
        ({"evidence": ["not-a-hash"]}, "evidence"),
        ({"payload": {"big": 2**60}}, "payload"),  # outside I-JSON's exact integer range
        ({"payload": {"nan": float("nan")}}, "payload"),
        ({"payload": {"obj": object()}}, "payload"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {
        "actor": "system:test",
        "action": "a.b",
        "subject_type": "t",
        "subject_id": "1",
        "payload": {},
        "evidence": [],
    }
    args.update(kwargs)
    with pytest.raises(Invalid) as exc:
        ledger_append(**args)
    assert exc.value.problems[0].field == field
    assert Entry.objects.count() == 0


def test_payload_dates_and_decimals_are_serialised_like_django_does() -> None:
    import datetime as dt
    from decimal import Decimal

    entry = audit_record(
        actor="system:test",
        action="a.b",
        subject_type="t",
        subject_id=1,
        payload={"on": dt.date(2026, 1, 2), "fine": Decimal("2000.50")},
    )
    assert entry.payload == {"on": "2026-01-02", "fine": "2000.50"}


def test_user_actor_is_recorded_by_username(django_user_model: Any) -> None:
    user = django_user_model.objects.create_user(username="zhang.san", password="x" * 12)
    entry = audit_record(actor=user, action="a.b", subject_type="t", subject_id=1)
    assert entry.actor == "user:zhang.san"
    assert entry.body["actor"] == "user:zhang.san"


def test_checkpoint_signs_the_current_head() -> None:
    _append(6)
    cp = services.checkpoint_create()
    assert cp.tree_size == 6
    assert bytes(cp.root_hash) == merkle.reference_root(_reference_leaves())
    assert signing.verify_signature(cp.note, bytes(cp.signature), bytes(cp.public_key))
    parsed = signing.parse_checkpoint_text(cp.note)
    assert (parsed.origin, parsed.size, parsed.root) == (signing.log_origin(), 6, bytes(cp.root_hash))
    tampered = cp.note.replace("\n6\n", "\n7\n")
    assert not signing.verify_signature(tampered, bytes(cp.signature), bytes(cp.public_key))
    # a bundle reuses a covering checkpoint and makes a new one when the log has grown
    assert services.checkpoint_ensure(min_size=6).pk == cp.pk
    _append(1)
    assert services.checkpoint_ensure(min_size=7).tree_size == 7
    assert LedgerCheckpoint.objects.count() == 2


def test_signed_note_export_uses_the_c2sp_key_id() -> None:
    import base64
    import hashlib

    cp = services.checkpoint_create()
    data = selectors.checkpoint_as_dict(cp)
    body, sig_line = data["signed_note"].split("\n\n", 1)
    assert body + "\n" == cp.note
    dash, name, blob = sig_line.strip().split(" ")
    assert (dash, name) == ("\u2014", cp.origin)
    raw = base64.b64decode(blob)
    public = bytes(cp.public_key)
    assert raw[:4] == hashlib.sha256(cp.origin.encode() + b"\n\x01" + public).digest()[:4]
    assert raw[4:] == bytes(cp.signature)


def test_dev_key_is_generated_once_under_var_dir(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path
    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_SIGNING_KEY": ""}
    settings.DEBUG = True
    signing._cache.clear()
    first = signing.raw_public_key(signing.signing_key().public_key())
    path = tmp_path / "ledger" / "signing-key.pem"
    assert path.exists()
    assert path.stat().st_mode & 0o777 == 0o600
    signing._cache.clear()
    assert signing.raw_public_key(signing.signing_key().public_key()) == first


def test_production_without_a_key_refuses(settings: Any, tmp_path: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.VAR_DIR = tmp_path
    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_SIGNING_KEY": ""}
    settings.DEBUG = False
    signing._cache.clear()
    with pytest.raises(ImproperlyConfigured, match="required in production"):
        signing.signing_key()


def test_pem_key_file_is_accepted_and_bad_values_are_named(settings: Any, tmp_path: Any) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from django.core.exceptions import ImproperlyConfigured

    key = Ed25519PrivateKey.generate()
    pem = tmp_path / "k.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_SIGNING_KEY": str(pem)}
    assert signing.raw_public_key(signing.signing_key().public_key()) == signing.raw_public_key(
        key.public_key()
    )
    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_SIGNING_KEY": "nonsense"}
    with pytest.raises(ImproperlyConfigured, match="CROSSREG_LEDGER_SIGNING_KEY"):
        signing.signing_key()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(value=json_values)
def test_canonical_json_fast_path_gives_exactly_the_rfc8785_bytes(value: Any) -> None:
    import rfc8785

    try:
        expected = rfc8785.dumps(value)
    except Exception:
        with pytest.raises(Invalid):
            services.canonical_json(value)
        return
    assert services.canonical_json(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        {
            "\U0001f600": 1,
            "\ufb01": 2,
        },  # astral vs. high-BMP key order differs between UTF-16 and code points
        {"s": '\u2028\u007f\x00\x1f"\\/'},
        {"n": -(2**53) + 1, "f": 1e21, "g": 0.1, "z": -0.0},
        ["\U0001f600", "é"],
    ],
)
def test_canonical_json_edge_cases(value: Any) -> None:
    import rfc8785

    assert services.canonical_json(value) == rfc8785.dumps(value)


@settings(max_examples=400, deadline=None)
@given(payload=st.dictionaries(st.text(max_size=6), json_values, max_size=4))
def test_entry_bytes_are_rfc8785_whichever_path_prepare_picks(payload: Any) -> None:
    import rfc8785

    record = LedgerRecord(
        actor="system:t", action="a.b", subject_type="case", subject_id="1", payload=payload
    )
    try:
        actor, action, subject_type, subject_id, parsed, evidence, plain = services._prepare(record)
        fields = dict(
            seq=7,
            when="2025-01-01T00:00:00.000000Z",
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            payload=parsed,
            evidence=evidence,
        )
        got = services._canonical(**fields, plain=plain)
    except Invalid:
        return
    body = {
        "seq": 7,
        "time": fields["when"],
        "actor": actor,
        "action": action,
        "subject": {"type": subject_type, "id": subject_id},
        "payload": parsed,
        "evidence": evidence,
    }
    assert got == rfc8785.dumps(body)


@pytest.mark.parametrize(
    "payload",
    [
        {"big": 2**60},
        {"f": 0.1},
        {"e": 1e21},
        {"\U0001f600": 1, "\ufb01": 2},
        {"x": "\U0001f600"},
        {"i": 10**15},
    ],
)
def test_unusual_payloads_leave_the_fast_path(payload: dict[str, Any]) -> None:
    record = LedgerRecord(
        actor="system:t", action="a.b", subject_type="case", subject_id="1", payload=payload
    )
    assert services._prepare(record)[-1] is False
    assert services._prepare(LedgerRecord("s", "a.b", "case", "1", {"k": "v", "n": 3}))[-1] is True
