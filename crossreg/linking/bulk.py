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
