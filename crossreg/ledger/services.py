"""Writes to the ledger: appending entries and making checkpoints.

Appends run inside the caller's transaction (``@transaction.atomic`` joins it), so an entry commits
or rolls back together with the action it records. One writer at a time: on PostgreSQL every append
takes the transaction-scoped advisory lock ``LEDGER_LOCK`` (held until the caller commits); on SQLite
the settings open every transaction with ``BEGIN IMMEDIATE``, which already serialises writers.
Under that lock the next sequence number is ``max(seq) + 1`` and the right edge of the tree (at most
log2 n perfect subtrees) is read, the new leaves are folded in, and the entry rows plus every newly
completed subtree hash are inserted. Sequence numbers are therefore dense and the tree consistent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import rfc8785
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from crossreg.core.errors import Invalid
from crossreg.ledger import merkle, signing, store, tsa
from crossreg.ledger.models import Entry, LedgerCheckpoint
from crossreg.ledger.selectors import nodes_fetch, tree_size

if TYPE_CHECKING:
    from crossreg.orgs.models import User

log = logging.getLogger(__name__)

LEDGER_LOCK = 0x6C65646765720001  # pg_advisory_xact_lock key ("ledger" + 1)
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class LedgerRecord:
    """One action to record; ``ledger_append_many`` takes a sequence of these."""

    actor: User | str | None
    action: str
    subject_type: str
    subject_id: str | int
    payload: Mapping[str, Any] = field(default_factory=dict)
    evidence: Sequence[str] = ()


def actor_name(actor: User | str | None) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return f"user:{actor.get_username()}"


def ledger_lock() -> None:
    """Take the ledger's writer lock for the rest of the current transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK])


def _prepare(record: LedgerRecord) -> tuple[str, str, str, str, Any, list[str], bool]:
    actor = actor_name(record.actor)
    action, subject_type, subject_id = record.action, record.subject_type, str(record.subject_id)
    for name, value, limit in (
        ("actor", actor, 150),
        ("action", action, 64),
        ("subject_type", subject_type, 32),
        ("subject_id", subject_id, 64),
    ):
        if not value or len(value) > limit:
            raise Invalid(f"must be 1–{limit} characters, got {value!r}", field=name)
    evidence = [str(h).lower() for h in record.evidence]
    for h in evidence:
        if not _SHA256_HEX.match(h):
            raise Invalid(f"evidence must be SHA-256 hex digests, got {h!r}", field="evidence")
    unusual: list[str] = []  # floats, NaN/Infinity and long integers met parsing the payload back

    def parse_float(text: str) -> float:
        unusual.append(text)
        return float(text)

    def parse_int(text: str) -> int:
        if len(text) > 15:
            unusual.append(text)
        return int(text)

    try:  # dates, decimals, UUIDs … become strings, as Django serialises them
        text = json.dumps(dict(record.payload), cls=DjangoJSONEncoder, ensure_ascii=False)
        payload = json.loads(text, parse_float=parse_float, parse_int=parse_int, parse_constant=parse_float)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"payload is not JSON-serialisable: {exc}", field="payload") from exc
    # the JCS fast path is exact for this entry (see ``_plain``) when the payload has no float, no
    # integer that might exceed 2^53 and no character above U+D7FF (keys or not: conservative)
    plain = not unusual and max(text, default="\0") < "\ud800"
    return actor, action, subject_type, subject_id, payload, evidence, plain


def _canonical(
    *,
    seq: int,
    when: str,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    payload: Any,
    evidence: list[str],
    plain: bool = False,
) -> bytes:
    """The entry's bytes; ``plain`` (from ``_prepare``) says the JCS fast path is known to be exact,
    so the recursive ``_plain`` walk is skipped (the other fields are strings, a safe integer and
    SHA-256 hex digests, which the fast path always writes as RFC 8785 does)."""
    body = {
        "seq": seq,
        "time": when,
        "actor": actor,
        "action": action,
        "subject": {"type": subject_type, "id": subject_id},
        "payload": payload,
        "evidence": evidence,
    }
    if plain and 0 <= seq <= _MAX_SAFE_INT:
        try:
            return _fast_dumps(body).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate in a column: let rfc8785 refuse it
    return canonical_json(body)


_MAX_SAFE_INT = 2**53 - 1
_fast_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def _plain(value: Any) -> bool:
    """True if ``value`` holds only what ``json.dumps`` already writes exactly as RFC 8785 does:
    strings, safe integers, booleans, null, lists, and objects whose keys sort the same by UTF-16
    code unit as by code point (no key character above U+D7FF)."""
    if value is None or isinstance(value, bool | str):
        return True
    if isinstance(value, int):
        return -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(
            isinstance(k, str) and max(k, default="\0") < "\ud800" and _plain(v) for k, v in value.items()
        )
    return False  # floats (ECMAScript number formatting) and anything else: the full implementation


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes of ``value``. Plain data takes a fast path through ``json.dumps`` that
    gives identical bytes (a property test checks this against the ``rfc8785`` package); everything
    else, floats in particular, goes through ``rfc8785``."""
    if _plain(value):
        try:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode(
                "utf-8"
            )
        except UnicodeEncodeError:
            pass  # a lone surrogate: let rfc8785 refuse it
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, ValueError, TypeError) as exc:
        raise Invalid(f"payload cannot be canonicalised (RFC 8785): {exc}", field="payload") from exc


def _frontier(size: int) -> list[tuple[int, bytes]]:
    """The right edge of the tree of ``size`` leaves: (level, hash) of its perfect subtrees."""
    keys = merkle.root_plan(size)
    nodes = nodes_fetch(keys)
    return [(level, nodes[(level, index)]) for level, index in keys]


def _entry(row: store.EntryRow) -> Entry:
    entry = Entry(**dict(zip(store.ENTRY_COLUMNS, row, strict=True)))
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


@transaction.atomic
def ledger_append_many(*, records: Iterable[LedgerRecord]) -> list[int]:
    """Append several entries under one lock and one round of inserts (bulk jobs, imports, seeds).

    Returns their sequence numbers, in the order of ``records``."""
    return [row[0] for row in _append_rows(records)]


def _append_rows(records: Iterable[LedgerRecord]) -> list[store.EntryRow]:
    prepared = [_prepare(r) for r in records]
    if not prepared:
        return []
    ledger_lock()
    size = tree_size()
    stack = _frontier(size)
    now = timezone.now()
    when = signing.format_time(now)
    rows: list[store.EntryRow] = []
    nodes: list[store.NodeRow] = []
    refs: list[store.RefRow] = []
    for offset, (actor, action, subject_type, subject_id, payload, evidence, plain) in enumerate(prepared):
        seq = size + offset
        canonical = _canonical(
            seq=seq,
            when=when,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            payload=payload,
            evidence=evidence,
            plain=plain,
        )
        leaf = merkle.leaf_hash(canonical)
        rows.append((seq, now, actor, action, subject_type, subject_id, canonical, leaf))
        refs.extend(_refs(payload, seq))
        # fold the new leaf into the right edge, recording every subtree it completes
        level, h = 0, leaf
        while stack and stack[-1][0] == level:
            _, left = stack.pop()
            h = merkle.node_hash(left, h)
            level += 1
            nodes.append((level, seq >> level, h))
        stack.append((level, h))
    store.insert(rows, nodes)
    store.insert_refs(refs)
    return rows


def _refs(payload: Any, seq: int) -> list[store.RefRow]:
    """The (type, id) pairs of ``payload["refs"]`` (``audit_record(refs=...)``), each once."""
    raw = payload.get("refs") if isinstance(payload, dict) else None
    if not isinstance(raw, list):
        return []
    seen: dict[tuple[str, str], None] = {}
    for ref in raw:
        if isinstance(ref, dict) and ref.get("type") and ref.get("id") is not None:
            key = (str(ref["type"])[:32], str(ref["id"])[:64])
            seen.setdefault(key, None)
    return [(t, i, seq) for t, i in seen]


@transaction.atomic
def ledger_append(
    *,
    actor: User | str | None,
    action: str,
    subject_type: str,
    subject_id: str,
    payload: dict[str, Any],
    evidence: list[str],
) -> Entry:
    """Append one entry. Call it inside the transaction of the action it records."""
    record = LedgerRecord(
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        payload=payload,
        evidence=evidence,
    )
    return _entry(_append_rows([record])[0])


def tree_head() -> tuple[int, bytes]:
    """(size, root) of the committed tree, read under the writer lock so the two agree."""
    with transaction.atomic():
        ledger_lock()
        size = tree_size()
        stack = _frontier(size)
    return size, merkle.fold([h for _, h in stack])


def checkpoint_create(
    *,
    reason: str = LedgerCheckpoint.Reason.ON_DEMAND,
    timestamp: bool = True,
    now: dt.datetime | None = None,
) -> LedgerCheckpoint:
    """Sign (size, root, time) of the tree as committed now; timestamp it if a TSA is configured.

    Not one transaction on purpose: the tree head is read under the writer lock, which is released
    before the (possibly slow) call to the timestamp authority; the row is then inserted on its own.
    """
    size, root = tree_head()
    when = now or timezone.now()
    key = signing.signing_key()
    public = signing.raw_public_key(key.public_key())
    origin = signing.log_origin()
    text = signing.checkpoint_text(origin=origin, size=size, root=root, when=when)
    signature = signing.sign(text, key)
    tsa_url: str = settings.CROSSREG.get("LEDGER_TSA_URL") or ""
    token: bytes | None = None
    error = ""
    if tsa_url and timestamp:
        try:
            token = tsa.timestamp(url=tsa_url, data=text.encode("utf-8"))
        except tsa.TimestampError as exc:
            error = str(exc)
            log.warning("ledger checkpoint %s not timestamped: %s", size, exc)
    return LedgerCheckpoint.objects.create(
        tree_size=size,
        root_hash=root,
        created_at=when,
        origin=origin,
        public_key=public,
        note=text,
        signature=signature,
        reason=reason,
        tsa_url=tsa_url if timestamp else "",
        tsa_token=token,
        tsa_error=error,
    )


def checkpoint_ensure(*, min_size: int, reason: str = LedgerCheckpoint.Reason.BUNDLE) -> LedgerCheckpoint:
    """The latest checkpoint if it covers ``min_size`` entries, else a new one."""
    from crossreg.ledger.selectors import checkpoint_latest

    latest = checkpoint_latest()
    if latest is not None and latest.tree_size >= min_size:
        return latest
    return checkpoint_create(reason=reason)
