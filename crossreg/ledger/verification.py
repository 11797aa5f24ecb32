"""``crossreg ledger verify``: recompute the whole log from the entry bytes and compare.

Checks, in this order, streaming the tables in sequence order:

1. Sequence numbers are dense from 0 (a gap names the first missing entry).
2. Each entry's bytes parse as JSON and agree with its index columns (seq, time, actor, action,
   subject); with ``strict`` they must also be exactly RFC 8785 canonical.
3. SHA-256(0x00 ‖ bytes) equals the stored leaf hash.
4. Every stored interior node equals the hash recomputed from the leaves, and none is missing or
   extra (a mismatch names the first entry the node covers).
5. Every checkpoint's signature is valid and its root equals the recomputed root at its size.

A problem carries the sequence number of the first entry it concerns; the report's ``first`` is the
problem with the lowest one, i.e. the first entry that diverges.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import rfc8785

from crossreg.ledger import merkle, signing
from crossreg.ledger.models import Checkpoint, Entry, Node

CHUNK = 10_000


@dataclass(frozen=True)
class VerifyProblem:
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"entry {self.seq}" if self.seq is not None else "log"
        return f"{where}: {self.message}"


@dataclass
class VerifyReport:
    size: int = 0
    nodes_checked: int = 0
    checkpoints_checked: int = 0
    problems: list[VerifyProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> VerifyProblem | None:
        if not self.problems:
            return None
        return min(self.problems, key=lambda p: (p.seq is None, p.seq if p.seq is not None else 0))


class _Levels:
    """Perfect-subtree hashes of the recomputed tree, one bytearray per level (32 bytes a node)."""

    def __init__(self, leaves: bytearray) -> None:
        self.levels = [leaves]
        while len(self.levels[-1]) >= 64:
            prev = self.levels[-1]
            out = bytearray()
            for i in range(0, len(prev) - 63, 64):
                out += merkle.node_hash(bytes(prev[i : i + 32]), bytes(prev[i + 32 : i + 64]))
            self.levels.append(out)

    def get(self, level: int, index: int) -> bytes:
        return bytes(self.levels[level][32 * index : 32 * index + 32])

    def count(self, level: int) -> int:
        return len(self.levels[level]) // 32 if level < len(self.levels) else 0

    def root(self, size: int) -> bytes:
        return merkle.fold([self.get(level, index) for level, index in merkle.root_plan(size)])


def _entries() -> Iterator[tuple]:
    return (
        Entry.objects.order_by("seq")
        .values_list(
            "seq", "created_at", "actor", "action", "subject_type", "subject_id", "canonical", "leaf_hash"
        )
        .iterator(chunk_size=CHUNK)
    )


def _check_entry(row: tuple, strict: bool) -> str | None:
    seq, created_at, actor, action, subject_type, subject_id, canonical, _ = row
    try:
        body = json.loads(canonical.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "the entry bytes are not UTF-8 JSON"
    if not isinstance(body, dict):
        return "the entry is not a JSON object"
    subject = body.get("subject") or {}
    expected = {
        "seq": seq,
        "time": signing.format_time(created_at),
        "actor": actor,
        "action": action,
        "subject type": subject_type,
        "subject id": subject_id,
    }
    recorded = {
        "seq": body.get("seq"),
        "time": body.get("time"),
        "actor": body.get("actor"),
        "action": body.get("action"),
        "subject type": subject.get("type") if isinstance(subject, dict) else None,
        "subject id": subject.get("id") if isinstance(subject, dict) else None,
    }
    for name, value in expected.items():
        if recorded[name] != value:
            return f"column {name} is {value!r} but the hashed entry says {recorded[name]!r}"
    if strict and rfc8785.dumps(body) != canonical:
        return "the entry bytes are not RFC 8785 canonical JSON"
    return None


def ledger_verify(*, strict: bool = False, max_problems: int = 1000) -> VerifyReport:
    report = VerifyReport()

    def add(seq: int | None, message: str) -> None:
        if len(report.problems) < max_problems:
            report.problems.append(VerifyProblem(seq, message))

    leaves = bytearray()
    expected_seq = 0
    for row in _entries():
        seq = row[0]
        canonical = bytes(row[6])
        row = (*row[:6], canonical, bytes(row[7]))
        if seq != expected_seq:
            if seq > expected_seq:
                add(expected_seq, f"entries {expected_seq}–{seq - 1} are missing (deleted?)")
                leaves += bytes(32) * (seq - expected_seq)
            expected_seq = seq
        problem = _check_entry(row, strict)
        if problem:
            add(seq, problem)
        leaf = merkle.leaf_hash(canonical)
        if leaf != row[7]:
            add(seq, "the entry bytes do not hash to the stored leaf hash (entry altered)")
        leaves += leaf
        expected_seq += 1
    report.size = expected_seq
    tree = _Levels(leaves)

    # A node that disagrees is reported only if nothing below it already explains it: an altered
    # entry makes every node above it disagree, and only the entry is worth naming.
    explained = sorted(p.seq for p in report.problems if p.seq is not None)
    seen: dict[int, int] = {}
    rows = (
        Node.objects.order_by("level", "index")
        .values_list("level", "index", "hash")
        .iterator(chunk_size=CHUNK)
    )
    for level, index, stored in rows:
        report.nodes_checked += 1
        seen[level] = seen.get(level, 0) + 1
        first_leaf, end = index << level, (index + 1) << level
        pos = bisect.bisect_left(explained, first_leaf)
        if pos < len(explained) and explained[pos] < end:
            continue
        if index >= tree.count(level):
            add(first_leaf, f"tree node ({level}, {index}) exists but the entries do not complete it")
        elif bytes(stored) != tree.get(level, index):
            add(
                first_leaf,
                f"tree node ({level}, {index}) over entries {first_leaf}–{end - 1} "
                "does not match the entries (entry or node altered)",
            )
        else:
            continue
        bisect.insort(explained, first_leaf)
    for level in range(1, len(tree.levels)):
        if seen.get(level, 0) < tree.count(level):
            add(None, f"{tree.count(level) - seen.get(level, 0)} tree node(s) missing at level {level}")

    previous = 0
    for cp in Checkpoint.objects.order_by("tree_size", "id"):
        report.checkpoints_checked += 1
        label = f"checkpoint #{cp.pk} (size {cp.tree_size})"
        text_ok = False
        try:
            parsed = signing.parse_checkpoint_text(cp.note)
            text_ok = parsed.size == cp.tree_size and parsed.root == bytes(cp.root_hash)
        except ValueError:
            pass
        if not text_ok:
            add(None, f"{label}: its columns disagree with its signed text")
        if not signing.verify_signature(cp.note, bytes(cp.signature), bytes(cp.public_key)):
            add(None, f"{label}: bad signature")
        if cp.tree_size > report.size:
            add(report.size, f"{label}: the log is now shorter than this signed size (entries removed)")
        elif tree.root(cp.tree_size) != bytes(cp.root_hash):
            unexplained = not explained or explained[0] >= cp.tree_size
            add(
                previous if unexplained else None,
                f"{label}: the recomputed root differs from the signed root — an entry between "
                f"{previous} and {cp.tree_size - 1} was rewritten",
            )
        else:
            previous = cp.tree_size
    return report
