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


def _field_values(
    e: GenEntity, name_norm: str, now: dt.datetime
) -> dict[str, Any]:  # attname → value for the fields the generator knows
    return {
        "id": e.id,
        "uscc": e.uscc,
        "uscc_orgcode_warning": False,
        "registration_no": e.registration_no,
        "name": e.name,
        "name_norm": name_norm,
        "name_region": e.name_region[:32],
        "trade_name": e.trade_name[:32],
        "industry_words": e.industry_words[:32],
        "org_form": e.org_form[:32],
        "branch": e.branch[:32],
        "entity_type": e.entity_type,
        "industry_id": e.industry,
        "division_id": e.township,
        "address": e.address,
        "legal_rep": e.legal_rep,
        "registered_on": e.registered_on,
        "status": e.status,
        "lat": e.lat,
        "lng": e.lng,
        "credit_class": e.credit_class,
        "created_at": now,
        "updated_at": now,
    }


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
        known = set(_field_values(_PROBE, "", self.now))
        self.defaults: dict[str, Any] = {}
        for f in self.fields:
            if f.attname in known:
                continue
            if f.has_default():
                self.defaults[f.attname] = f.get_default()
            elif f.null:
                self.defaults[f.attname] = None
            else:
                raise RuntimeError(
                    f"Entity.{f.name} is required and has no default: teach crossreg.synth.load about it"
                )
        self.rows = 0
        self.links = 0

    def _records(self, chunk: list[GenEntity]) -> Iterable[list[Any]]:
        for e in chunk:
            values = _field_values(e, self.normaliser(e.name, e.id - 1), self.now)
            values.update(self.defaults)
            yield [values[f.attname] for f in self.fields]

    def load(self, chunk: list[GenEntity]) -> None:
        links = [(e.id, d) for e in chunk for d in e.domains]
        if self.vendor == "postgresql":
            self._copy(self.table, self.columns, self._records(chunk))
            self._copy(self.m2m_table, self.m2m_columns, links)
        else:
            self._executemany(self.table, self.columns, (self._sqlite_row(r) for r in self._records(chunk)))
            self._executemany(self.m2m_table, self.m2m_columns, links)
        self.rows += len(chunk)
        self.links += len(links)

    # --- PostgreSQL -----------------------------------------------------------------------------

    def _copy(self, table: str, columns: list[str], rows: Iterable[Iterable[Any]]) -> None:
        qn = connection.ops.quote_name
        sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
        text = "".join("\t".join(_pg_text(v) for v in row) + "\n" for row in rows)
        if not text:
            return
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor behind Django's wrapper
            with raw.copy(sql) as copy:
                copy.write(text.encode())

    # --- SQLite ---------------------------------------------------------------------------------

    @staticmethod
    def _sqlite_row(row: list[Any]) -> list[Any]:
        out: list[Any] = []
        for v in row:
            if isinstance(v, dt.datetime):
                out.append(v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" "))
            elif isinstance(v, dt.date):
                out.append(v.isoformat())
            elif isinstance(v, bool):
                out.append(int(v))
            else:
                out.append(v)
        return out

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


_PROBE = GenEntity(
    0, None, "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", 0, "", "", "", "",
    dt.date(2000, 1, 1), "", 0.0, 0.0, (), "",
)  # fmt: skip
