"""Node frames: the registry and the source records as the linking engine's input (polars)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
from django.db import connection

from crossreg.entities.models import Entity
from crossreg.linking import bulk, engine
from crossreg.linking import standardise as std
from crossreg.linking.models import (
    SourceRecord,
)
from crossreg.linking.services._common import _var_dir
from crossreg.orgs.models import Division


def engine_configure() -> engine.DuckDBSettings:
    """The engine's DuckDB settings from ``CROSSREG["LINKING_DUCKDB_MEMORY"]`` (e.g. ``"3GB"``),
    ``["LINKING_DUCKDB_THREADS"]`` and ``["LINKING_PREDICT_CHUNK_NODES"]``, or the environment
    variables ``CROSSREG_LINKING_DUCKDB_MEMORY`` … of the same names."""
    from django.conf import settings

    c = dict(getattr(settings, "CROSSREG", {}) or {})

    def get(name: str) -> Any:
        return c.get(name) or os.environ.get(f"CROSSREG_{name}") or None

    threads, chunk = get("LINKING_DUCKDB_THREADS"), get("LINKING_PREDICT_CHUNK_NODES")
    return engine.configure(
        memory_limit=get("LINKING_DUCKDB_MEMORY"),
        threads=int(threads) if threads else None,
        chunk_nodes=int(chunk) if chunk else None,
    )


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


def _linked_records_frame(where: str, params: Sequence[Any] = ()) -> pl.DataFrame:
    return record_nodes(where=where, params=params)


def _record_node_columns(alias: str) -> str:
    return ", ".join(f"{alias}.{c}" for c in RECORD_NODE_COLUMNS)
