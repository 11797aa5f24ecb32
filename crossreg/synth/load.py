"""Bulk loading of rendered chunks: PostgreSQL ``COPY`` (psycopg 3) or SQLite ``executemany``.

The column list comes from the model (``Entity._meta.concrete_fields``), so a field added later
with a default is filled with that default; a new required field without one stops the load with
a message naming it. The rows themselves are rendered in the worker processes
(:mod:`crossreg.synth.render`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.db import connection
from django.db.models import Field

from crossreg.entities.models import Entity
from crossreg.synth.render import KNOWN, ChunkOut, Plan


class EntityLoader:
    """Writes rendered chunks of entities and their key-domain links into the database."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.table = Entity._meta.db_table
        self.fields: list[Field] = list(Entity._meta.concrete_fields)
        self.columns = [str(f.column) for f in self.fields]
        through = Entity.key_domains.through
        self.m2m_table = through._meta.db_table
        self.m2m_columns = [
            str(through._meta.get_field("entity").column),
            str(through._meta.get_field("domain").column),
        ]
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        pg = self.vendor == "postgresql"
        defaults: list[tuple[int, Any]] = []
        for i, f in enumerate(self.fields):
            if f.attname in KNOWN:
                continue
            if f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            else:
                raise RuntimeError(
                    f"Entity.{f.name} is required and has no default: teach crossreg.synth.render about it"
                )
            if isinstance(value, bool):
                value = ("t" if value else "f") if pg else int(value)
            elif isinstance(value, dt.date):
                value = value.isoformat()
            elif pg and value is not None:
                value = str(value)
            defaults.append((i, value))
        self.plan = Plan(
            vendor="postgresql" if pg else "sqlite",
            order=tuple(KNOWN.index(f.attname) if f.attname in KNOWN else -1 for f in self.fields),
            defaults=tuple(defaults),
            now=now.isoformat() if pg else now.replace(tzinfo=None).isoformat(" "),
            false="f" if pg else 0,
        )
        self.rows = 0
        self.links = 0
        self.dropped_indexes: list[str] = []
        self.dropped_uniques: list[str] = []
        self.dropped_foreign_keys: list[str] = []
        if pg:
            self._drop_secondary_indexes()
        else:
            with connection.cursor() as cursor:
                # A bigger page cache for this connection: index inserts of a million random names
                # otherwise thrash SQLite's default 2 MB cache.
                cursor.execute("PRAGMA cache_size = -262144")
                # As on PostgreSQL, the explicit indexes are built once after the load (SQLite DDL
                # is transactional too); the automatic ones behind inline UNIQUE/PRIMARY KEY stay.
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                    "AND tbl_name IN (%s, %s) ORDER BY tbl_name, name",
                    [self.table, self.m2m_table],
                )
                for name, definition in cursor.fetchall():
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                    self.dropped_indexes.append(definition)

    def load(self, chunk: ChunkOut) -> None:
        if self.vendor == "postgresql":
            self._copy(self.table, self.columns, chunk.copy_entities)
            self._copy(self.m2m_table, self.m2m_columns, chunk.copy_links)
        else:
            self._executemany(self.table, self.columns, chunk.rows_entities)
            self._executemany(self.m2m_table, self.m2m_columns, chunk.rows_links)
        self.rows += chunk.entities
        self.links += chunk.links

    def _copy(self, table: str, columns: list[str], text: bytes) -> None:
        if not text:
            return
        qn = connection.ops.quote_name
        sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor behind Django's wrapper
            with raw.copy(sql) as copy:
                copy.write(text)

    def _executemany(self, table: str, columns: list[str], rows: Iterable[Iterable[Any]]) -> None:
        qn = connection.ops.quote_name
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES ({marks})"
        connection.ensure_connection()
        raw = connection.connection
        assert raw is not None
        raw.executemany(sql, rows)

    def _drop_secondary_indexes(self) -> None:
        """Drop the tables' secondary indexes (the trigram GIN index and the B-trees that back no
        constraint), their foreign keys and their unique constraints for the load; :meth:`finish`
        re-creates them from their saved definitions.

        This runs inside the seed's transaction (PostgreSQL DDL is transactional): if the seed
        fails, the rollback brings them back, and no other session ever sees the tables without
        them. Building an index once over a million rows is far cheaper than maintaining it row by
        row (the trigram index most of all), and a foreign key added to a filled table is checked
        by one join instead of one trigger call per row (with the keys in place, the deferred
        checks of 1,000,000 entities and their ~3,000,000 key-domain links took longer than the
        load itself). Primary keys stay, and so do unique constraints that a foreign key uses.
        """
        tables = [self.table, self.m2m_table]
        with connection.cursor() as cursor:
            # Dropping a foreign key alters the referenced table too, which PostgreSQL refuses
            # while that table has pending (deferred) trigger events: check them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(
                "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype "
                "FROM pg_constraint c WHERE c.conrelid IN (%s::regclass, %s::regclass) "
                "AND c.contype IN ('f', 'u') AND NOT EXISTS (SELECT 1 FROM pg_constraint r "
                "WHERE c.contype = 'u' AND r.contype = 'f' AND r.conindid = c.conindid) "
                "ORDER BY c.contype, 1, 2",
                tables,
            )
            constraints = cursor.fetchall()
            qn = connection.ops.quote_name
            for table, name, definition, kind in constraints:  # foreign keys first
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {qn(name)}")
                (self.dropped_foreign_keys if kind == "f" else self.dropped_uniques).append(
                    f"ALTER TABLE {table} ADD CONSTRAINT {qn(name)} {definition}"
                )
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                "AND i.tablename IN (%s, %s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conname = i.indexname) ORDER BY i.tablename, i.indexname",
                tables,
            )
            found = cursor.fetchall()
            for name, definition in found:
                cursor.execute(f"DROP INDEX {qn(name)}")
                self.dropped_indexes.append(definition)

    def _finish_sql(self) -> list[str]:
        if self.vendor != "postgresql":
            rebuild, self.dropped_indexes = self.dropped_indexes, []
            return rebuild
        sql: list[str] = []
        statements = [*self.dropped_uniques, *self.dropped_indexes, *self.dropped_foreign_keys]
        if statements:
            # Deferred foreign-key checks pending on these tables (a --reset's deletions) must
            # run first: PostgreSQL builds no index on a table with pending trigger events.
            sql += ["SET CONSTRAINTS ALL IMMEDIATE", "SET LOCAL maintenance_work_mem = '1GB'"]
            sql += statements
            sql += ["SET CONSTRAINTS ALL DEFERRED"]
        self.dropped_indexes, self.dropped_uniques, self.dropped_foreign_keys = [], [], []
        if self.rows:
            qn = connection.ops.quote_name
            sql.append(
                f"SELECT setval(pg_get_serial_sequence('{qn(self.table)}', 'id'), "
                f"(SELECT MAX(id) FROM {qn(self.table)}))"
            )
        return sql

    def finish(self) -> None:
        """Re-create dropped constraints and indexes; move the id sequence past the explicit ids
        (PostgreSQL; SQLite's AUTOINCREMENT follows)."""
        with connection.cursor() as cursor:
            for sql in self._finish_sql():
                cursor.execute(sql)

    def finish_in_background(self) -> Future[None]:
        """:meth:`finish` in a thread, on the same connection (psycopg connections are
        thread-safe), so that the caller can write the lists while PostgreSQL builds the indexes.
        The caller must not use the database until the returned future is done."""
        statements = self._finish_sql()
        connection.ensure_connection()
        raw = connection.connection
        assert raw is not None

        def run() -> None:
            with raw.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)

        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-indexes")
        try:
            return pool.submit(run)
        finally:
            pool.shutdown(wait=False)
