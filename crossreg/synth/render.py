"""Everything a worker process does for one chunk, without Django: generate the entities, derive
the list rows, and render both as they will be written — ``COPY`` text or SQLite rows for the
database, encoded CSV bytes for the lists and the truth file — plus the chunk's counts.

The main process then only moves bytes: the per-entity CPU work runs in parallel.

Record IDs are numbered per chunk: row ``j`` (1-based) of chunk ``k`` in a department's list gets
sequence number ``k * ROW_BLOCK + j``. IDs therefore rise through the file with gaps at chunk
boundaries, as real record numbers do, and do not depend on other chunks.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from crossreg.entities.names import normalize_name
from crossreg.synth.generate import GenEntity, generate_chunk, new_state
from crossreg.synth.lists import PLANS, list_rows_for_chunk

ROW_BLOCK = 20_000
"""Record-ID block per chunk (a chunk yields at most ~10,300 rows for one department)."""

KNOWN = (
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
"""The Entity attributes the generator fills, in the order :func:`_entity_values` gives them."""

_FORM_FOLDS = (("有限责任公司", "有限公司"), ("股份有限公司", "股份公司"))
_BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")"})


def name_norm_fast(name: str) -> str:
    """``normalize_name`` for a name the generator composed (simplified characters only): the
    same folds without the traditional→simplified conversion, which costs ~100 µs a name.
    :func:`render_chunk` checks it against the real function (see ``NORM_SAMPLE``)."""
    text = unicodedata.normalize("NFKC", name).upper().translate(_BRACKETS)
    text = "".join(text.split())
    for long, short in _FORM_FOLDS:
        text = text.replace(long, short)
    return text


NORM_SAMPLE = 50
"""Chunk 0 is checked name by name; later chunks every 50th name. A disagreement anywhere in a
chunk makes the whole chunk use ``normalize_name``."""


@dataclass(frozen=True)
class Plan:
    """How to render database rows: the model's column order and the values of unknown fields."""

    vendor: str  # "postgresql" or "sqlite"
    order: tuple[int, ...]  # per column: index into KNOWN, or -1 for a field filled by default
    defaults: tuple[tuple[int, Any], ...]  # (column position, value already in the vendor's form)
    now: str
    false: Any


@dataclass
class ChunkOut:
    k: int
    entities: int
    copy_entities: str = ""  # PostgreSQL
    copy_links: str = ""
    rows_entities: list[tuple[Any, ...]] = field(default_factory=list)  # SQLite
    rows_links: list[tuple[int, str]] = field(default_factory=list)
    lists: dict[str, bytes] = field(default_factory=dict)
    list_rows: dict[str, int] = field(default_factory=dict)
    truth: bytes = b""
    by_type: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    by_county: Counter[str] = field(default_factory=Counter)
    without_uscc: int = 0
    links: int = 0
    mess: Counter[str] = field(default_factory=Counter)
    lists_per_entity: Counter[int] = field(default_factory=Counter)  # number of lists → entities
    norm_checked: int = 0
    norm_fallback: bool = False


def _pg(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    return str(value)


def _pg_column(values: list[Any]) -> list[str]:
    """A column in ``COPY`` text form: ``\\N`` for NULL, escapes only where a value needs them."""
    if all(type(v) is str for v in values):
        joined = "\x00".join(values)
        if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
            return [_pg(v) for v in values]
        return values
    return [_pg(v) for v in values]


def _norms(k: int, entities: list[GenEntity], out: ChunkOut) -> list[str]:
    norms = [name_norm_fast(e.name) for e in entities]
    step = 1 if k == 0 else NORM_SAMPLE
    for i in range(0, len(entities), step):
        out.norm_checked += 1
        if normalize_name(entities[i].name) != norms[i]:
            out.norm_fallback = True
            return [normalize_name(e.name) for e in entities]
    return norms


def render_chunk(args: tuple[int, int, int, Plan, str]) -> ChunkOut:
    """Chunk ``k`` of the city of ``seed`` with ``n`` entities, rendered for writing, with the
    lists of the named list plan (:data:`crossreg.synth.lists.PLANS`)."""
    seed, k, n, plan, plan_name = args
    list_plan = PLANS[plan_name]
    entities = generate_chunk(new_state(seed), k, n)
    out = ChunkOut(k=k, entities=len(entities))
    norms = _norms(k, entities, out)
    pg = plan.vendor == "postgresql"
    es = entities
    known: list[list[Any]] = [
        [e.id for e in es],
        [e.uscc for e in es],
        [plan.false] * len(es),
        [e.registration_no for e in es],
        [e.name for e in es],
        [x[:128] for x in norms],
        [e.name_region[:32] for e in es],
        [e.trade_name[:32] for e in es],
        [e.industry_words[:32] for e in es],
        [e.org_form[:32] for e in es],
        [e.branch[:32] for e in es],
        [e.entity_type for e in es],
        [e.industry for e in es],
        [e.township for e in es],
        [e.address for e in es],
        [e.legal_rep for e in es],
        [e.registered_on.isoformat() for e in es],
        [e.status for e in es],
        [e.lat for e in es],
        [e.lng for e in es],
        [e.credit_class for e in es],
        [plan.now] * len(es),
        [plan.now] * len(es),
    ]
    default_at = dict(plan.defaults)
    columns = [
        [default_at[pos]] * len(es) if pos in default_at else known[i] if i >= 0 else [None] * len(es)
        for pos, i in enumerate(plan.order)
    ]
    links = [(e.id, d) for e in es for d in e.domains]
    out.links = len(links)
    if pg:
        text_columns = [_pg_column(col) for col in columns]
        out.copy_entities = "".join(f"{line}\n" for line in map("\t".join, zip(*text_columns, strict=True)))
        out.copy_links = "".join(f"{i}\t{d}\n" for i, d in links)
    else:
        out.rows_entities = list(zip(*columns, strict=True))
        out.rows_links = links
    out.by_type.update(e.entity_type for e in es)
    out.by_status.update(e.status for e in es)
    out.by_county.update(e.county for e in es)
    out.without_uscc = sum(1 for e in es if e.uscc is None)

    rows = list_rows_for_chunk(seed, k, entities, list_plan)
    truth = io.StringIO()
    truth_writer = csv.writer(truth, lineterminator="\n")
    per_entity: Counter[int] = Counter()
    for spec in list_plan.specs:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        dept_rows = rows[spec.department]
        seen: set[int] = set()
        for j, lrow in enumerate(dept_rows, start=1):
            row_id = spec.row_id(k * ROW_BLOCK + j, lrow.entity)
            writer.writerow([row_id if f == "row_id" else lrow.values.get(f, "") for _, f in spec.columns])
            truth_writer.writerow(
                (
                    spec.department,
                    spec.filename,
                    row_id,
                    lrow.entity.id,
                    lrow.entity.uscc or "",
                    ";".join(lrow.mess),
                )
            )
            out.mess.update(lrow.mess)
            if lrow.entity.id not in seen:
                seen.add(lrow.entity.id)
                per_entity[lrow.entity.id] += 1
        encoding = "utf-8" if spec.encoding == "utf-8-sig" else spec.encoding  # BOM only at file start
        out.lists[spec.department] = buf.getvalue().encode(encoding)
        out.list_rows[spec.department] = len(dept_rows)
    out.truth = truth.getvalue().encode("utf-8")
    out.lists_per_entity = Counter(per_entity.values())
    out.lists_per_entity[0] = len(entities) - len(per_entity)
    return out
