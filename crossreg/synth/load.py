"""Bulk loading of synthetic entities: PostgreSQL ``COPY`` (psycopg 3) or SQLite ``executemany``.

The column list comes from the model (``Entity._meta.concrete_fields``), so a field added later
with a default is filled with that default; a new required field without one stops the load with
a message naming it.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Field

from crossreg.entities.models import Entity
from crossreg.entities.names import normalize_name
from crossreg.synth.generate import GenEntity

_FORM_FOLDS = (("有限责任公司", "有限公司"), ("股份有限公司", "股份公司"))
_BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")"})


def name_norm_fast(name: str) -> str:
    """``normalize_name`` for a name the generator composed (simplified characters only): the
    same folds without the traditional→simplified conversion, which costs ~100 µs a name.

    :class:`NameNormaliser` checks it against the real function and falls back if they disagree.
    """
    text = unicodedata.normalize("NFKC", name).upper().translate(_BRACKETS)
    text = "".join(text.split())
    for long, short in _FORM_FOLDS:
        text = text.replace(long, short)
    return text


class NameNormaliser:
    """``name_norm`` for generated names: the fast path, checked against
    :func:`crossreg.entities.names.normalize_name` on every name of the first chunk and on one
    name in :data:`SAMPLE` after that. On any disagreement it uses the real function from then on
    (and ``fallback`` says so)."""

    SAMPLE = 50

    def __init__(self) -> None:
        self.checked = 0
        self.fallback = False

    def __call__(self, name: str, index: int) -> str:
        if self.fallback:
            return normalize_name(name)[:128]
        fast = name_norm_fast(name)
        if index < 10_000 or index % self.SAMPLE == 0:
            self.checked += 1
            real = normalize_name(name)
            if real != fast:
                self.fallback = True
                return real[:128]
        return fast[:128]


_KNOWN = (
    "id",
    "uscc",
    "uscc_orgcode_warning",
    "registration_no",
    "name",
    "name_norm",
    "name_region",
    "trade_name",
    "industry_words",
    "org_form",
    "branch",
    "entity_type",
    "industry_id",
    "division_id",
    "address",
    "legal_rep",
    "registered_on",
    "status",
    "lat",
    "lng",
    "credit_class",
    "created_at",
    "updated_at",
)
"""The Entity attributes the generator fills, in the order :meth:`EntityLoader._records` builds them."""


class EntityLoader:
    """Writes chunks of generated entities and their key-domain links into the database."""

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
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.normaliser = NameNormaliser()
        known = set(_KNOWN)
        self.order = [_KNOWN.index(f.attname) if f.attname in known else -1 for f in self.fields]
        if self.vendor == "postgresql":
            self.now_text = self.now.isoformat()
            self.false: Any = "f"
        else:
            self.now_text = self.now.replace(tzinfo=None).isoformat(" ")
            self.false = 0
        self.defaults: dict[str, Any] = {}
        for f in self.fields:
            if f.attname in known:
                continue
            if f.has_default():
                default = f.get_default()
                if self.vendor != "postgresql" and isinstance(default, bool | dt.date):
                    default = int(default) if isinstance(default, bool) else default.isoformat()
                self.defaults[f.attname] = default
            elif f.null:
                self.defaults[f.attname] = None
            else:
                raise RuntimeError(
                    f"Entity.{f.name} is required and has no default: teach crossreg.synth.load about it"
                )
        self.rows = 0
        self.links = 0
        if self.vendor == "sqlite":
            with connection.cursor() as cursor:
                # A bigger page cache for this connection: index inserts of a million random names
                # otherwise thrash SQLite's default 2 MB cache.
                cursor.execute("PRAGMA cache_size = -262144")

    def _records(self, chunk: list[GenEntity]) -> list[list[Any]]:
        """Rows in column order, with dates and times already as text (both backends accept it)."""
        now = self.now_text
        false = self.false
        defaults = [
            (i, self.defaults[f.attname]) for i, f in enumerate(self.fields) if f.attname in self.defaults
        ]
        order = self.order
        normaliser = self.normaliser
        out = []
        for e in chunk:
            values = (
                e.id,
                e.uscc,
                false,
                e.registration_no,
                e.name,
                normaliser(e.name, e.id - 1),
                e.name_region[:32],
                e.trade_name[:32],
                e.industry_words[:32],
                e.org_form[:32],
                e.branch[:32],
                e.entity_type,
                e.industry,
                e.township,
                e.address,
                e.legal_rep,
                e.registered_on.isoformat(),
                e.status,
                e.lat,
                e.lng,
                e.credit_class,
                now,
                now,
            )
            row = [values[i] if i >= 0 else None for i in order]
            for i, value in defaults:
                row[i] = value
            out.append(row)
        return out

    def load(self, chunk: list[GenEntity]) -> None:
        links = [(e.id, d) for e in chunk for d in e.domains]
        rows = self._records(chunk)
        if self.vendor == "postgresql":
            self._copy(self.table, self.columns, rows)
            self._copy(self.m2m_table, self.m2m_columns, links)
        else:
            self._executemany(self.table, self.columns, rows)
            self._executemany(self.m2m_table, self.m2m_columns, links)
        self.rows += len(chunk)
        self.links += len(links)

    # --- PostgreSQL -----------------------------------------------------------------------------

    def _copy(self, table: str, columns: list[str], rows: Iterable[Iterable[Any]]) -> None:
        qn = connection.ops.quote_name
        sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
        text = "".join(["\t".join([_pg_text(v) for v in row]) + "\n" for row in rows])
        if not text:
            return
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor behind Django's wrapper
            with raw.copy(sql) as copy:
                copy.write(text.encode())

    # --- SQLite ---------------------------------------------------------------------------------

    def _executemany(self, table: str, columns: list[str], rows: Iterable[Iterable[Any]]) -> None:
        qn = connection.ops.quote_name
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES ({marks})"
        connection.ensure_connection()
        raw = connection.connection
        assert raw is not None
        raw.executemany(sql, rows)

    def finish(self) -> None:
        """Move the id sequence past the explicit ids (PostgreSQL; SQLite's AUTOINCREMENT follows)."""
        if self.vendor == "postgresql" and self.rows:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM "
                    + connection.ops.quote_name(self.table)
                    + "))",
                    [self.table],
                )


def _pg_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)
