"""Writes of the supervision-object base. Keyword-only, atomic, audited (one ledger entry per batch).

- :func:`source_list_import` — a department's list (file or API push) becomes the department's
  current snapshot; rows are standardised, new and changed rows are linked incrementally, vanished
  rows are marked *left*, and base membership is recomputed. All or nothing.
- :func:`linking_relink` — the whole city relinked with the active model (or a newly trained one);
  human decisions override the model.
- :func:`review_pair_decide`, :func:`entity_split` — clerical review.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from crossreg.core.audit import audit_record
from crossreg.core.errors import Conflict, Forbidden, Invalid, ProblemList
from crossreg.entities.models import Entity
from crossreg.linking import bulk, engine
from crossreg.linking import standardise as std
from crossreg.linking.models import (
    BaseMembershipEvent,
    EntityLinkState,
    EntityRelation,
    LinkModel,
    ReviewPair,
    SourceList,
    SourceRecord,
)
from crossreg.orgs.models import Department, Division, Domain, User
from crossreg.orgs.permissions import Capability, user_can

logger = logging.getLogger(__name__)

Actor = User | str

RECORD_STD_FIELDS = (
    "uscc_raw",
    "uscc_norm",
    "uscc",
    "uscc_valid",
    "registration_no",
    "orgcode",
    "name",
    "name_norm",
    "name_region",
    "trade_name",
    "industry_words",
    "org_form",
    "branch",
    "division_code",
    "county",
    "address",
    "address_core",
    "legal_rep",
    "phone",
)


def thresholds() -> tuple[float, float]:
    """(auto-link threshold, review threshold) on the match probability: configuration, with defaults."""
    conf = getattr(settings, "CROSSREG", {})
    return (
        float(conf.get("LINKING_THRESHOLD_MATCH", engine.DEFAULT_THRESHOLD_MATCH)),
        float(conf.get("LINKING_THRESHOLD_REVIEW", engine.DEFAULT_THRESHOLD_REVIEW)),
    )


def _var_dir() -> Path:
    path = Path(getattr(settings, "VAR_DIR", "var")) / "linking"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _actor_user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _check_import_permission(actor: Actor, department: Department) -> None:
    if isinstance(actor, str):
        return  # a system actor (command line, API token checked by the caller)
    if not user_can(actor, Capability.EDIT_ENTITY, department):
        raise Forbidden(
            f"you may not import lists for {department.name}", field="department", code="forbidden"
        )


def can_review(user: Any) -> bool:
    """Clerical review is the big-data bureau's (数据标准) and the administrators' work."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.role in (User.Role.BIGDATA, User.Role.ADMIN))


# ---------------------------------------------------------------------------------------------
# Gazetteer and node frames
# ---------------------------------------------------------------------------------------------


def division_gazetteer() -> list[tuple[str, str]]:
    return std.division_gazetteer(Division.objects.values_list("name", "code"))


REGISTRY_CACHE_MIN = 50_000
"""Smaller registries are standardised afresh each time (a second or two); no cache file."""

REGISTRY_CACHE_VERSION = 1
"""Bump when the registry's node columns are computed differently (the cache is then rebuilt)."""


def _registry_cache_path(gz: list[tuple[str, str]]) -> Path:
    """The cache file of the standardised registry: one per database, gazetteer and
    standardisation code."""
    db = connection.settings_dict
    where = f"{connection.vendor}|{db.get('HOST')}|{db.get('PORT')}|{db.get('NAME')}"
    basis = hashlib.sha1(f"{REGISTRY_CACHE_VERSION}|{where}|{gz!r}".encode())
    basis.update(Path(std.__file__).read_bytes())
    return _var_dir() / f"registry-nodes-{basis.hexdigest()[:16]}.parquet"


def _standardise_registry(df: pl.DataFrame, gz: list[tuple[str, str]]) -> pl.DataFrame:
    df = df.with_columns(pl.coalesce(pl.col("uscc_raw"), pl.col("regno"), pl.lit("")).alias("uscc_raw"))
    df = std.standardise(df.with_columns(pl.lit("").alias("phone")), gz)
    # The registry's own division is authoritative.
    df = df.with_columns(
        pl.when(pl.col("division_id").is_not_null())
        .then(pl.col("division_id").str.slice(0, 6))
        .otherwise(pl.col("county"))
        .alias("county"),
        pl.when(pl.col("regno").fill_null("").str.len_chars() == 15)
        .then(pl.col("regno"))
        .otherwise(pl.col("registration_no"))
        .alias("registration_no"),
        (-pl.col("id")).alias("rid"),
        pl.col("id").alias("anchor"),
        pl.lit(engine.REGISTRY).alias("source"),
        pl.col("address_core").alias("address_norm"),
    )
    return pl.concat([df.select("id", "stamp"), engine.nodes_frame(df)], how="horizontal")


def registry_nodes(gazetteer: list[tuple[str, str]] | None = None, *, cache: bool = True) -> pl.DataFrame:
    """Every registry entity as a linking node: ``rid`` = −id, ``anchor`` = id.

    Standardising a million registry names and addresses takes about a minute, so the result is
    kept in ``var/linking/registry-nodes-*.parquet`` with each entity's ``updated_at``; later calls
    standardise only the entities added or changed since (the cache is only ever a copy: rows whose
    id and ``updated_at`` no longer match the database are dropped)."""
    gz = gazetteer if gazetteer is not None else division_gazetteer()
    table = Entity._meta.db_table
    columns = {
        "id": pl.Int64,
        "uscc_raw": pl.Utf8,
        "regno": pl.Utf8,
        "name": pl.Utf8,
        "address": pl.Utf8,
        "legal_rep": pl.Utf8,
        "division_id": pl.Utf8,
        "stamp": pl.Utf8,
    }
    select = f"SELECT e.id, e.uscc, e.registration_no, e.name, e.address, e.legal_rep, e.division_id, CAST(e.updated_at AS text) FROM {table} AS e"
    total, latest = bulk.fetch_frame(
        f"SELECT COUNT(*), MAX(CAST(updated_at AS text)) FROM {table}", [], {"n": pl.Int64, "latest": pl.Utf8}
    ).row(0)
    cache = cache and total >= REGISTRY_CACHE_MIN
    path = _registry_cache_path(gz)
    cached = None
    if cache and path.exists():
        try:
            cached = pl.read_parquet(path)
        except (OSError, pl.exceptions.PolarsError):
            cached = None
    if cached is None:
        fresh = bulk.fetch_frame(select, [], columns)
        kept = None
    else:
        # Entities changed since the cache (or at its last instant), then a count for deletions.
        newest = str(cached.get_column("stamp").max() or "")
        fresh = bulk.fetch_frame(f"{select} WHERE CAST(e.updated_at AS text) >= %s", [newest], columns)
        kept = cached.join(fresh.select("id"), on="id", how="anti")
        # Entities were deleted, or the cache holds what the database does not (a rolled-back
        # transaction): compare every stamp.
        if total != kept.height + fresh.height or (latest or "") < newest:
            stamps = bulk.fetch_frame(
                f"SELECT id, CAST(updated_at AS text) FROM {table}", [], {"id": pl.Int64, "stamp": pl.Utf8}
            )
            kept = cached.join(stamps, on=["id", "stamp"], how="semi")
            todo = stamps.join(kept.select("id"), on="id", how="anti").select("id")
            with bulk.staged("linking_tmp_entity_ids", todo, key="id") as tmp:
                fresh = bulk.fetch_frame(f"{select} JOIN {tmp} AS t ON t.id = e.id", [], columns)
    if fresh.height == 0 and kept is None:
        return engine.nodes_frame(pl.DataFrame(schema={"rid": pl.Int64, "source": pl.Utf8}))
    parts = [kept] if kept is not None else []
    if fresh.height:
        parts.append(_standardise_registry(fresh, gz))
    full = pl.concat(parts, how="vertical_relaxed").sort("id")
    if cache and (kept is None or cached is None or fresh.height or kept.height != cached.height):
        for old in path.parent.glob("registry-nodes-*.parquet"):
            old.unlink(missing_ok=True)
        tmp_path = path.with_suffix(f".{os.getpid()}.tmp")
        full.write_parquet(tmp_path)
        os.replace(tmp_path, path)
    return full.drop("id", "stamp")


RECORD_NODE_COLUMNS = (
    "id",
    "department_id",
    "entity_id",
    "uscc",
    "uscc_norm",
    "registration_no",
    "orgcode",
    "name_norm",
    "trade_name",
    "industry_words",
    "branch",
    "county",
    "address_core",
    "legal_rep",
    "phone",
)
RECORD_NODE_SCHEMA: dict[str, Any] = {
    "rid": pl.Int64,
    "source": pl.Utf8,
    "entity_id": pl.Int64,
    "uscc": pl.Utf8,
    "uscc_norm": pl.Utf8,
    "registration_no": pl.Utf8,
    "orgcode": pl.Utf8,
    "name_norm": pl.Utf8,
    "trade_name": pl.Utf8,
    "industry_words": pl.Utf8,
    "branch": pl.Utf8,
    "county": pl.Utf8,
    "address_norm": pl.Utf8,
    "legal_rep_norm": pl.Utf8,
    "phone_norm": pl.Utf8,
}


def record_nodes(*, where: str = "state = 'current'", params: Sequence[Any] = ()) -> pl.DataFrame:
    """Source records as linking nodes (``rid`` = record id); ``anchor`` = their entity when asked."""
    table = SourceRecord._meta.db_table
    return bulk.fetch_frame(
        f"SELECT {', '.join(RECORD_NODE_COLUMNS)} FROM {table} WHERE {where}", params, RECORD_NODE_SCHEMA
    )


def _as_nodes(records: pl.DataFrame, *, anchored: bool) -> pl.DataFrame:
    df = records.with_columns(
        (pl.col("entity_id") if anchored else pl.lit(None, dtype=pl.Int64)).alias("anchor")
    )
    return engine.nodes_frame(df)


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------


def link_model_active() -> LinkModel | None:
    return LinkModel.objects.filter(active=True).order_by("-version").first()


@transaction.atomic
def link_model_train(*, actor: Actor, nodes: pl.DataFrame | None = None) -> LinkModel:
    """Train a new model version on the current records and the registry, save it (database and
    ``var/linking/model-vN.json``) and make it the active one."""
    import splink

    if nodes is None:
        gz = division_gazetteer()
        nodes = pl.concat(
            [registry_nodes(gz), _as_nodes(record_nodes(), anchored=False)], how="vertical_relaxed"
        )
    started = time.perf_counter()
    trained = engine.model_train(nodes)
    text = trained.to_json()
    digest = hashlib.sha256(text.encode()).hexdigest()
    version = (LinkModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    path = _var_dir() / f"model-v{version}.json"
    path.write_text(text, encoding="utf-8")
    match, review = thresholds()
    LinkModel.objects.filter(active=True).update(active=False)
    model = LinkModel.objects.create(
        version=version,
        splink_version=splink.__version__,
        settings_json=trained.settings,
        sha256=digest,
        path=str(path),
        threshold_match=match,
        threshold_review=review,
        trained_on=nodes.height,
        summary={**trained.summary, "seconds": round(time.perf_counter() - started, 1)},
        active=True,
    )
    audit_record(
        actor=actor,
        action="linking.model.train",
        subject_type="link_model",
        subject_id=model.version,
        payload={"version": version, "trained_on": nodes.height, "sha256": digest},
    )
    return model


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    source_list: SourceList
    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def _after_records_written(source_list: SourceList) -> None:
    """A seam for tests: called inside the import transaction after the rows are written."""


def _upload_limit() -> int:
    return int(getattr(settings, "CROSSREG", {}).get("UPLOAD_MAX_BYTES", 200 * 1024 * 1024))


def _table_from_file(content: bytes, file_name: str) -> std.Table:
    if len(content) > _upload_limit():
        raise Invalid(
            f"the file is {len(content):,} bytes; the limit is {_upload_limit():,} bytes",
            field="file",
            code="too_large",
        )
    if not content:
        raise Invalid("the file is empty", field="file", code="empty")
    try:
        return std.read_table(content, file_name)
    except std.ReadError as exc:
        raise Invalid(str(exc), field="file", code=exc.code) from None


def _frame_from_table(table: std.Table, mapping: dict[str, str]) -> pl.DataFrame:
    idx = {h: i for i, h in enumerate(table.headers)}
    data: dict[str, list[str]] = {}
    for f in (*std.FIELDS, "region"):
        h = mapping.get(f)
        data[f] = [row[idx[h]] for row in table.rows] if h is not None else [""] * len(table.rows)
    df = pl.DataFrame(data, schema=dict.fromkeys(data, pl.Utf8))
    # A separate county/township column helps place the address.
    return df.with_columns(
        pl.when(pl.col("region") != "")
        .then(pl.col("region") + pl.col("address"))
        .otherwise(pl.col("address"))
        .alias("address_for_division")
    )


def _validate_rows(df: pl.DataFrame, table: std.Table) -> None:
    problems = ProblemList()
    empty = df.with_row_index("i").filter(pl.col("name").str.strip_chars() == "").get_column("i").to_list()
    for i in empty[:20]:
        problems.add("the name is empty", field="name", row=i + 2, code="required")
    if len(empty) > 20:
        problems.add(f"… and {len(empty) - 20} more rows without a name", field="name", code="required")
    problems.raise_if_any()


def standardise_frame(df: pl.DataFrame, gazetteer: list[tuple[str, str]]) -> pl.DataFrame:
    """Standardise the mapped columns of a list (see :mod:`crossreg.linking.standardise`)."""
    address = df.get_column("address")
    out = std.standardise(df.with_columns(pl.col("address_for_division").alias("address")), gazetteer)
    return out.with_columns(address.alias("address"))


def _keys(df: pl.DataFrame) -> list[str]:
    """Record keys: the department's own ID, else a content hash; repeats within a file get ``#n``."""
    seen: Counter[str] = Counter()
    keys = []
    for local_id, uscc_norm, name_norm, address_core in df.select(
        "local_id", "uscc_norm", "name_norm", "address_core"
    ).iter_rows():
        base = f"id:{local_id}" if local_id else std.content_key(uscc_norm, name_norm, address_core)
        base = base[:56]
        seen[base] += 1
        keys.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return keys


@transaction.atomic
def source_list_import(
    *,
    actor: Actor,
    department: Department,
    content: bytes,
    file_name: str,
    system: str = "",
    domain: Domain | None = None,
    mapping: dict[str, str] | None = None,
    channel: str = SourceList.Channel.FILE,
    link: bool = True,
    recompute_base: bool = True,
) -> ImportResult:
    """Import one department's list as its new current snapshot (see module docstring).

    Re-importing the department's current file (same SHA-256) changes nothing. A file that cannot
    be read, lacks a name column or has rows without a name is refused with the reasons, and
    nothing is written.
    """
    _check_import_permission(actor, department)
    t0 = time.perf_counter()
    sha = hashlib.sha256(content).hexdigest()
    current = (
        SourceList.objects.select_for_update()
        .filter(department=department, status=SourceList.Status.CURRENT)
        .order_by("-snapshot")
        .first()
    )
    if current is not None and current.sha256 == sha:
        return ImportResult(source_list=current, created=False, counts={"unchanged_file": 1})

    table = _table_from_file(content, file_name)
    used = std.detect_mapping(table.headers, mapping)
    missing = [f for f in std.REQUIRED_FIELDS if f not in used]
    if missing:
        raise Invalid(
            f"required column(s) missing: {', '.join(missing)}; the file's columns are "
            f"{', '.join(table.headers)}. Name the column (e.g. 单位名称/企业名称) or give a mapping.",
            field="mapping",
            code="missing_columns",
        )
    if not table.rows:
        raise Invalid("the file has a header but no rows", field="file", code="empty")
    df = _frame_from_table(table, used)
    _validate_rows(df, table)
    gz = division_gazetteer()
    df = standardise_frame(df, gz)
    t_std = time.perf_counter()

    snapshot = (SourceList.objects.filter(department=department).aggregate(s=Max("snapshot"))["s"] or 0) + 1
    SourceList.objects.filter(department=department, status=SourceList.Status.CURRENT).update(
        status=SourceList.Status.SUPERSEDED
    )
    sl = SourceList.objects.create(
        department=department,
        system=system,
        domain=domain,
        snapshot=snapshot,
        channel=channel,
        file_name=file_name[:255],
        sha256=sha,
        encoding=table.encoding,
        column_mapping=used,
        uploaded_by=_actor_user(actor),
        row_count=len(table.rows),
    )
    before = _department_entities(department) if recompute_base else None
    counts = _write_records(sl=sl, table=table, df=df)
    _after_records_written(sl)
    t_write = time.perf_counter()
    timings = {"standardise": t_std - t0, "write": t_write - t_std}
    if link:
        link_counts = link_incremental(actor=actor, source_list=sl, gazetteer=gz)
        counts.update(link_counts)
        timings["link"] = time.perf_counter() - t_write
    if recompute_base:
        t_base = time.perf_counter()
        # Only entities with a record of this department, before or after, can have changed.
        affected = pl.concat([before, _department_entities(department)]) if before is not None else None
        counts.update(base_membership_recompute(source_list=sl, reason="import", entities=affected))
        timings["base"] = time.perf_counter() - t_base
    sl.counts = counts
    sl.save(update_fields=["counts"])
    audit_record(
        actor=actor,
        action="linking.list.import",
        subject_type="source_list",
        subject_id=sl.pk,
        payload={
            "department": department.code,
            "snapshot": snapshot,
            "file_name": sl.file_name,
            "sha256": sha,
            "rows": sl.row_count,
            "counts": counts,
            "channel": channel,
        },
        evidence=[sha],
    )
    return ImportResult(source_list=sl, created=True, counts=counts, timings=timings)


def source_list_push(
    *,
    actor: Actor,
    department: Department,
    rows: list[dict[str, str]],
    system: str,
    domain: Domain | None = None,
    mapping: dict[str, str] | None = None,
) -> ImportResult:
    """An API push of a list: the rows are serialised canonically (so that the same push is
    idempotent) and imported like a file."""
    if not rows:
        raise Invalid("a pushed list needs at least one row", field="rows", code="empty")
    headers: list[str] = []
    for row in rows:
        for k in row:
            if k not in headers:
                headers.append(k)
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([str(row.get(h, "") or "") for h in headers])
    content = buf.getvalue().encode("utf-8")
    return source_list_import(
        actor=actor,
        department=department,
        content=content,
        file_name=f"push-{system or 'api'}.csv",
        system=system,
        domain=domain,
        mapping=mapping,
        channel=SourceList.Channel.API,
    )


def _record_frame(*, sl: SourceList, table: std.Table, df: pl.DataFrame, now: str) -> pl.DataFrame:
    """The list's rows as SourceRecord columns (without ids): standardised values clipped to the
    columns' lengths, record key, raw row as JSON, content hash."""
    clip = {
        f: getattr(SourceRecord._meta.get_field(f), "max_length", None)
        for f in ("local_id", *RECORD_STD_FIELDS)
    }
    std_cols = df.select(
        "local_id",
        "uscc_raw",
        "uscc_norm",
        "uscc",
        "uscc_valid",
        "registration_no",
        "orgcode",
        pl.col("name_clean").alias("name"),
        "name_norm",
        "name_region",
        "trade_name",
        "industry_words",
        "org_form",
        "branch",
        "division_code",
        "county",
        "address",
        "address_core",
        pl.col("legal_rep_norm").alias("legal_rep"),
        pl.col("phone_norm").alias("phone"),
    ).with_columns(
        [
            pl.col(f).cast(pl.Utf8).fill_null("").str.slice(0, n)
            for f, n in clip.items()
            if f != "uscc_valid" and n
        ]
        + [pl.col("uscc_valid").cast(pl.Boolean).fill_null(False)]
    )
    # The hash of the standardised values (a changed row is relinked); same text as before the
    # vectorised import: str() of each value joined by "|".
    basis = std_cols.select(
        pl.concat_str(
            [
                pl.when(pl.col(f)).then(pl.lit("True")).otherwise(pl.lit("False"))
                if f == "uscc_valid"
                else pl.col(f)
                for f in RECORD_STD_FIELDS
            ],
            separator="|",
        )
    ).to_series()
    shas = pl.Series([hashlib.sha1(s.encode()).hexdigest() for s in basis], dtype=pl.Utf8)
    # The raw row, as received, as a JSON object (header → cell).
    last = {h: i for i, h in enumerate(table.headers)}
    raw = pl.DataFrame(
        {h: [row[i] for row in table.rows] for h, i in last.items()}, schema=dict.fromkeys(last, pl.Utf8)
    )
    raw_json = raw.select(pl.struct(pl.all()).struct.json_encode()).to_series()
    return std_cols.with_columns(
        pl.Series("record_key", _keys(df), dtype=pl.Utf8),
        pl.int_range(2, std_cols.height + 2, dtype=pl.Int64).alias("row_number"),
        raw_json.alias("raw"),
        shas.alias("content_sha1"),
        pl.lit(sl.department_id, dtype=pl.Utf8).alias("department_id"),
        pl.lit(sl.pk, dtype=pl.Int64).alias("source_list_id"),
        pl.lit(sl.pk, dtype=pl.Int64).alias("last_list_id"),
        pl.lit(SourceRecord.State.CURRENT).alias("state"),
        pl.lit("").alias("link_method"),
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
    )


def _write_records(*, sl: SourceList, table: std.Table, df: pl.DataFrame) -> dict[str, int]:
    """Insert new rows, refresh kept rows, mark vanished rows left. Changed rows lose their link.

    Set-based: the rows are classified in polars against the department's existing keys, new rows
    are inserted with COPY (PostgreSQL) or ``executemany`` (SQLite), and kept, changed and vanished
    rows are updated with one ``UPDATE … FROM`` a staging table each."""
    now = timezone.now()
    rows = _record_frame(sl=sl, table=table, df=df, now=bulk.db_time(now))
    rec = SourceRecord._meta.db_table
    existing = bulk.fetch_frame(
        f"SELECT record_key, id, content_sha1, state FROM {rec} WHERE department_id = %s",
        [sl.department_id],
        {"record_key": pl.Utf8, "id": pl.Int64, "prior_sha": pl.Utf8, "prior_state": pl.Utf8},
    )
    j = rows.join(existing, on="record_key", how="left")
    is_new = pl.col("id").is_null()
    is_kept = (pl.col("prior_sha") == pl.col("content_sha1")) & (
        pl.col("prior_state") == SourceRecord.State.CURRENT
    )
    new = j.filter(is_new).drop("id", "prior_sha", "prior_state")
    kept = j.filter(~is_new & is_kept).select("id")
    changed = j.filter(~is_new & ~is_kept).drop(
        "prior_sha",
        "prior_state",
        "department_id",
        "source_list_id",
        "created_at",
        "updated_at",
        "record_key",
        "link_method",
    )
    vanished = (
        existing.filter(pl.col("prior_state") == SourceRecord.State.CURRENT)
        .join(rows.select("record_key"), on="record_key", how="anti")
        .select("id")
    )
    with bulk.bulk_write(rec, new.height):
        bulk.insert_frame(rec, new)
    if kept.height:
        with bulk.staged("linking_tmp_ids", kept, key="id") as tmp:
            bulk.execute(
                f"UPDATE {rec} SET last_list_id = %s, updated_at = %s WHERE id IN (SELECT id FROM {tmp})",
                [sl.pk, now],
            )
    if changed.height:
        raw = "CAST(t.raw AS jsonb)" if bulk.is_pg() else "t.raw"
        sets = ", ".join(f"{c} = {raw if c == 'raw' else 't.' + c}" for c in changed.columns if c != "id")
        with bulk.staged("linking_tmp_changed", changed, key="id") as tmp:
            bulk.execute(
                f"UPDATE {rec} SET {sets}, entity_id = NULL, link_method = '', link_score = NULL, "
                f"linked_at = NULL, left_at = NULL, left_list_id = NULL, updated_at = %s "
                f"FROM {tmp} AS t WHERE {rec}.id = t.id",
                [now],
            )
    if vanished.height:
        with bulk.staged("linking_tmp_ids", vanished, key="id") as tmp:
            bulk.execute(
                f"UPDATE {rec} SET state = %s, left_at = %s, left_list_id = %s, updated_at = %s "
                f"WHERE id IN (SELECT id FROM {tmp})",
                [SourceRecord.State.LEFT, now, sl.pk, now],
            )
    return {
        "rows": rows.height,
        "new": new.height,
        "kept": kept.height,
        "changed": changed.height,
        "left": vanished.height,
    }


def _chunks(items: Sequence[Any], n: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


# ---------------------------------------------------------------------------------------------
# Linking: apply the engine's clusters
# ---------------------------------------------------------------------------------------------


def _decisions() -> tuple[list[tuple[int, int]], list[tuple[int, int]], set[tuple[int, int]]]:
    forced: list[tuple[int, int]] = []
    forbidden: list[tuple[int, int]] = []
    decided: set[tuple[int, int]] = set()
    for a, b, status in ReviewPair.objects.exclude(status=ReviewPair.Status.PENDING).values_list(
        "node_a", "node_b", "status"
    ):
        decided.add((a, b))
        (forced if status == ReviewPair.Status.MATCH else forbidden).append((a, b))
    pending = set(ReviewPair.objects.filter(status=ReviewPair.Status.PENDING).values_list("node_a", "node_b"))
    return forced, forbidden, decided | pending


MIN_TRAINING_NODES = 5000
"""Below this many rows a city's own training is unreliable; the shipped default model is used."""


def _ensure_model(actor: Actor, nodes: pl.DataFrame) -> LinkModel:
    model = link_model_active()
    if model is None:
        if nodes.height >= MIN_TRAINING_NODES:
            model = link_model_train(actor=actor, nodes=nodes)
        else:
            model = link_model_install_default(actor=actor)
    return model


@transaction.atomic
def link_model_install_default(*, actor: Actor) -> LinkModel:
    """Install the model shipped with the code as a new active version."""
    import splink

    model_dict = engine.default_model()
    text = json.dumps(model_dict, ensure_ascii=False, sort_keys=True, indent=1)
    digest = hashlib.sha256(text.encode()).hexdigest()
    version = (LinkModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    match, review = thresholds()
    LinkModel.objects.filter(active=True).update(active=False)
    model = LinkModel.objects.create(
        version=version,
        splink_version=splink.__version__,
        settings_json=model_dict,
        sha256=digest,
        path="crossreg/linking/data/default_model.json",
        threshold_match=match,
        threshold_review=review,
        trained_on=0,
        summary={"source": "default model shipped with the code"},
        active=True,
    )
    audit_record(
        actor=actor,
        action="linking.model.install_default",
        subject_type="link_model",
        subject_id=version,
        payload={"version": version, "sha256": digest},
    )
    return model


DETAIL_COLUMNS: dict[str, Any] = {
    "rid": pl.Int64,
    "name": pl.Utf8,
    "name_norm": pl.Utf8,
    "name_region": pl.Utf8,
    "trade_name": pl.Utf8,
    "industry_words": pl.Utf8,
    "org_form": pl.Utf8,
    "branch": pl.Utf8,
    "uscc": pl.Utf8,
    "registration_no": pl.Utf8,
    "division_code": pl.Utf8,
    "county": pl.Utf8,
    "address": pl.Utf8,
    "legal_rep": pl.Utf8,
}


def _record_details(members: pl.DataFrame) -> pl.DataFrame:
    """The columns a new entity is made from, for the records in ``members`` (``rid`` …)."""
    rec = SourceRecord._meta.db_table
    cols = ", ".join(f"r.{c}" for c in DETAIL_COLUMNS if c != "rid")
    with bulk.staged("linking_tmp_rids", members.select("rid").unique(), key="rid") as tmp:
        details = bulk.fetch_frame(
            f"SELECT r.id, {cols} FROM {rec} AS r JOIN {tmp} AS t ON r.id = t.rid", [], DETAIL_COLUMNS
        )
    return members.join(details.with_columns(pl.all().exclude("rid").fill_null("")), on="rid")


def _most_common(members: pl.DataFrame, col: str) -> pl.DataFrame:
    """Per cluster root, the most common non-empty value of ``col`` (ties: the smallest)."""
    return (
        members.filter(pl.col(col) != "")
        .group_by("root", col)
        .len()
        .sort(["root", "len", col], descending=[False, True, False])
        .unique("root", keep="first")
        .select("root", col)
    )


def _source_only_entities(members: pl.DataFrame) -> pl.DataFrame:
    """Create a source-only Entity for each cluster of ``members`` (``root``, ``rid``) from its
    records' columns; returns ``root`` → ``entity_id`` (and its ``entity_uscc``)."""
    out_schema = {"root": pl.Int64, "entity_id": pl.Int64}
    if members.height == 0:
        return pl.DataFrame(schema={**out_schema, "entity_uscc": pl.Utf8})
    details = _record_details(members)
    divisions = set(Division.objects.values_list("code", flat=True))
    fallback = next(iter(sorted(d for d in divisions if len(d) == 6)), None) or next(
        iter(sorted(divisions)), None
    )
    if fallback is None:
        raise Conflict("no divisions are loaded; run the seed first", code="no_divisions")
    # The best record of a cluster names it: one with a code, then the longest name, then the first.
    best = (
        details.sort(
            [pl.col("uscc") != "", pl.col("name").str.len_chars(), pl.col("rid")],
            descending=[True, True, False],
        )
        .unique("root", keep="first")
        .drop("uscc", "registration_no")
    )
    best = best.join(_most_common(details, "uscc"), on="root", how="left").join(
        _most_common(details, "registration_no"), on="root", how="left"
    )
    best = best.with_columns(pl.col("uscc", "registration_no").fill_null("")).sort("root")
    wanted = [u for u in best.get_column("uscc").unique().to_list() if u]
    taken: set[str] = set()
    for chunk in _chunks(wanted, 20000):
        taken.update(str(u) for u in Entity.objects.filter(uscc__in=chunk).values_list("uscc", flat=True))
    objs = []
    roots = []
    for row in best.iter_rows(named=True):
        uscc = row["uscc"]
        if uscc in taken:
            uscc = ""
        elif uscc:
            taken.add(uscc)
        t2 = uscc[1] if uscc else ""
        entity_type = (
            Entity.Type.INDIVIDUAL
            if t2 == "2" or (not row["org_form"] and not t2 and not uscc)
            else Entity.Type.COOP
            if t2 == "3"
            else Entity.Type.ENTERPRISE
        )
        division = row["division_code"] if row["division_code"] in divisions else None
        division = division or (row["county"] if row["county"] in divisions else fallback)
        roots.append(row["root"])
        objs.append(
            Entity(
                uscc=uscc or None,
                registration_no=row["registration_no"],
                name=row["name"][:128],
                name_norm=row["name_norm"][:128],
                name_region=row["name_region"][:32],
                trade_name=row["trade_name"][:32],
                industry_words=row["industry_words"][:32],
                org_form=row["org_form"][:32],
                branch=row["branch"][:32],
                entity_type=entity_type,
                division_id=division,
                address=row["address"][:200],
                legal_rep=row["legal_rep"][:32],
            )
        )
    created = Entity.objects.bulk_create(objs, batch_size=5000)
    ids = pl.DataFrame({"root": roots, "entity_id": [e.pk for e in created]}, schema=out_schema)
    ids = ids.with_columns(pl.Series("entity_uscc", [e.uscc or "" for e in created], dtype=pl.Utf8))
    now = bulk.db_time(timezone.now())
    bulk.insert_frame(
        EntityLinkState._meta.db_table,
        ids.select(
            "entity_id",
            pl.lit(True).alias("source_only"),
            pl.lit("[]").alias("departments"),
            pl.lit(0).alias("department_count"),
            pl.lit(False).alias("in_base"),
            pl.lit(now).alias("updated_at"),
        ),
    )
    return ids


def _reuse_source_only(clusters: pl.DataFrame, prior: pl.DataFrame, claimed: pl.Series) -> pl.DataFrame:
    """A cluster without a registry entity keeps the source-only entity most of its records had
    before (stable ids over relinks); each such entity goes to one cluster only."""
    schema = {"root": pl.Int64, "entity_id": pl.Int64}
    if prior.height == 0:
        return pl.DataFrame(schema=schema)
    rs = EntityLinkState._meta.db_table
    source_only = bulk.fetch_frame(
        f"SELECT entity_id FROM {rs} WHERE source_only", [], {"entity_id": pl.Int64}
    )
    votes = (
        clusters.join(prior.select("rid", "entity_id").drop_nulls(), on="rid")
        .join(source_only, on="entity_id", how="semi")
        .join(
            pl.DataFrame({"entity_id": claimed}, schema={"entity_id": pl.Int64}), on="entity_id", how="anti"
        )
        .group_by("root", "entity_id")
        .len()
    )
    chosen = []
    while votes.height:
        # each root's favourite, then each entity's strongest root; the rest try again
        pick = (
            votes.sort(["len", "entity_id", "root"], descending=[True, False, False])
            .unique("root", keep="first")
            .unique("entity_id", keep="first")
            .select("root", "entity_id")
        )
        chosen.append(pick)
        votes = votes.join(pick, on="root", how="anti").join(pick, on="entity_id", how="anti")
    return pl.concat(chosen) if chosen else pl.DataFrame(schema=schema)


def _apply_links(
    *,
    clusters: pl.DataFrame,
    anchors: pl.DataFrame,
    forced_nodes: set[int],
    scores: pl.DataFrame,
    record_codes: pl.DataFrame,
    registry: pl.DataFrame,
    prior: pl.DataFrame | None = None,
) -> tuple[dict[str, int], pl.DataFrame]:
    """Point each record at its cluster's entity (creating source-only entities where needed).

    ``clusters``: ``rid``, ``root`` of every record to link; ``anchors``: ``root`` → ``anchor`` (the
    registry entity of a cluster); ``record_codes``: ``rid``, ``uscc`` (valid) of the records;
    ``registry``: the registry nodes (``anchor``, ``uscc``); ``prior``: ``rid`` → ``entity_id``
    before this run. Returns the counts and ``rid`` → ``entity_id`` as written."""
    clusters = clusters.select(pl.col("rid").cast(pl.Int64), pl.col("root").cast(pl.Int64))
    anchors = anchors.select(
        pl.col("root").cast(pl.Int64), pl.col("anchor").cast(pl.Int64).alias("entity_id")
    )
    anchored = anchors.join(clusters.select("root").unique(), on="root", how="semi")
    free = clusters.join(anchored, on="root", how="anti")
    reused = _reuse_source_only(
        free, prior if prior is not None else pl.DataFrame(), anchored.get_column("entity_id")
    )
    needing = free.join(reused, on="root", how="anti")
    created = _source_only_entities(needing)
    entity_of_root = pl.concat(
        [anchored, reused, created.select("root", "entity_id")], how="vertical_relaxed"
    )
    size = clusters.group_by("root").len("size")
    links = clusters.join(entity_of_root, on="root", how="left").join(size, on="root")
    # How each record was linked: the codes of the records and of their entities.
    reused_ids = [int(i) for i in reused.get_column("entity_id").to_list()]
    reused_codes = [
        (pk, u or "")
        for chunk in _chunks(reused_ids, 20000)
        for pk, u in Entity.objects.filter(pk__in=chunk).values_list("pk", "uscc")
    ]
    entity_codes = pl.concat(
        [
            registry.select(pl.col("anchor").alias("entity_id"), pl.col("uscc").alias("entity_uscc")),
            created.select("entity_id", "entity_uscc"),
            pl.DataFrame(reused_codes, schema={"entity_id": pl.Int64, "entity_uscc": pl.Utf8}, orient="row"),
        ],
        how="vertical_relaxed",
    ).unique("entity_id", keep="last")
    links = (
        links.join(record_codes.select("rid", pl.col("uscc").alias("rec_uscc")), on="rid", how="left")
        .join(entity_codes, on="entity_id", how="left")
        .with_columns(
            pl.col("rec_uscc", "entity_uscc").fill_null(""),
            pl.col("rid").is_in(pl.Series(sorted(forced_nodes), dtype=pl.Int64).implode()).alias("forced"),
            pl.col("root").is_in(anchored.get_column("root").implode()).alias("is_anchored"),
        )
    )
    links = links.join(scores.select("rid", "score"), on="rid", how="left")
    method = SourceRecord.LinkMethod
    links = links.select(
        "rid",
        "entity_id",
        pl.when(pl.col("forced"))
        .then(pl.lit(method.REVIEW.value))
        .when(~pl.col("is_anchored") & (pl.col("size") == 1))
        .then(pl.lit(method.NEW.value))
        .when((pl.col("rec_uscc") != "") & (pl.col("rec_uscc") == pl.col("entity_uscc")))
        .then(pl.lit(method.USCC.value))
        .when(pl.col("score").is_not_null())
        .then(pl.lit(method.MODEL.value))
        .when(pl.col("rec_uscc") != "")
        .then(pl.lit(method.USCC.value))
        .otherwise(pl.lit(method.MODEL.value))
        .alias("method"),
        "score",
    )
    _bulk_set_links(links)
    return {
        "linked_records": links.height,
        "clusters": size.height,
        "new_entities": created.height,
    }, links.select("rid", "entity_id")


def _bulk_set_links(links: pl.DataFrame) -> None:
    """UPDATE … FROM a staging table (``rid``, ``entity_id``, ``method``, ``score``): one statement
    for any number of records (SQLite and PostgreSQL)."""
    if links.height == 0:
        return
    table = SourceRecord._meta.db_table
    now = timezone.now()
    with bulk.staged("linking_tmp_links", links, key="rid") as tmp, bulk.bulk_write(table, links.height):
        bulk.execute(
            f"UPDATE {table} SET entity_id = t.entity_id, link_method = t.method, link_score = t.score, "
            f"linked_at = %s FROM {tmp} AS t WHERE {table}.id = t.rid AND ({table}.entity_id IS NULL "
            f"OR {table}.entity_id <> t.entity_id OR {table}.link_method <> t.method "
            f"OR ({table}.link_score IS NULL) <> (t.score IS NULL) OR {table}.link_score <> t.score)",
            [now],
        )


def _save_review_pairs(candidates: pl.DataFrame, model: LinkModel) -> int:
    if candidates.height == 0:
        return 0
    objs = []
    record_ids: set[int] = set()
    for row in candidates.iter_rows(named=True):
        a, b = int(row["rid_l"]), int(row["rid_r"])
        lo, hi = min(a, b), max(a, b)
        record, other = (hi, lo) if lo < 0 else (lo, hi)
        record_ids.update(x for x in (record, other) if x > 0)
        objs.append(
            ReviewPair(
                record_id=record,
                other_record_id=other if other > 0 else None,
                other_entity_id=-other if other < 0 else None,
                node_a=lo,
                node_b=hi,
                match_probability=row["match_probability"],
                match_weight=row["match_weight"],
                evidence=engine.evidence(row, model.settings_json),
                model_version=model.version,
            )
        )
    existing = set(SourceRecord.objects.filter(pk__in=record_ids).values_list("pk", flat=True))
    objs = [
        o
        for o in objs
        if o.record_id in existing and (o.other_record_id is None or o.other_record_id in existing)
    ]
    ReviewPair.objects.bulk_create(objs, batch_size=2000, ignore_conflicts=True)
    return len(objs)


def _branch_relations(records: pl.DataFrame, registry: pl.DataFrame) -> int:
    """A branch's parent: the entity whose folded name is the branch's name without the branch part."""
    branches = records.filter(pl.col("branch").is_not_null() & (pl.col("branch") != ""))
    if branches.height == 0:
        return 0
    branches = branches.with_columns(
        pl.col("name_norm")
        .str.slice(0, pl.col("name_norm").str.len_chars() - pl.col("branch").str.len_chars())
        .alias("parent_name")
    )
    parents = (
        pl.concat(
            [
                records.filter(pl.col("branch").fill_null("") == "").select("name_norm", pl.col("entity_id")),
                registry.filter(pl.col("branch").fill_null("") == "").select(
                    "name_norm", pl.col("anchor").alias("entity_id")
                ),
            ],
            how="vertical_relaxed",
        )
        .drop_nulls()
        .unique("name_norm", keep="first")
    )
    pairs = (
        branches.join(
            parents.rename({"entity_id": "parent_id", "name_norm": "parent_name"}), on="parent_name"
        )
        .select(pl.col("parent_id"), pl.col("entity_id").alias("child_id"))
        .drop_nulls()
        .filter(pl.col("parent_id") != pl.col("child_id"))
        .unique()
    )
    objs = [EntityRelation(parent_id=p, child_id=c) for p, c in pairs.iter_rows()]
    EntityRelation.objects.bulk_create(objs, batch_size=2000, ignore_conflicts=True)
    return len(objs)


def _linked_records_frame(where: str, params: Sequence[Any] = ()) -> pl.DataFrame:
    return record_nodes(where=where, params=params)


def _record_node_columns(alias: str) -> str:
    return ", ".join(f"{alias}.{c}" for c in RECORD_NODE_COLUMNS)


def _existing_candidates(new: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """The existing nodes (the registry and linked current records) that share a blocking key or a
    code with a new record: the only ones Splink's ``predict_between`` can pair with them, and the
    only ones the deterministic edges can reach. Records are filtered in SQL (one scan), so an
    incremental run does not load the whole city."""
    keys = [*engine.BLOCKING_KEYS, ("uscc",), ("registration_no",)]
    parts = []
    for key in keys:
        values = new.select(key).drop_nulls().unique()
        if values.height:
            parts.append(registry.join(values, on=list(key), how="semi"))
    reg = pl.concat(parts).unique("rid", keep="first") if parts else registry.clear()
    # The same keys as SQL on the record columns (address_norm is address_core, and so on).
    sql_of = {
        "uscc_norm": "r.uscc_norm",
        "orgcode": "r.orgcode",
        "code_b1": "substr(r.uscc_norm, 9, 10)",
        "code_b2": "substr(r.uscc_norm, 1, 8) || substr(r.uscc_norm, 14, 5)",
        "code_b3": "substr(r.uscc_norm, 1, 13)",
        "name_norm": "r.name_norm",
        "trade_name": "r.trade_name",
        "county": "r.county",
        "industry_words": "r.industry_words",
        "phone_norm": "r.phone",
        "address_norm": "r.address_core",
        "legal_rep_norm": "r.legal_rep",
        "uscc": "r.uscc",
        "registration_no": "r.registration_no",
    }
    cols = sorted({c for key in keys for c in key})
    staged = new.select(cols).cast(dict.fromkeys(cols, pl.Utf8))
    rec = SourceRecord._meta.db_table
    with bulk.staged("linking_tmp_new_keys", staged) as tmp:
        conds = []
        for key in keys:
            lhs = ", ".join(sql_of[c] for c in key)
            rhs = ", ".join(key)
            present = " AND ".join(f"{c} IS NOT NULL" for c in key)
            if len(key) == 1:
                conds.append(f"{lhs} IN (SELECT {rhs} FROM {tmp} WHERE {present})")
            else:
                conds.append(f"({lhs}) IN (SELECT {rhs} FROM {tmp} WHERE {present})")
        records = bulk.fetch_frame(
            f"SELECT {_record_node_columns('r')} FROM {rec} AS r WHERE r.state = 'current' "
            f"AND r.entity_id IS NOT NULL AND ({' OR '.join(conds)})",
            [],
            RECORD_NODE_SCHEMA,
        )
    return pl.concat([reg, _as_nodes(records, anchored=True)], how="vertical_relaxed")


def _trade_name_tf(registry: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """The term frequencies of trade names over every node (registry, linked records, new records),
    as Splink computes them over all its input: an incremental run scores with the same weights
    as if it had loaded the whole city."""
    rec = SourceRecord._meta.db_table
    linked = bulk.fetch_frame(
        f"SELECT trade_name, COUNT(*) FROM {rec} WHERE state = 'current' AND entity_id IS NOT NULL "
        "AND trade_name <> '' GROUP BY trade_name",
        [],
        {"trade_name": pl.Utf8, "n": pl.Int64},
    )
    others = pl.concat([registry.select("trade_name"), new.select("trade_name")]).drop_nulls()
    counts = pl.concat([linked, others.group_by("trade_name").len("n").cast({"n": pl.Int64})])
    counts = counts.group_by("trade_name").agg(pl.col("n").sum())
    total = counts.get_column("n").sum()
    return counts.select("trade_name", (pl.col("n") / total).alias("tf_trade_name"))


def _anchor_members(anchors: pl.Series, registry: pl.DataFrame) -> pl.DataFrame:
    """Every node of the given existing clusters: their registry entry and linked current records."""
    rec = SourceRecord._meta.db_table
    ids = pl.DataFrame({"entity_id": anchors.cast(pl.Int64)}).unique()
    with bulk.staged("linking_tmp_anchors", ids, key="entity_id") as tmp:
        records = bulk.fetch_frame(
            f"SELECT {_record_node_columns('r')} FROM {rec} AS r JOIN {tmp} AS t ON t.entity_id = r.entity_id "
            "WHERE r.state = 'current'",
            [],
            RECORD_NODE_SCHEMA,
        )
    reg = registry.join(ids.rename({"entity_id": "anchor"}), on="anchor", how="semi")
    return pl.concat([reg, _as_nodes(records, anchored=True)], how="vertical_relaxed")


def _entities_of_records(ids: list[int]) -> pl.Series:
    if not ids:
        return pl.Series("entity_id", [], dtype=pl.Int64)
    rec = SourceRecord._meta.db_table
    with bulk.staged(
        "linking_tmp_rids", pl.DataFrame({"rid": ids}, schema={"rid": pl.Int64}), key="rid"
    ) as tmp:
        return bulk.fetch_frame(
            f"SELECT r.entity_id FROM {rec} AS r JOIN {tmp} AS t ON t.rid = r.id WHERE r.entity_id IS NOT NULL",
            [],
            {"entity_id": pl.Int64},
        ).get_column("entity_id")


def link_incremental(
    *, actor: Actor, source_list: SourceList, gazetteer: list[tuple[str, str]] | None = None
) -> dict[str, int]:
    """Link the list's unlinked records against the existing base without relinking the city:
    ``predict_between`` (new × existing) and ``predict_within`` (new × new) with the active model.

    Only the existing nodes that share a blocking key or a code with a new record are loaded
    (:func:`_existing_candidates`), with the trade-name frequencies of the whole city, and only
    the clusters they belong to are clustered again; existing records keep their entities."""
    gz = gazetteer if gazetteer is not None else division_gazetteer()
    new_raw = record_nodes(
        where="last_list_id = %s AND state = 'current' AND entity_id IS NULL", params=[source_list.pk]
    )
    if new_raw.height == 0:
        return {"linked_records": 0}
    registry = registry_nodes(gz)
    new = _as_nodes(new_raw, anchored=False)
    model = link_model_active()
    if model is None:
        everything = pl.concat(
            [registry, _as_nodes(record_nodes(where="state = 'current'"), anchored=False)],
            how="vertical_relaxed",
        )
        model = _ensure_model(actor, everything)
        del everything
    match_t, review_t = model.threshold_match, model.threshold_review
    forced, forbidden, decided = _decisions()
    existing = _existing_candidates(new, registry)
    pred = engine.predict_between(
        new,
        existing,
        model.settings_json,
        threshold=review_t,
        band_below=match_t,
        tf_trade_name=_trade_name_tf(registry, new),
    )
    edges = pred.edges
    nodes, det = _incremental_nodes(new, existing, edges, forced, registry)
    result = engine.cluster(
        nodes, forced=forced, deterministic=det, model_edges=edges, threshold=match_t, forbidden=forbidden
    )
    clusters, anchors = _cluster_frames(nodes, result, new.get_column("rid"))
    counts, _links = _apply_links(
        clusters=clusters,
        anchors=anchors,
        forced_nodes={n for pair in forced for n in pair},
        scores=result.scores,
        record_codes=new_raw.select("rid", "uscc"),
        registry=registry,
    )
    review = (
        engine.review_candidates(pred.band, result, low=review_t, high=match_t, decided=decided)
        if pred.band.height
        else pred.band
    )
    counts["review_pairs"] = _save_review_pairs(review, model) if review.height else 0
    counts["pairs_scored"] = edges.height
    linked = record_nodes(where="last_list_id = %s AND state = 'current'", params=[source_list.pk])
    _branch_relations(linked, registry)
    return counts


def _incremental_nodes(
    new: pl.DataFrame,
    existing: pl.DataFrame,
    edges: pl.DataFrame,
    forced: list[tuple[int, int]],
    registry: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The nodes an incremental run clusters, and its deterministic edges: the new records, and
    every existing cluster (all nodes of its anchor) that a new record shares a code with, is
    scored against, or is forced to. Existing clusters keep their anchors, so no other part of
    the city can change."""
    codes = {col: new.get_column(col).drop_nulls().unique() for col in ("uscc", "registration_no")}
    sharing = existing.filter(
        pl.col("uscc").is_in(codes["uscc"].implode())
        | pl.col("registration_no").is_in(codes["registration_no"].implode())
    )
    det = engine.deterministic_edges(pl.concat([new, sharing], how="vertical_relaxed"))
    touched = pl.concat(
        [
            det.get_column("rid_l"),
            det.get_column("rid_r"),
            *([edges.get_column("rid_l"), edges.get_column("rid_r")] if edges.height else []),
        ]
    ).unique()
    anchors = existing.filter(pl.col("rid").is_in(touched.implode())).get_column("anchor").drop_nulls()
    new_ids = set(new.get_column("rid").to_list())
    forced_nodes = {n for pair in forced for n in pair if n not in new_ids}
    forced_anchors = [-n for n in forced_nodes if n < 0]
    forced_records = [n for n in forced_nodes if n > 0]
    all_anchors = pl.concat(
        [anchors, pl.Series(forced_anchors, dtype=pl.Int64), _entities_of_records(forced_records)]
    ).unique()
    members = _anchor_members(all_anchors, registry)
    nodes = pl.concat([new, members], how="vertical_relaxed").unique("rid", keep="first", maintain_order=True)
    return nodes, det


def _cluster_frames(
    nodes: pl.DataFrame, result: engine.ClusterResult, record_ids: pl.Series
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(``rid`` → cluster ``root`` of the given records, ``root`` → ``anchor`` of every anchored
    cluster: the first anchor in node order)."""
    roots = result.clusters.select("rid", "root").with_columns(nodes.get_column("anchor").cast(pl.Int64))
    anchors = roots.drop_nulls("anchor").group_by("root", maintain_order=True).agg(pl.col("anchor").first())
    wanted = pl.DataFrame({"rid": record_ids.cast(pl.Int64)})
    return roots.join(wanted, on="rid", how="semi").select("rid", "root"), anchors


@dataclass
class RelinkResult:
    counts: dict[str, int]
    timings: dict[str, float]
    model_version: int


@transaction.atomic
def linking_relink(*, actor: Actor, retrain: bool = False) -> RelinkResult:
    """Relink every current record of every department against the registry (full run)."""
    t0 = time.perf_counter()
    gz = division_gazetteer()
    registry = registry_nodes(gz)
    records_raw = record_nodes()
    nodes = pl.concat([registry, _as_nodes(records_raw, anchored=False)], how="vertical_relaxed")
    # Keep only what the later steps read: at a million entities each full copy of the records
    # is gigabytes.
    record_ids = records_raw.get_column("rid")
    records_raw = records_raw.select("rid", "entity_id", "uscc", "name_norm", "branch")
    registry = registry.select("anchor", "uscc", "name_norm", "branch")
    t_load = time.perf_counter()
    model = link_model_train(actor=actor, nodes=nodes) if retrain else _ensure_model(actor, nodes)
    t_train = time.perf_counter()
    forced, forbidden, _decided = _decisions()
    det = engine.deterministic_edges(nodes)
    pred = engine.predict(
        nodes, model.settings_json, threshold=model.threshold_review, band_below=model.threshold_match
    )
    edges = pred.edges
    t_predict = time.perf_counter()
    result = engine.cluster(
        nodes,
        forced=forced,
        deterministic=det,
        model_edges=edges,
        threshold=model.threshold_match,
        forbidden=forbidden,
    )
    t_cluster = time.perf_counter()
    clusters, anchors = _cluster_frames(nodes, result, record_ids)
    counts, links = _apply_links(
        clusters=clusters,
        anchors=anchors,
        forced_nodes={n for pair in forced for n in pair},
        scores=result.scores,
        record_codes=records_raw.select("rid", "uscc"),
        registry=registry,
        prior=records_raw.select("rid", "entity_id"),
    )
    ReviewPair.objects.filter(status=ReviewPair.Status.PENDING).delete()
    _f, _fb, decided = _decisions()
    review = engine.review_candidates(
        pred.band, result, low=model.threshold_review, high=model.threshold_match, decided=decided
    )
    counts["review_pairs"] = _save_review_pairs(review, model)
    counts["pairs_scored"] = edges.height
    counts["deterministic_edges"] = det.height
    counts["edges_refused"] = result.refused
    counts["branch_relations"] = _branch_relations(
        records_raw.drop("entity_id").join(links, on="rid", how="left"), registry
    )
    _drop_orphan_source_only()
    t_apply = time.perf_counter()
    counts.update(base_membership_recompute(source_list=None, reason="relink"))
    timings = {
        "load": t_load - t0,
        "train": t_train - t_load,
        "predict": t_predict - t_train,
        "cluster": t_cluster - t_predict,
        "apply": t_apply - t_cluster,
        "base": time.perf_counter() - t_apply,
    }
    audit_record(
        actor=actor,
        action="linking.relink",
        subject_type="link_model",
        subject_id=model.version,
        payload={"counts": counts, "model_version": model.version},
    )
    return RelinkResult(
        counts=counts, timings={k: round(v, 2) for k, v in timings.items()}, model_version=model.version
    )


def _drop_orphan_source_only() -> int:
    """Source-only entities no record points at any more are removed (they were never in the registry)."""
    orphans = list(
        EntityLinkState.objects.filter(source_only=True)
        .exclude(entity__source_records__isnull=False)
        .values_list("entity_id", flat=True)
    )
    if not orphans:
        return 0
    ReviewPair.objects.filter(other_entity_id__in=orphans).delete()
    EntityRelation.objects.filter(parent_id__in=orphans).delete()
    EntityRelation.objects.filter(child_id__in=orphans).delete()
    BaseMembershipEvent.objects.filter(entity_id__in=orphans).delete()
    EntityLinkState.objects.filter(entity_id__in=orphans).delete()
    n, _ = Entity.objects.filter(pk__in=orphans).delete()
    return n


# ---------------------------------------------------------------------------------------------
# Base membership
# ---------------------------------------------------------------------------------------------


def _department_entities(department: Department) -> pl.DataFrame:
    rec = SourceRecord._meta.db_table
    return bulk.fetch_frame(
        f"SELECT DISTINCT entity_id FROM {rec} WHERE department_id = %s AND entity_id IS NOT NULL",
        [department.pk],
        {"entity_id": pl.Int64},
    )


def base_membership_recompute(
    *, source_list: SourceList | None, reason: str, entities: pl.DataFrame | None = None
) -> dict[str, int]:
    """Recompute entities' departments from current records; write joins and leaves. Every
    entity, or only ``entities`` (``entity_id``: those an import can have changed).

    Set-based: the departments per entity are computed in polars from one scan of the current
    records, compared with the stored states, and the differences are written with one INSERT (new
    states), one ``UPDATE … FROM`` (changed states) and one INSERT of the join/leave events."""
    rec, st = SourceRecord._meta.db_table, EntityLinkState._meta.db_table
    now = timezone.now()
    with contextlib.ExitStack() as stack:
        only_rec = only_st = ""
        if entities is not None:
            tmp = stack.enter_context(bulk.staged("linking_tmp_entities", entities.unique(), key="entity_id"))
            only_rec = f"AND entity_id IN (SELECT entity_id FROM {tmp})"
            only_st = f"WHERE entity_id IN (SELECT entity_id FROM {tmp})"
        computed = (
            bulk.fetch_frame(
                f"SELECT DISTINCT entity_id, department_id FROM {rec} "
                f"WHERE state = 'current' AND entity_id IS NOT NULL {only_rec}",
                [],
                {"entity_id": pl.Int64, "department_id": pl.Utf8},
            )
            .group_by("entity_id")
            .agg(pl.col("department_id").sort().alias("depts"))
        )
        stored = bulk.fetch_frame(
            f"SELECT entity_id, departments, in_base FROM {st} {only_st}",
            [],
            {"entity_id": pl.Int64, "stored_json": pl.Utf8, "stored_in_base": pl.Boolean},
        ).with_columns(pl.col("stored_json").str.json_decode(pl.List(pl.Utf8)).alias("stored"))
        base_size = (
            None
            if entities is None
            else bulk.fetch_frame(f"SELECT COUNT(*) FROM {st} WHERE in_base", [], {"n": pl.Int64})
        )
    j = (
        computed.join(stored, on="entity_id", how="full", coalesce=True)
        .with_columns(
            pl.col("depts").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))),
            pl.col("stored").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))),
            pl.col("stored_json").is_not_null().alias("has_state"),
            pl.col("stored_in_base").fill_null(False),
        )
        .with_columns(
            pl.col("depts").list.len().alias("department_count"),
            (pl.col("depts").list.len() >= 2).alias("in_base"),
            # the departments as stored (json.dumps of the sorted list)
            pl.when(pl.col("depts").list.len() == 0)
            .then(pl.lit("[]"))
            .otherwise(pl.lit('["') + pl.col("depts").list.join('", "') + pl.lit('"]'))
            .alias("departments"),
        )
    )
    j = j.filter(
        ~pl.col("has_state")
        | (pl.col("depts").list.join(",") != pl.col("stored").list.join(","))
        | (pl.col("in_base") != pl.col("stored_in_base"))
    )
    joins = j.filter(pl.col("in_base") & ~pl.col("stored_in_base"))
    leaves = j.filter(~pl.col("in_base") & pl.col("stored_in_base"))
    t = bulk.db_time(now)
    created = j.filter(~pl.col("has_state"))
    bulk.insert_frame(
        st,
        created.select(
            "entity_id",
            pl.lit(False).alias("source_only"),
            "departments",
            "department_count",
            "in_base",
            pl.when(pl.col("in_base")).then(pl.lit(t)).otherwise(None).alias("base_since"),
            pl.lit(t).alias("updated_at"),
        ),
    )
    changed = j.filter(pl.col("has_state")).select("entity_id", "departments", "department_count", "in_base")
    if changed.height:
        cast = "CAST(t.departments AS jsonb)" if bulk.is_pg() else "t.departments"
        with bulk.staged("linking_tmp_states", changed, key="entity_id") as tmp:
            bulk.execute(
                f"UPDATE {st} SET departments = {cast}, department_count = t.department_count, "
                f"base_since = CASE WHEN t.in_base AND NOT {st}.in_base THEN %s "
                f"WHEN t.in_base THEN {st}.base_since END, "
                f"in_base = t.in_base, updated_at = %s FROM {tmp} AS t WHERE {st}.entity_id = t.entity_id",
                [now, now],
            )
    events = pl.concat(
        [
            joins.select(
                "entity_id", pl.lit(BaseMembershipEvent.Kind.JOIN.value).alias("kind"), "departments"
            ),
            leaves.select(
                "entity_id", pl.lit(BaseMembershipEvent.Kind.LEAVE.value).alias("kind"), "departments"
            ),
        ]
    ).with_columns(
        pl.lit(source_list.pk if source_list else None, dtype=pl.Int64).alias("source_list_id"),
        pl.lit(reason).alias("reason"),
        pl.lit(t).alias("at"),
    )
    bulk.insert_frame(BaseMembershipEvent._meta.db_table, events)
    return {
        "base_joined": joins.height,
        "base_left": leaves.height,
        "base_size": (
            computed.filter(pl.col("depts").list.len() >= 2).height
            if base_size is None
            else int(base_size.item()) + joins.height - leaves.height
        ),
    }


# ---------------------------------------------------------------------------------------------
# Clerical review
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def review_pair_decide(*, actor: User, pair: ReviewPair, decision: str, note: str = "") -> ReviewPair:
    """Record a human decision on a pair and apply it at once: ``match`` moves the record's cluster
    into the other side's entity; ``non_match`` splits them if they are linked. Both are kept and
    override the model on every later run."""
    if not can_review(actor):
        raise Forbidden("only the big-data bureau and administrators review links", code="forbidden")
    if decision not in (ReviewPair.Status.MATCH, ReviewPair.Status.NON_MATCH):
        raise Invalid("decision must be match or non_match", field="decision")
    pair = ReviewPair.objects.select_for_update().get(pk=pair.pk)
    pair.status = decision
    pair.decided_by = actor
    pair.decided_at = timezone.now()
    pair.note = note[:200]
    pair.save(update_fields=["status", "decided_by", "decided_at", "note"])
    record = SourceRecord.objects.select_for_update().get(pk=pair.record_id)
    other_entity_id = pair.other_entity_id or (
        SourceRecord.objects.filter(pk=pair.other_record_id or 0).values_list("entity_id", flat=True).first()
    )
    moved = 0
    if decision == ReviewPair.Status.MATCH and other_entity_id and record.entity_id != other_entity_id:
        old = record.entity_id
        moved = SourceRecord.objects.filter(pk=record.pk).update(
            entity_id=other_entity_id, link_method=SourceRecord.LinkMethod.REVIEW, linked_at=timezone.now()
        )
        if old is not None:
            _move_if_source_only(old, other_entity_id)
    elif decision == ReviewPair.Status.NON_MATCH and other_entity_id and record.entity_id == other_entity_id:
        entity_split(
            actor=actor, entity=Entity.objects.get(pk=other_entity_id), record_ids=[record.pk], _decided=True
        )
        moved = 1
    base_membership_recompute(source_list=None, reason="review")
    audit_record(
        actor=actor,
        action="linking.review.decide",
        subject_type="review_pair",
        subject_id=pair.pk,
        payload={
            "decision": decision,
            "node_a": pair.node_a,
            "node_b": pair.node_b,
            "moved": moved,
            "note": pair.note,
        },
    )
    return pair


def _move_if_source_only(old_entity_id: int, new_entity_id: int) -> None:
    """A matched record's former source-only cluster follows it into the other entity."""
    if EntityLinkState.objects.filter(entity_id=old_entity_id, source_only=True).exists():
        SourceRecord.objects.filter(entity_id=old_entity_id).update(
            entity_id=new_entity_id, link_method=SourceRecord.LinkMethod.REVIEW
        )
        _drop_orphan_source_only()


@transaction.atomic
def entity_split(*, actor: User, entity: Entity, record_ids: Sequence[int], _decided: bool = False) -> Entity:
    """Split a wrong merge: the given records leave ``entity`` for a new source-only entity, and a
    *not a match* decision is remembered between them and the records (and registry entry) that
    stay, so that no later run merges them again."""
    if not can_review(actor):
        raise Forbidden("only the big-data bureau and administrators split entities", code="forbidden")
    moving = list(SourceRecord.objects.select_for_update().filter(entity=entity, pk__in=record_ids))
    if not moving or len(moving) != len(set(record_ids)):
        raise Invalid("choose records that belong to this entity", field="record_ids")
    staying_ids = list(
        SourceRecord.objects.filter(entity=entity)
        .exclude(pk__in=[r.pk for r in moving])
        .values_list("pk", flat=True)
    )
    moving_ids = [r.pk for r in moving]
    source_only = EntityLinkState.objects.filter(entity=entity, source_only=True).exists()
    if not staying_ids and source_only:
        raise Invalid("every record of this entity would move; nothing to split", field="record_ids")
    created = _source_only_entities(
        pl.DataFrame(
            {"root": [moving_ids[0]] * len(moving_ids), "rid": moving_ids},
            schema=dict.fromkeys(("root", "rid"), pl.Int64),
        )
    )
    new_entity_id = int(created.get_column("entity_id")[0])
    SourceRecord.objects.filter(pk__in=moving_ids).update(
        entity_id=new_entity_id, link_method=SourceRecord.LinkMethod.SPLIT, linked_at=timezone.now()
    )
    now = timezone.now()
    user = actor
    pairs = []
    others: list[int] = list(staying_ids) + ([] if source_only else [-entity.pk])
    for m in moving_ids:
        for o in others:
            lo, hi = min(m, o), max(m, o)
            record, other = (hi, lo) if lo < 0 else (lo, hi)
            pairs.append((lo, hi, record, other))
    for lo, hi, record, other in pairs:
        ReviewPair.objects.update_or_create(
            node_a=lo,
            node_b=hi,
            defaults={
                "record_id": record,
                "other_record_id": other if other > 0 else None,
                "other_entity_id": -other if other < 0 else None,
                "status": ReviewPair.Status.NON_MATCH,
                "origin": "split",
                "decided_by": user,
                "decided_at": now,
            },
        )
    if not _decided:
        base_membership_recompute(source_list=None, reason="split")
    new_entity = Entity.objects.get(pk=new_entity_id)
    audit_record(
        actor=actor,
        action="linking.entity.split",
        subject_type="entity",
        subject_id=entity.pk,
        payload={"moved_records": moving_ids, "new_entity": new_entity_id, "remembered_pairs": len(pairs)},
    )
    return new_entity


def import_directory(
    *,
    actor: Actor,
    directory: Path,
    departments: dict[str, Department] | None = None,
    link: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list[ImportResult]:
    """Import every department's list in a directory (``<department code>.csv|.xlsx``)."""
    depts = departments or {d.code: d for d in Department.objects.all()}
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".xlsx"))
    results = []
    for path in files:
        dept = depts.get(path.stem)
        if dept is None:
            if progress:
                progress(f"skip {path.name}: no department with code {path.stem!r}")
            continue
        result = source_list_import(
            actor=actor,
            department=dept,
            content=path.read_bytes(),
            file_name=path.name,
            link=link,
            recompute_base=link,
        )
        if progress:
            progress(f"{dept.code}: {json.dumps(result.counts, ensure_ascii=False)}")
        results.append(result)
    return results
