"""The ledger's hot paths in plain SQL: tree size, node reads and bulk inserts.

The ORM builds these queries in more time than the database takes to answer them (a composite-key
``IN`` alone costs milliseconds to compile), so appends and proofs use these few statements instead.
Inserts use COPY on PostgreSQL and ``executemany`` on SQLite. Table layout: ``crossreg.ledger.models``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import connection

from crossreg.ledger.merkle import NodeKey

ENTRY_COLUMNS = (
    "seq",
    "created_at",
    "actor",
    "action",
    "subject_type",
    "subject_id",
    "canonical",
    "leaf_hash",
)
EntryRow = tuple[int, dt.datetime, str, str, str, str, bytes, bytes]
NodeRow = tuple[int, int, bytes]
RefRow = tuple[str, str, int]  # (subject_type, subject_id, seq)
_ENTRY_TYPES = ["int8", "timestamptz", "varchar", "varchar", "varchar", "varchar", "bytea", "bytea"]
_NODE_TYPES = ["int2", "int8", "bytea"]


def tree_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(seq) FROM ledger_entry")
        top = cursor.fetchone()[0]
    return 0 if top is None else int(top) + 1


def fetch(keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
    """Hashes of the perfect subtrees ``keys`` that exist: leaves from the entries, the rest from nodes."""
    wanted = set(keys)
    leaves = sorted(index for level, index in wanted if level == 0)
    inner = sorted(key for key in wanted if key[0] > 0)
    found: dict[NodeKey, bytes] = {}
    with connection.cursor() as cursor:
        if leaves:
            marks = ", ".join(["%s"] * len(leaves))
            cursor.execute(f"SELECT seq, leaf_hash FROM ledger_entry WHERE seq IN ({marks})", leaves)
            for seq, h in cursor.fetchall():
                found[(0, int(seq))] = bytes(h)
        if inner:
            where = " OR ".join(['(level = %s AND "index" = %s)'] * len(inner))
            params = [v for key in inner for v in key]
            cursor.execute(f'SELECT level, "index", hash FROM ledger_node WHERE {where}', params)
            for level, index, h in cursor.fetchall():
                found[(int(level), int(index))] = bytes(h)
    return found


def insert(entries: Sequence[EntryRow], nodes: Sequence[NodeRow]) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as wrapper:
            raw = wrapper.cursor  # the psycopg cursor, for COPY
            # binary COPY: no text escaping of the bytea columns on either side
            columns = ", ".join(ENTRY_COLUMNS)
            with raw.copy(f"COPY ledger_entry ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(_ENTRY_TYPES)
                for row in entries:
                    copy.write_row(row)
            if nodes:
                with raw.copy('COPY ledger_node (level, "index", hash) FROM STDIN (FORMAT BINARY)') as copy:
                    copy.set_types(_NODE_TYPES)
                    for node in nodes:
                        copy.write_row(node)
        return
    adapt = connection.ops.adapt_datetimefield_value
    marks = ", ".join(["%s"] * len(ENTRY_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO ledger_entry ({', '.join(ENTRY_COLUMNS)}) VALUES ({marks})",
            [(r[0], adapt(r[1]), *r[2:]) for r in entries],
        )
        if nodes:
            cursor.executemany(
                'INSERT INTO ledger_node (level, "index", hash) VALUES (%s, %s, %s)', list(nodes)
            )


def insert_refs(refs: Sequence[RefRow]) -> None:
    """Index rows of ``payload["refs"]`` (``ledger_entryref``), in the append's transaction."""
    if not refs:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO ledger_entryref (subject_type, subject_id, seq) VALUES (%s, %s, %s)", list(refs)
        )
