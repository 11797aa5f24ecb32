"""Bulk loading of rendered chunks: PostgreSQL ``COPY`` (psycopg 3) or SQLite ``executemany``.

The column list comes from the model (``Entity._meta.concrete_fields``), so a field added later
with a default is filled with that default; a new required field without one stops the load with
a message naming it. The rows themselves are rendered in the worker processes
(:mod:`crossreg.synth.render`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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
        if pg:
            self._drop_secondary_indexes()
        else:
            with connection.cursor() as cursor:
                # A bigger page cache for this connection: index inserts of a million random names
                # otherwise thrash SQLite's default 2 MB cache.
                cursor.execute("PRAGMA cache_size = -262144")

    def load(self, chunk: ChunkOut) -> None:
        if self.vendor == "postgresql":
            self._copy(self.table, self.columns, chunk.copy_entities)
            self._copy(self.m2m_table, self.m2m_columns, chunk.copy_links)
        else:
            self._executemany(self.table, self.columns, chunk.rows_entities)
            self._executemany(self.m2m_table, self.m2m_columns, chunk.rows_links)
        self.rows += chunk.entities
        self.links += chunk.links

    def _copy(self, table: str, columns: list[str], text: str) -> None:
        if not text:
            return
        qn = connection.ops.quote_name
        sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor behind Django's wrapper
            with raw.copy(sql) as copy:
                copy.write(text.encode())

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
        constraint) for the load; :meth:`finish` re-creates them from their saved definitions.

        This runs inside the seed's transaction (PostgreSQL DDL is transactional): if the seed
        fails, the rollback brings the indexes back, and no other session ever sees the tables
        without them. Building an index once over a million rows is far cheaper than maintaining
        it row by row (the trigram index most of all). Primary keys and unique constraints stay.
        """
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                "AND i.tablename IN (%s, %s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conname = i.indexname) ORDER BY i.tablename, i.indexname",
                [self.table, self.m2m_table],
            )
            found = cursor.fetchall()
            for name, definition in found:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                self.dropped_indexes.append(definition)

    def finish(self) -> None:
        """Re-create dropped indexes; move the id sequence past the explicit ids (PostgreSQL;
        SQLite's AUTOINCREMENT follows)."""
        if self.vendor == "postgresql" and self.dropped_indexes:
            with connection.cursor() as cursor:
                # The deferred foreign-key checks of the loaded rows are pending until commit, and
                # PostgreSQL builds no index on a table with pending trigger events: run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for definition in self.dropped_indexes:
                    cursor.execute(definition)
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            self.dropped_indexes = []
        if self.vendor == "postgresql" and self.rows:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM "
                    + connection.ops.quote_name(self.table)
                    + "))",
                    [self.table],
                )
