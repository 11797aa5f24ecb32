"""Set-based reads and writes of whole frames (millions of rows) on PostgreSQL and SQLite.

PostgreSQL: ``COPY … FROM STDIN`` / ``COPY (…) TO STDOUT`` in CSV through psycopg 3's
``cursor.copy``. SQLite: ``executemany`` on the raw connection in large batches and ``fetchmany``
into polars frames chunk by chunk, so that no Python list of millions of rows is ever built.

Everything runs on Django's connection, inside the caller's transaction. Staging tables are
``TEMPORARY`` (per connection; dropped by :func:`staged`).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import polars as pl
from django.db import connection

CHUNK = 50_000

_PG_TYPES: dict[Any, str] = {
    pl.Int64: "bigint",
    pl.Int32: "integer",
    pl.UInt32: "bigint",
    pl.Float64: "double precision",
    pl.Boolean: "boolean",
    pl.Utf8: "text",
}


def is_pg() -> bool:
    return connection.vendor == "postgresql"


def db_time(now: datetime) -> str:
    """A timestamp as the backend stores it (SQLite: Django's naive UTC text; PostgreSQL: ISO)."""
    utc = now.astimezone(UTC)
    return utc.isoformat() if is_pg() else utc.replace(tzinfo=None).isoformat(" ")


def _qn(name: str) -> str:
    return str(connection.ops.quote_name(name))


def insert_frame(table: str, frame: pl.DataFrame) -> int:
    """Insert every row of ``frame`` into ``table`` (columns by name). Values must be ready for the
    database: strings, numbers, booleans, nulls (timestamps as :func:`db_time` text)."""
    if frame.height == 0:
        return 0
    cols = ", ".join(_qn(c) for c in frame.columns)
    if is_pg():
        with connection.cursor() as cur:
            raw = cur.cursor  # the psycopg cursor behind Django's wrapper
            sql = f"COPY {_qn(table)} ({cols}) FROM STDIN (FORMAT csv, NULL '\\N')"
            with raw.copy(sql) as copy:
                for start in range(0, frame.height, 200_000):
                    buf = io.BytesIO()
                    frame.slice(start, 200_000).write_csv(
                        buf, include_header=False, null_value="\\N", quote_style="necessary"
                    )
                    copy.write(buf.getvalue())
        return frame.height
    connection.ensure_connection()
    sqlite = connection.connection
    assert sqlite is not None
    marks = ", ".join("?" for _ in frame.columns)
    sql = f"INSERT INTO {_qn(table)} ({cols}) VALUES ({marks})"
    for start in range(0, frame.height, CHUNK):
        sqlite.executemany(sql, frame.slice(start, CHUNK).iter_rows())
    return frame.height


def fetch_frame(sql: str, params: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """Run a SELECT and return its rows as a frame with ``schema`` (names and polars types, in
    the SELECT's order)."""
    if is_pg():
        with connection.cursor() as cur:
            raw = cur.cursor
            buf = io.BytesIO()
            with raw.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params or None) as copy:
                for block in copy:
                    buf.write(block)
        if buf.tell() == 0:
            return pl.DataFrame(schema=schema)
        buf.seek(0)
        # PostgreSQL's CSV writes NULL as an empty field and '' as "": polars reads them back apart.
        # Booleans come as t/f.
        read = {c: pl.Utf8 if t == pl.Boolean else t for c, t in schema.items()}
        frame = pl.read_csv(buf, has_header=False, schema=read)
        return frame.with_columns([(pl.col(c) == "t").alias(c) for c, t in schema.items() if t == pl.Boolean])
    frames = []
    with connection.cursor() as cur:
        cur.execute(sql, params)
        while rows := cur.fetchmany(CHUNK):
            frames.append(pl.DataFrame(rows, schema=schema, orient="row"))
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames)


@contextlib.contextmanager
def staged(name: str, frame: pl.DataFrame, *, key: str | None = None) -> Iterator[str]:
    """A temporary table holding ``frame`` (column types from the frame), dropped afterwards."""
    defs = []
    for col, dtype in frame.schema.items():
        sql_type = _PG_TYPES.get(dtype.base_type(), "text")
        defs.append(f"{_qn(col)} {sql_type}{' PRIMARY KEY' if col == key else ''}")
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {_qn(name)}")
        cur.execute(f"CREATE TEMPORARY TABLE {_qn(name)} ({', '.join(defs)})")
    try:
        insert_frame(name, frame)
        if is_pg():
            with connection.cursor() as cur:
                cur.execute(f"ANALYZE {_qn(name)}")
        yield name
    finally:
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {_qn(name)}")


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    """Run one statement; the number of rows it touched."""
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return int(cur.rowcount or 0)


BULK_MIN_ROWS = 200_000
"""A write of at least this many rows, and at least :data:`BULK_MIN_SHARE` of the table, is done
without the table's secondary indexes and foreign keys on PostgreSQL (see :func:`bulk_write`)."""
BULK_MIN_SHARE = 0.3


@contextlib.contextmanager
def bulk_write(table: str, rows: int) -> Iterator[None]:
    """Around a write of ``rows`` rows into ``table``: on PostgreSQL, when the write is large
    (:data:`BULK_MIN_ROWS`, :data:`BULK_MIN_SHARE` of the table), drop the table's secondary indexes
    (those backing no constraint) and its foreign keys, and re-create them afterwards.

    Maintaining five indexes and queueing a deferred foreign-key check for each of millions of rows
    costs several times the write itself; building an index once and validating a foreign key with
    one join is cheap. DDL is transactional in PostgreSQL: if the write fails, the rollback brings
    everything back. The table is locked against readers until the transaction commits, which a
    full relink or a city-sized import may do (the same trade as the seed's bulk load)."""
    if not is_pg() or rows < BULK_MIN_ROWS:
        yield
        return
    with connection.cursor() as cur:
        cur.execute("SELECT reltuples FROM pg_class WHERE oid = CAST(%s AS regclass)", [table])
        found = cur.fetchone()
        estimate = max(float(found[0]) if found else 0.0, 0.0)
        if estimate and rows < BULK_MIN_SHARE * estimate:
            yield
            return
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) "
            "ORDER BY i.indexname",
            [table],
        )
        indexes = cur.fetchall()
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(%s AS regclass) AND contype = 'f' ORDER BY conname",
            [table],
        )
        fkeys = cur.fetchall()
        # Dropping a foreign key alters the referenced table too, which PostgreSQL refuses while
        # deferred checks are queued: run them now, then defer again (Django's default).
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        for name, _ in fkeys:
            cur.execute(f"ALTER TABLE {_qn(table)} DROP CONSTRAINT {_qn(name)}")
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {_qn(name)}")
    yield
    with connection.cursor() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cur.execute(definition)
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        for name, definition in fkeys:
            cur.execute(f"ALTER TABLE {_qn(table)} ADD CONSTRAINT {_qn(name)} {definition}")
        cur.execute(f"ANALYZE {_qn(table)}")
