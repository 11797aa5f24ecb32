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
import gc
import io
import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from crossreg.entities.names import normalize_name
from crossreg.synth.generate import GenEntity, generate_chunk, new_state
from crossreg.synth.lists import PLANS, ChunkEntities, ListPlan, lists_for_chunk

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
    copy_entities: bytes = b""  # PostgreSQL COPY text, encoded
    copy_links: bytes = b""
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


PARTS = ("all", "entities", "lists")
"""What :func:`render_chunk` renders: everything, only the database rows, or only the lists."""


def render_chunk(args: tuple[int, int, int, Plan, str] | tuple[int, int, int, Plan, str, str]) -> ChunkOut:
    """Chunk ``k`` of the city of ``seed`` with ``n`` entities, rendered for writing, with the
    lists of the named list plan (:data:`crossreg.synth.lists.PLANS`); the optional sixth element
    is the part to render (:data:`PARTS`, default everything)."""
    seed, k, n, plan, plan_name = args[:5]
    part = args[5] if len(args) > 5 else "all"
    # A chunk allocates a few hundred thousand tuples and lists and frees them all at the end; the
    # cyclic garbage collector, triggered every few hundred allocations, only rescans them (about
    # a fifth of the chunk's CPU time), and nothing here makes reference cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        entities = generate_chunk(new_state(seed), k, n)
        out = ChunkOut(k=k, entities=len(entities))
        if part in ("all", "entities"):
            _render_entities(k, entities, plan, out)
        if part in ("all", "lists"):
            _render_lists(seed, k, entities, PLANS[plan_name], out)
    finally:
        if collecting:
            gc.enable()
    return out


def _render_entities(k: int, es: list[GenEntity], plan: Plan, out: ChunkOut) -> None:
    norms = _norms(k, es, out)
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
    if plan.vendor == "postgresql":
        text_columns = [_pg_column(col) for col in columns]
        out.copy_entities = "".join(
            f"{line}\n" for line in map("\t".join, zip(*text_columns, strict=True))
        ).encode()
        out.copy_links = "".join(f"{i}\t{d}\n" for i, d in links).encode()
    else:
        out.rows_entities = list(zip(*columns, strict=True))
        out.rows_links = links
    out.by_type.update(e.entity_type for e in es)
    out.by_status.update(e.status for e in es)
    out.by_county.update(e.county for e in es)
    out.without_uscc = sum(1 for e in es if e.uscc is None)


def _render_lists(seed: int, k: int, entities: list[GenEntity], list_plan: ListPlan, out: ChunkOut) -> None:
    per_entity = np.zeros(len(entities), dtype=np.int64)
    truth_columns: list[list[str]] = [[], [], [], [], [], []]
    ids = [str(e.id) for e in entities]
    usccs = [e.uscc or "" for e in entities]
    for dept in lists_for_chunk(seed, k, ChunkEntities(entities), list_plan):
        spec = dept.spec
        positions = dept.rows.positions
        encoding = "utf-8" if spec.encoding == "utf-8-sig" else spec.encoding  # BOM only at file start
        out.lists[spec.department] = csv_text(dept.csv_columns(), "\r\n").encode(encoding)
        out.list_rows[spec.department] = len(positions)
        for column, values in zip(
            truth_columns,
            (
                [spec.department] * len(positions),
                [spec.filename] * len(positions),
                dept.values["row_id"],
                [ids[i] for i in positions],
                [usccs[i] for i in positions],
                [";".join(kinds) for kinds in dept.mess],
            ),
            strict=True,
        ):
            column.extend(values)
        out.mess.update(itertools.chain.from_iterable(dept.mess))
        per_entity[np.unique(np.asarray(positions, dtype=np.int64))] += 1
    out.truth = csv_text(truth_columns, "\n").encode("utf-8")
    out.lists_per_entity = Counter(dict(enumerate(np.bincount(per_entity, minlength=1).tolist())))


_CSV_SPECIAL = re.compile(r'[,"\r\n]')


def csv_text(columns: list[list[str]], newline: str) -> str:
    """Rows given column by column, as CSV text with the ``csv`` module's minimal quoting.

    Generated values seldom need quoting: when no value of any column holds a comma, a quote or a
    line break, the rows are joined directly (2–3× faster than ``csv.writer``, same bytes);
    otherwise ``csv.writer`` writes them."""
    if not columns or not columns[0]:
        return ""
    if not any(_CSV_SPECIAL.search("\x00".join(col)) for col in columns):  # (all values are str)
        return newline.join(map(",".join, zip(*columns, strict=True))) + newline
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline).writerows(zip(*columns, strict=True))
    return buf.getvalue()
