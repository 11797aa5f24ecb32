"""``crossreg ledger verify``: recompute the whole log from the entry bytes and compare.

Checks, in this order, streaming the tables in sequence order:

1. Sequence numbers are dense from 0 (a gap names the first missing entry).
2. Each entry's bytes parse as a JSON object with exactly the fields seq, time, actor, action,
   subject {type, id}, payload and evidence, and agree with its index columns (seq, time, actor,
   action, subject type and id); with ``strict`` they must also be exactly RFC 8785 canonical.
3. SHA-256(0x00 ‖ bytes) equals the stored leaf hash.
4. Every stored interior node equals the hash recomputed from the leaves, and none is missing or
   extra (a mismatch names the first entry the node covers).
5. Every checkpoint's signature is valid and its root equals the recomputed root at its size.

Speed: both tables are read in keyset pages of raw SQL (the time column formatted by the database),
each row is checked by a fast path (the C JSON scanner and plain comparisons) and only a row that
fails it is re-read through the ORM and diagnosed by ``_check_entry``; tree levels are hashed as
64-byte slices of one ``bytes`` per level, and stored nodes are compared against those slices.

A problem carries the sequence number of the first entry it concerns; the report's ``first`` is the
problem with the lowest one, i.e. the first entry that diverges.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import json.scanner
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import rfc8785
from django.db import connection

from crossreg.ledger import merkle, signing
from crossreg.ledger.models import Entry, LedgerCheckpoint
from crossreg.ledger.services import canonical_json

CHUNK = 50_000  # rows per keyset page (a page is one query; memory stays at one page)

_SHA256 = hashlib.sha256
_SCAN = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]  # the C scanner


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
    """Perfect-subtree hashes of the recomputed tree, one ``bytes`` per level (32 bytes a node)."""

    def __init__(self, leaves: bytes) -> None:
        self.levels = [leaves]
        prev = leaves
        while len(prev) >= 64:
            # SHA-256(0x01 ‖ left ‖ right) over adjacent pairs: left ‖ right is one 64-byte slice
            prev = b"".join(
                [_SHA256(b"\x01" + prev[i : i + 64]).digest() for i in range(0, len(prev) - 63, 64)]
            )
            self.levels.append(prev)

    def get(self, level: int, index: int) -> bytes:
        return self.levels[level][32 * index : 32 * index + 32]

    def count(self, level: int) -> int:
        return len(self.levels[level]) // 32 if level < len(self.levels) else 0

    def root(self, size: int) -> bytes:
        return merkle.fold([self.get(level, index) for level, index in merkle.root_plan(size)])


def _time_sql() -> str:
    """SQL giving ``created_at`` as ``signing.format_time`` writes it, so rows need no datetime
    conversion. A row whose text differs anyway (SQLite drops ``.000000``) takes the slow path."""
    if connection.vendor == "postgresql":
        return "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    return "replace(created_at, ' ', 'T') || 'Z'"


def _pages(select: str, keys: str, start: tuple[int, ...]) -> Iterator[list[tuple[Any, ...]]]:
    """``select`` in ``keys`` order, one keyset page of ``CHUNK`` rows at a time (index range scans,
    no server-side cursor and no OFFSET); ``start`` is a key just below the first row."""
    marks = ", ".join(["%s"] * len(start))
    sql = f"{select} WHERE ({keys}) > ({marks}) ORDER BY {keys} LIMIT {CHUNK}"
    width = len(start)
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, list(start))
            rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            if len(rows) < CHUNK:
                return
            start = tuple(rows[-1][:width])


def _check_entry(row: tuple[Any, ...], strict: bool) -> str | None:
    """The authoritative (slow) comparison of an entry's bytes with its columns; ``row`` is
    (seq, created_at as a datetime, actor, action, subject_type, subject_id, canonical)."""
    seq, created_at, actor, action, subject_type, subject_id, canonical = row[:7]
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
    if set(body) != _KEYS:
        return f"the entry has fields {sorted(body)}, expected {sorted(_KEYS)}"
    if strict and rfc8785.dumps(body) != canonical:
        return "the entry bytes are not RFC 8785 canonical JSON"
    return None


_KEYS = {"seq", "time", "actor", "action", "subject", "payload", "evidence"}


def _entry_matches(
    seq: int,
    when: str,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    canonical: bytes,
    strict: bool,
) -> bool:
    """Fast path: True if the entry bytes parse to exactly the seven fields of an entry and every
    indexed one equals its column (with ``strict``, the bytes must also re-serialise to themselves
    through the JCS fast path, which is byte-identical to RFC 8785). False means "look closer"
    (``_check_entry`` names the problem, if any), never "wrong" by itself."""
    try:
        text = canonical.decode("utf-8")
        body, end = _SCAN(text, 0)
        if end != len(text):
            return False
        subject = body["subject"]
        ok = (
            len(body) == 7
            and body["seq"] == seq
            and type(body["seq"]) is int
            and body["time"] == when
            and body["actor"] == actor
            and body["action"] == action
            and len(subject) == 2
            and subject["type"] == subject_type
            and subject["id"] == subject_id
            and "payload" in body
            and "evidence" in body
        )
        if ok and strict:
            return canonical_json(body) == canonical
        return ok
    except Exception:  # anything odd is for the slow path to name
        return False


def _retyped(row: tuple[Any, ...], expected_seq: int) -> tuple[int, bytes, str]:
    """(seq, entry bytes, problem) for a row whose seq or entry bytes are not of their types."""
    raw_seq, canonical = row[0], row[6]
    try:
        seq = int(raw_seq)
    except (TypeError, ValueError):
        seq = expected_seq
    if isinstance(canonical, str):
        data = canonical.encode("utf-8")
        kind = "text"
    elif isinstance(canonical, bytes | bytearray | memoryview):
        data = bytes(canonical)
        kind = "bytes"
    else:
        data = str(canonical).encode("utf-8")
        kind = type(canonical).__name__
    what = []
    if not isinstance(raw_seq, int):
        what.append(f"its seq is stored as {type(raw_seq).__name__} {raw_seq!r}")
    if kind != "bytes":
        what.append(f"its entry bytes are stored as {kind}")
    return seq, data, "the row was edited: " + " and ".join(what) + " (column types changed)"


def _slow_check(seq: int, strict: bool) -> str | None:
    row = Entry.objects.filter(seq=seq).values_list(
        "seq", "created_at", "actor", "action", "subject_type", "subject_id", "canonical"
    )[0]
    canonical = row[6]
    data = canonical.encode("utf-8") if isinstance(canonical, str) else bytes(canonical)
    try:
        return _check_entry((*row[:6], data), strict)
    except (TypeError, ValueError) as exc:
        return f"the entry's columns cannot be read ({exc}): edited"


def ledger_verify(
    *, strict: bool = False, max_problems: int = 1000, against: list[TrustedCheckpoint] | None = None
) -> VerifyReport:
    report = VerifyReport()

    def add(seq: int | None, message: str) -> None:
        if len(report.problems) < max_problems:
            report.problems.append(VerifyProblem(seq, message))

    leaves = bytearray()
    expected_seq = 0
    select = (
        f"SELECT seq, {_time_sql()}, actor, action, subject_type, subject_id, canonical, leaf_hash "
        "FROM ledger_entry"
    )
    sha = _SHA256
    for page in _pages(select, "seq", (-1,)):
        for row in page:
            seq, when, actor, action, subject_type, subject_id, canonical, stored_leaf = row
            retyped = not isinstance(seq, int) or not isinstance(canonical, bytes | bytearray | memoryview)
            if retyped:
                # A column whose type was changed under the application (SQLite stores any type in
                # any column): name the entry, never crash on it.
                seq, canonical, problem = _retyped(row, expected_seq)
                add(seq, problem)
            if not isinstance(stored_leaf, bytes | bytearray | memoryview):
                add(seq, f"the stored leaf hash is a {type(stored_leaf).__name__}, not bytes (column edited)")
                stored_leaf = b""
            else:
                stored_leaf = bytes(stored_leaf)
            if seq != expected_seq:
                if seq > expected_seq:
                    add(expected_seq, f"entries {expected_seq}–{seq - 1} are missing (deleted?)")
                    leaves += bytes(32) * (seq - expected_seq)
                expected_seq = seq
            canonical = bytes(canonical)
            if retyped:
                pass  # named above; its leaf is still compared below
            elif not _entry_matches(seq, when, actor, action, subject_type, subject_id, canonical, strict):
                found = _slow_check(seq, strict)
                if found:
                    add(seq, found)
            leaf = sha(b"\x00" + canonical).digest()
            if leaf != stored_leaf:
                add(seq, "the entry bytes do not hash to the stored leaf hash (entry altered)")
            leaves += leaf
            expected_seq += 1
    report.size = expected_seq
    tree = _Levels(bytes(leaves))
    del leaves

    # A node that disagrees is reported only if nothing below it already explains it: an altered
    # entry makes every node above it disagree, and only the entry is worth naming.
    explained = sorted(p.seq for p in report.problems if p.seq is not None)
    seen: dict[int, int] = {}
    levels = tree.levels
    depth = len(levels)
    for page in _pages('SELECT level, "index", hash FROM ledger_node', 'level, "index"', (-1, -1)):
        report.nodes_checked += len(page)
        for level, index, stored in page:
            seen[level] = seen.get(level, 0) + 1
            if 0 < level < depth and index >= 0 and levels[level][32 * index : 32 * index + 32] == stored:
                continue
            if level < 1 or index < 0:
                add(None, f"tree node ({level}, {index}) cannot exist (levels start at 1)")
                continue
            first_leaf, end = index << level, (index + 1) << level
            pos = bisect.bisect_left(explained, first_leaf)
            if pos < len(explained) and explained[pos] < end:
                continue
            if index >= tree.count(level):
                add(first_leaf, f"tree node ({level}, {index}) exists but the entries do not complete it")
            else:
                add(
                    first_leaf,
                    f"tree node ({level}, {index}) over entries {first_leaf}–{end - 1} "
                    "does not match the entries (entry or node altered)",
                )
            bisect.insort(explained, first_leaf)
    for level in range(1, len(tree.levels)):
        if seen.get(level, 0) < tree.count(level):
            add(None, f"{tree.count(level) - seen.get(level, 0)} tree node(s) missing at level {level}")

    previous = 0
    for cp in LedgerCheckpoint.objects.order_by("tree_size", "id"):
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
    for trusted in against or ():
        label = f"trusted checkpoint {trusted.source} (size {trusted.size})"
        if trusted.size > report.size:
            add(
                report.size,
                f"{label}: the log has only {report.size} entries, fewer than this checkpoint signed "
                "(entries removed or the log replaced)",
            )
        elif tree.root(trusted.size) != trusted.root:
            add(
                None,
                f"{label}: the log does not extend this checkpoint (its first {trusted.size} entries differ)",
            )
        report.checkpoints_checked += 1
    return report


# -- verifying against a checkpoint published or witnessed elsewhere --------------------------------
@dataclass(frozen=True)
class TrustedCheckpoint:
    """A checkpoint the verifier holds independently of the database (a published file, a witness's
    copy, a URL): the log must be at least this long and extend it."""

    size: int
    root: bytes
    text: str
    source: str


def checkpoint_load(source: str, *, public: bytes | None = None, timeout: float = 10.0) -> TrustedCheckpoint:
    """Read a checkpoint from a file path or an http(s) URL, as ``crossreg ledger export-checkpoint``
    writes it (JSON ``crossreg-ledger-checkpoint/1``, or ``--format note``, a C2SP signed note), and
    check its signature with this log's public key (``public``, default: the signing key's). Raises
    ValueError naming what is wrong."""
    if source.startswith(("http://", "https://")):
        import urllib.request

        with urllib.request.urlopen(source, timeout=timeout) as response:
            raw = response.read(1_000_000).decode("utf-8")
    else:
        from pathlib import Path

        raw = Path(source).read_text(encoding="utf-8")
    if public is None:
        public = signing.raw_public_key(signing.signing_key().public_key())
    text: str
    signature: bytes
    stripped = raw.lstrip()
    if stripped.startswith("{"):
        doc = json.loads(raw)
        text = str(doc["text"])
        signature = base64.b64decode(doc["signature"])
    else:
        body, sep, sigs = raw.partition("\n\n\u2014 ")
        if not sep:
            raise ValueError(f"{source}: neither checkpoint JSON nor a signed note")
        text = body + "\n"
        blob = sigs.strip().split(" ")[-1]
        signature = base64.b64decode(blob)[4:]
    parsed = signing.parse_checkpoint_text(text)
    if not signing.verify_signature(text, signature, public):
        raise ValueError(f"{source}: the checkpoint's signature is not this log's")
    return TrustedCheckpoint(size=parsed.size, root=parsed.root, text=text, source=source)


def ledger_verify_against(
    trusted: list[TrustedCheckpoint], *, strict: bool = False, max_problems: int = 1000
) -> VerifyReport:
    """:func:`ledger_verify`, and the log must extend each trusted checkpoint: at least its size, and
    the same root at that size. A log emptied or cut short (TRUNCATE, a restore of an old backup)
    fails here even when what is left is self-consistent."""
    return ledger_verify(strict=strict, max_problems=max_problems, against=trusted)
