"""Reads of the ledger: tree head, proofs, a subject's entries, proof bundles.

Every proof is planned first (``crossreg.ledger.merkle``), then the O(log n) perfect-subtree hashes it
needs are fetched with one query on ``Node`` and at most one on ``Entry`` (leaf hashes).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from crossreg.core.errors import Invalid, NotFound
from crossreg.core.subjects import subject_readable, subject_type_get
from crossreg.ledger import merkle, store
from crossreg.ledger.merkle import NodeKey
from crossreg.ledger.models import Entry, EntryRef, LedgerCheckpoint
from crossreg.orgs.permissions import Principal

BUNDLE_FORMAT = "crossreg-ledger-bundle/1"
CHECKPOINT_FORMAT = "crossreg-ledger-checkpoint/1"
CONSISTENCY_FORMAT = "crossreg-ledger-consistency/1"


def tree_size() -> int:
    return store.tree_size()


def nodes_fetch(keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
    """Hashes of the given perfect subtrees: leaves from ``Entry``, the rest from ``Node``."""
    wanted = set(keys)
    found = store.fetch(wanted)
    missing = wanted - found.keys()
    if missing:
        raise NotFound(f"ledger tree nodes missing: {sorted(missing)[:5]} — run `crossreg ledger verify`")
    return found


def tree_root(size: int) -> bytes:
    keys = merkle.root_plan(size)
    nodes = nodes_fetch(keys)
    return merkle.fold([nodes[k] for k in keys])


def _check_size(size: int, current: int | None = None) -> int:
    current = tree_size() if current is None else current
    if size < 0 or size > current:
        raise Invalid(f"tree size {size} is outside 0..{current}", field="size")
    return current


def inclusion_proof(*, seq: int, size: int) -> list[bytes]:
    _check_size(size)
    if not 0 <= seq < size:
        raise Invalid(f"entry {seq} is not in a tree of size {size}", field="seq")
    ranges = merkle.inclusion_plan(seq, size)
    return merkle.hashes_for(ranges, nodes_fetch(merkle.keys_for(ranges)))


def consistency_proof(*, old: int, new: int) -> list[bytes]:
    _check_size(new)
    if not 0 <= old <= new:
        raise Invalid(f"no consistency proof from size {old} to size {new}", field="old")
    ranges = merkle.consistency_plan(old, new)
    return merkle.hashes_for(ranges, nodes_fetch(merkle.keys_for(ranges)))


def checkpoint_latest() -> LedgerCheckpoint | None:
    return LedgerCheckpoint.objects.order_by("-tree_size", "-id").first()


def checkpoint_at_size(size: int) -> LedgerCheckpoint | None:
    return LedgerCheckpoint.objects.filter(tree_size=size).order_by("-id").first()


def subject_entries(*, subject_type: str, subject_id: str) -> QuerySet[Entry]:
    """The subject's record: entries recorded under it, and entries about it recorded under another
    subject (``audit_record(refs=...)``, indexed in ``EntryRef``) — an entity's record shows its
    tasks, list changes, cases, credit events and clues."""
    sid = str(subject_id)
    about = EntryRef.objects.filter(subject_type=subject_type, subject_id=sid).values("seq")
    return Entry.objects.filter(Q(subject_type=subject_type, subject_id=sid) | Q(seq__in=about)).order_by(
        "seq"
    )


def b64(data: bytes | memoryview | None) -> str | None:
    return None if data is None else base64.b64encode(bytes(data)).decode("ascii")


def checkpoint_as_dict(cp: LedgerCheckpoint) -> dict[str, Any]:
    from crossreg.ledger.signing import signed_note

    public = bytes(cp.public_key)
    signature = bytes(cp.signature)
    return {
        "format": CHECKPOINT_FORMAT,
        "origin": cp.origin,
        "size": cp.tree_size,
        "root": bytes(cp.root_hash).hex(),
        "time": cp.note.split("\n")[3][5:],
        "text": cp.note,
        "signature": b64(signature),
        "public_key": b64(public),
        "signed_note": signed_note(origin=cp.origin, text=cp.note, signature=signature, public=public),
        "timestamp_token": b64(cp.tsa_token),
        "timestamp_url": cp.tsa_url or None,
    }


def consistency_as_dict(*, old: int, new: int) -> dict[str, Any]:
    return {
        "format": CONSISTENCY_FORMAT,
        "old_size": old,
        "new_size": new,
        "proof": [h.hex() for h in consistency_proof(old=old, new=new)],
    }


def bundle_build(*, subject_type: str, subject_id: str, checkpoint: LedgerCheckpoint) -> dict[str, Any]:
    """One subject's entries, each with its inclusion proof against ``checkpoint`` (docs/ledger.md)."""
    size = checkpoint.tree_size
    entries = list(subject_entries(subject_type=subject_type, subject_id=subject_id).filter(seq__lt=size))
    plans = {e.seq: merkle.inclusion_plan(e.seq, size) for e in entries}
    nodes = nodes_fetch(set().union(*(merkle.keys_for(p) for p in plans.values())) if plans else set())
    return {
        "format": BUNDLE_FORMAT,
        "subject": {"type": subject_type, "id": str(subject_id)},
        "checkpoint": checkpoint_as_dict(checkpoint),
        "entries": [
            {
                "seq": e.seq,
                "entry": bytes(e.canonical).decode("utf-8"),
                "leaf_hash": bytes(e.leaf_hash).hex(),
                "proof": [h.hex() for h in merkle.hashes_for(plans[e.seq], nodes)],
            }
            for e in entries
        ],
    }


# --- checking a subject's record on the server (the timeline page) ------------------------------


@dataclass(frozen=True)
class EntryCheck:
    entry: Entry
    ok: bool | None  # None: not yet covered by a checkpoint
    message: str


@dataclass(frozen=True)
class SubjectCheck:
    checkpoint: LedgerCheckpoint | None
    checkpoint_ok: bool
    checkpoint_message: str
    entries: list[EntryCheck]

    @property
    def ok(self) -> bool:
        return self.checkpoint_ok and all(e.ok is not False for e in self.entries)

    @property
    def pending(self) -> int:
        return sum(1 for e in self.entries if e.ok is None)


def subject_check(*, user: object, subject_type: str, subject_id: str) -> SubjectCheck:
    """Verify a subject's entries as an outside verifier would: entry bytes → leaf hash → inclusion
    proof → the root signed in the latest checkpoint, signed by this log's configured key.

    ``NotFound`` unless ``user`` may read the subject's record (:func:`subject_visible`)."""
    from crossreg.ledger import signing

    subject_require(user=user, subject_type=subject_type, subject_id=subject_id)
    entries = list(subject_entries(subject_type=subject_type, subject_id=subject_id))
    cp = checkpoint_latest()
    if cp is None:
        return SubjectCheck(None, False, "no checkpoint yet", [EntryCheck(e, None, "") for e in entries])
    public = signing.raw_public_key(signing.signing_key().public_key())
    cp_ok, cp_message = True, "signature valid"
    if bytes(cp.public_key) != public:
        cp_ok, cp_message = False, "signed by a key other than this log's configured key"
    elif not signing.verify_signature(cp.note, bytes(cp.signature), public):
        cp_ok, cp_message = False, "bad signature"
    root, size = bytes(cp.root_hash), cp.tree_size
    covered = [e for e in entries if e.seq < size]
    plans = {e.seq: merkle.inclusion_plan(e.seq, size) for e in covered}
    nodes = nodes_fetch(set().union(*(merkle.keys_for(p) for p in plans.values())) if plans else set())
    checks: list[EntryCheck] = []
    for e in entries:
        if e.seq >= size:
            checks.append(EntryCheck(e, None, "recorded after the latest checkpoint"))
            continue
        leaf = merkle.leaf_hash(bytes(e.canonical))
        try:
            if leaf != bytes(e.leaf_hash):
                raise merkle.ProofError("entry bytes do not match the stored leaf hash")
            merkle.verify_inclusion(e.seq, size, leaf, merkle.hashes_for(plans[e.seq], nodes), root)
            checks.append(EntryCheck(e, True, f"included in the tree of {size} entries"))
        except merkle.ProofError as exc:
            checks.append(EntryCheck(e, False, str(exc)))
    return SubjectCheck(cp, cp_ok, cp_message, checks)


# --- who may read which subject's record ------------------------------------------------------
#
# A subject's entries carry the payload of every action on it, so reading them is scoped like the
# subject's own pages (docs/ledger.md, "Who may read a record"): leaders, the big-data bureau and
# administrators read every subject; anyone else what the app that owns the subject type says —
# the subject registry (crossreg.core.subjects), filled by each app's ready() from the same
# ``visible_to`` rule its pages use. The ledger imports no domain app. The hashes-only answers
# (checkpoints, consistency proofs) are not scoped: they disclose no entry.


def subject_visible(*, user: object, subject_type: str, subject_id: str) -> bool:
    """May ``user`` (a request, user, API token or :class:`Principal`) read this subject's record?"""
    principal = Principal.of(user)
    if principal.sees_all:
        return True
    if principal.is_anonymous:
        # The record pages and bundles are for signed-in users and department systems; the public
        # verifies what an app publishes through that app's own bundles (e.g. a draw's bundle).
        return False
    return subject_readable(principal=principal, subject_type=subject_type, subject_id=str(subject_id))


def subject_require(*, user: object, subject_type: str, subject_id: str) -> None:
    """Raise ``NotFound`` unless ``user`` may read the subject's record: the same answer whether the
    subject exists or not, so a refusal reveals nothing."""
    if not subject_visible(user=user, subject_type=subject_type, subject_id=subject_id):
        raise NotFound(
            f"no record of {subject_type}:{subject_id} that you may read",
            field="subject_id",
            code="not_found",
        )


def subject_last_seq(*, user: object, subject_type: str, subject_id: str) -> int:
    """The seq of the subject's latest entry, for a bundle; ``NotFound`` if ``user`` may not read
    the subject's record or it has none."""
    subject_require(user=user, subject_type=subject_type, subject_id=subject_id)
    last = (
        subject_entries(subject_type=subject_type, subject_id=subject_id)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    if last is None:
        raise NotFound(f"no ledger entries for {subject_type}:{subject_id}", field="subject_id")
    return last


def subject_label(subject_type: str) -> str:
    """What people call the subject type (its registered label), or the type itself."""
    try:
        return str(subject_type_get(subject_type).label)
    except NotFound:
        return subject_type


def subject_link(*, subject_type: str, subject_id: str) -> tuple[str, str | None]:
    """(display name, own page) of a subject, as its app registered them."""
    try:
        st = subject_type_get(subject_type)
    except NotFound:
        return subject_id, None
    return st.display(subject_id), st.url(subject_id)


def recent_visible(*, user: object, limit: int = 30) -> list[Entry]:
    """The latest entries of the whole log, for the city-level roles; nobody else sees a list of
    other subjects' entries (they look a subject up, and its rule decides)."""
    if not Principal.of(user).sees_all:
        return []
    return list(Entry.objects.order_by("-seq")[:limit])
