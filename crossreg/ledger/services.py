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
from crossreg.ledger import merkle, signing, tsa
from crossreg.ledger.models import Checkpoint, Entry, Node
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


def _prepare(record: LedgerRecord) -> tuple[str, str, str, str, Any, list[str]]:
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
    try:  # dates, decimals, UUIDs … become strings, as Django serialises them
        payload = json.loads(json.dumps(dict(record.payload), cls=DjangoJSONEncoder))
    except (TypeError, ValueError) as exc:
        raise Invalid(f"payload is not JSON-serialisable: {exc}", field="payload") from exc
    return actor, action, subject_type, subject_id, payload, evidence


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
) -> bytes:
    body = {
        "seq": seq,
        "time": when,
        "actor": actor,
        "action": action,
        "subject": {"type": subject_type, "id": subject_id},
        "payload": payload,
        "evidence": evidence,
    }
    try:
        return rfc8785.dumps(body)
    except (rfc8785.CanonicalizationError, ValueError, TypeError) as exc:
        raise Invalid(f"payload cannot be canonicalised (RFC 8785): {exc}", field="payload") from exc


def _frontier(size: int) -> list[tuple[int, bytes]]:
    """The right edge of the tree of ``size`` leaves: (level, hash) of its perfect subtrees."""
    keys = merkle.root_plan(size)
    nodes = nodes_fetch(keys)
    return [(level, nodes[(level, index)]) for level, index in keys]


def _bulk_insert(entries: list[Entry], nodes: list[Node]) -> None:
    Entry.objects.bulk_create(entries, batch_size=2000)
    if nodes:
        Node.objects.bulk_create(nodes, batch_size=4000)


@transaction.atomic
def ledger_append_many(*, records: Iterable[LedgerRecord]) -> list[Entry]:
    """Append several entries under one lock and one round of inserts (bulk jobs, imports, seeds)."""
    prepared = [_prepare(r) for r in records]
    if not prepared:
        return []
    ledger_lock()
    size = tree_size()
    stack = _frontier(size)
    now = timezone.now()
    when = signing.format_time(now)
    entries: list[Entry] = []
    nodes: list[Node] = []
    for offset, (actor, action, subject_type, subject_id, payload, evidence) in enumerate(prepared):
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
        )
        leaf = merkle.leaf_hash(canonical)
        entries.append(
            Entry(
                seq=seq,
                created_at=now,
                actor=actor,
                action=action,
                subject_type=subject_type,
                subject_id=subject_id,
                canonical=canonical,
                leaf_hash=leaf,
            )
        )
        # fold the new leaf into the right edge, recording every subtree it completes
        level, h = 0, leaf
        while stack and stack[-1][0] == level:
            _, left = stack.pop()
            h = merkle.node_hash(left, h)
            level += 1
            nodes.append(Node(level=level, index=seq >> level, hash=h))
        stack.append((level, h))
    _bulk_insert(entries, nodes)
    return entries


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
    return ledger_append_many(records=[record])[0]


def tree_head() -> tuple[int, bytes]:
    """(size, root) of the committed tree, read under the writer lock so the two agree."""
    with transaction.atomic():
        ledger_lock()
        size = tree_size()
        stack = _frontier(size)
    return size, merkle.fold([h for _, h in stack])


def checkpoint_create(
    *,
    reason: str = Checkpoint.Reason.ON_DEMAND,
    timestamp: bool = True,
    now: dt.datetime | None = None,
) -> Checkpoint:
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
    return Checkpoint.objects.create(
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


def checkpoint_ensure(*, min_size: int, reason: str = Checkpoint.Reason.BUNDLE) -> Checkpoint:
    """The latest checkpoint if it covers ``min_size`` entries, else a new one."""
    from crossreg.ledger.selectors import checkpoint_latest

    latest = checkpoint_latest()
    if latest is not None and latest.tree_size >= min_size:
        return latest
    return checkpoint_create(reason=reason)
