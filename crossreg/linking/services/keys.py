"""The blocking-key table: every blocking key of every current source record, so that an
incremental run finds the existing records that can pair with its new rows by index look-ups
instead of scanning the whole city (issue 19).

``linking_blockingkey`` (:class:`~crossreg.linking.models.BlockingKey`) holds (``key``,
``record_id``) for each key of :func:`crossreg.linking.engine.candidate_keys` of each current
record: the blocking keys of the Splink model, the codes of the deterministic edges, and the trade
name alone (its frequencies, for Splink's term-frequency adjustment, are counted from it). The keys
are computed from the record columns as stored, with the same node frame the relink builds, so an
incremental run finds exactly the records a full scan would.

The table is maintained by the set-based write path in the caller's transaction (all or nothing):
an import forgets the keys of the rows it changes or marks left (computed from their stored
columns before the update) and adds the keys of its new and changed rows; a relink checks the table
(its version, and one key per record of the folded-name kind) and rebuilds it when it does not
match. :class:`~crossreg.linking.models.BlockingKeyVersion` records the key computation the table
holds; while it is not the code's (a new database with records, or changed blocking rules), imports
leave the table alone and the next relink or incremental link rebuilds it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from crossreg.linking import bulk, engine
from crossreg.linking.models import BlockingKey, BlockingKeyVersion, SourceRecord
from crossreg.linking.services.frames import (
    RECORD_NODE_SCHEMA,
    _as_nodes,
    _record_node_columns,
    record_nodes,
)

logger = logging.getLogger(__name__)

TABLE = BlockingKey._meta.db_table
KEY_SCHEMA = {"key": pl.Int64, "record_id": pl.Int64}
REBUILD_CHUNK = 500_000
"""Records read and keyed at a time when the table is rebuilt from the database."""


def _kind_range(kind: int) -> tuple[int, int]:
    lo = kind << engine.KEY_KIND_SHIFT
    return lo, lo + (1 << engine.KEY_KIND_SHIFT)


def blocking_keys_ready() -> bool:
    """The table holds the keys of the code's version (an import may maintain it)."""
    row = BlockingKeyVersion.objects.order_by("-pk").values_list("version", flat=True).first()
    if row == engine.key_version():
        return True
    if row is None and not SourceRecord.objects.exists():
        # A new database: nothing to key yet, every record written from now on is keyed.
        _mark_built()
        return True
    return False


def _mark_built() -> None:
    BlockingKeyVersion.objects.all().delete()
    BlockingKeyVersion.objects.create(version=engine.key_version(), built_at=timezone.now())


def record_keys(records: pl.DataFrame) -> pl.DataFrame:
    """``key``, ``record_id`` of source records given as :func:`frames.record_nodes` frames."""
    if records.height == 0:
        return pl.DataFrame(schema=KEY_SCHEMA)
    keys = engine.candidate_keys(_as_nodes(records, anchored=False))
    return keys.select("key", pl.col("rid").alias("record_id"))


@contextlib.contextmanager
def _sqlite_cache() -> Iterator[None]:
    """On SQLite, a page cache big enough for the key table's upper B-tree levels while keys are
    written (its default is 2 MB; 33 M keys are about 700 MB), restored afterwards."""
    if bulk.is_pg():
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        row = cur.fetchone()
        before = int(row[0]) if row else -2000
        cur.execute(f"PRAGMA cache_size = {SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {before}")


SQLITE_CACHE_KIB = -262_144
"""256 MiB (a negative cache size is in KiB)."""


def _insert(keys: pl.DataFrame, *, fresh: bool) -> int:
    """Write ``keys``; ``fresh``: into the emptied table (no conflicts possible). Always in key
    order: a B-tree filled in order touches each page once, in random order once per key (five
    times slower on SQLite at 400,000 keys)."""
    if keys.height == 0:
        return 0
    ordered = keys.select("key", "record_id").unique().sort("key", "record_id")
    with _sqlite_cache():
        if fresh and not bulk.is_pg():
            # Two integer columns: tuples from plain lists are several times cheaper than rows.
            connection.ensure_connection()
            raw = connection.connection
            assert raw is not None
            for start in range(0, ordered.height, 200_000):
                part = ordered.slice(start, 200_000)
                raw.executemany(
                    f"INSERT INTO {TABLE} (key, record_id) VALUES (?, ?)",
                    zip(
                        part.get_column("key").to_list(), part.get_column("record_id").to_list(), strict=True
                    ),
                )
            return ordered.height
        if fresh:
            return bulk.insert_frame(TABLE, ordered)
        with bulk.staged("linking_tmp_keys", ordered) as tmp:
            return bulk.execute(
                f"INSERT INTO {TABLE} (key, record_id) SELECT key, record_id FROM {tmp} WHERE true "
                "ORDER BY key, record_id ON CONFLICT DO NOTHING"
            )


@transaction.atomic
def blocking_keys_rebuild(*, records: pl.DataFrame | None = None) -> int:
    """Replace the whole table with the keys of every current record (``records``: all current
    records as :func:`frames.record_nodes` gives them, when the caller has them already; else they
    are read in chunks). Set-based: one emptying statement, the keys in key order with COPY or
    ``executemany``, and on PostgreSQL the primary key built once afterwards."""
    if records is not None:
        keys = record_keys(records)
    else:
        parts = []
        rec = SourceRecord._meta.db_table
        bounds = bulk.fetch_frame(
            f"SELECT MIN(id), MAX(id) FROM {rec} WHERE state = 'current'",
            [],
            {"lo": pl.Int64, "hi": pl.Int64},
        ).row(0)
        if bounds[0] is not None:
            lo, hi = int(bounds[0]), int(bounds[1])
            for start in range(lo, hi + 1, REBUILD_CHUNK):
                chunk = record_nodes(
                    where="state = 'current' AND id >= %s AND id < %s", params=[start, start + REBUILD_CHUNK]
                )
                parts.append(record_keys(chunk))
                del chunk
        keys = pl.concat(parts) if parts else pl.DataFrame(schema=KEY_SCHEMA)
    with connection.cursor() as cur:
        if bulk.is_pg():
            cur.execute(f"TRUNCATE {TABLE}")
            cur.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS linking_blockingkey_pkey")
        else:
            cur.execute(f"DELETE FROM {TABLE}")
    written = _insert(keys, fresh=True)
    if bulk.is_pg():
        with connection.cursor() as cur:
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cur.execute(
                f"ALTER TABLE {TABLE} ADD CONSTRAINT linking_blockingkey_pkey PRIMARY KEY (key, record_id)"
            )
            cur.execute(f"ANALYZE {TABLE}")
    _mark_built()
    logger.info("blocking keys rebuilt: %s keys", written)
    return written


def blocking_keys_ensure(*, records: pl.DataFrame | None = None) -> bool:
    """Rebuild the table if it does not hold the code's keys (or, given every current record,
    if it does not hold one folded-name key per record that has a name). True if rebuilt."""
    if blocking_keys_ready():
        if records is None:
            return False
        expected = records.filter(pl.col("name_norm").fill_null("") != "").height
        lo, hi = _kind_range(engine.NAME_KIND)
        found = bulk.fetch_frame(
            f"SELECT COUNT(*) FROM {TABLE} WHERE key >= %s AND key < %s", [lo, hi], {"n": pl.Int64}
        ).item()
        if int(found) == expected:
            return False
        logger.warning("blocking keys: %s folded-name keys for %s records; rebuilding", found, expected)
    blocking_keys_rebuild(records=records)
    return True


def _records_by_ids(ids: pl.Series, *, current_only: bool) -> pl.DataFrame:
    frame = pl.DataFrame({"id": ids.cast(pl.Int64)}).unique()
    if frame.height == 0:
        return pl.DataFrame(schema=RECORD_NODE_SCHEMA)
    rec = SourceRecord._meta.db_table
    state = " AND r.state = 'current'" if current_only else ""
    with bulk.staged("linking_tmp_key_ids", frame, key="id") as tmp:
        return bulk.fetch_frame(
            f"SELECT {_record_node_columns('r')} FROM {tmp} AS t CROSS JOIN {rec} AS r WHERE r.id = t.id{state}",
            [],
            RECORD_NODE_SCHEMA,
        )


def blocking_keys_forget(*, record_ids: pl.Series) -> int:
    """Remove the keys of these records, computed from their columns as stored: call it before
    their standardised columns change or they leave the current list."""
    if not blocking_keys_ready() or record_ids.len() == 0:
        return 0
    keys = record_keys(_records_by_ids(record_ids, current_only=False))
    if keys.height == 0:
        return 0
    # Any key of these records with any of their ids: every key of a forgotten record goes (the
    # form both databases answer with primary-key look-ups, not a scan of the key table).
    with (
        bulk.staged("linking_tmp_keys", keys.select("key").unique(), key="key") as tmp_keys,
        bulk.staged("linking_tmp_key_rids", keys.select("record_id").unique(), key="record_id") as tmp_ids,
    ):
        return bulk.execute(
            # "+ 0": probe the primary key by key only; with both IN lists indexable SQLite
            # probes their cross product (10,000 rows × 100,000 keys ran for minutes).
            f"DELETE FROM {TABLE} WHERE key IN (SELECT key FROM {tmp_keys}) "
            f"AND record_id + 0 IN (SELECT record_id FROM {tmp_ids})"
        )


def blocking_keys_add(*, record_ids: pl.Series) -> int:
    """Add the keys of these records (those of them that are current), as stored now."""
    if not blocking_keys_ready() or record_ids.len() == 0:
        return 0
    return _insert(record_keys(_records_by_ids(record_ids, current_only=True)), fresh=False)


def records_sharing_keys(keys: pl.Series, *, where: str = "true", params: Sequence[Any] = ()) -> pl.DataFrame:
    """The records (as :func:`frames.record_nodes` frames) with any of ``keys``, that also satisfy
    ``where`` (on alias ``r``): primary-key look-ups on the key table, then on the records."""
    wanted = pl.DataFrame({"key": keys.cast(pl.Int64)}).unique()
    if wanted.height == 0:
        return pl.DataFrame(schema=RECORD_NODE_SCHEMA)
    rec = SourceRecord._meta.db_table
    # SQLite takes a CROSS JOIN's tables in the order written: the few wanted keys outside, the
    # key table's primary key probed for each (without statistics it might scan the key table).
    with bulk.staged("linking_tmp_want_keys", wanted, key="key") as tmp:
        if bulk.is_pg():
            # A few hundred thousand probes of the index, never a scan of the whole key table.
            bulk.execute("SET LOCAL enable_hashjoin = off")
            bulk.execute("SET LOCAL enable_mergejoin = off")
        try:
            return bulk.fetch_frame(
                f"SELECT {_record_node_columns('r')} FROM {rec} AS r WHERE r.id IN "
                f"(SELECT k.record_id FROM {tmp} AS t CROSS JOIN {TABLE} AS k WHERE k.key = t.key) AND ({where})",
                params,
                RECORD_NODE_SCHEMA,
            )
        finally:
            if bulk.is_pg():
                bulk.execute("SET LOCAL enable_hashjoin TO DEFAULT")
                bulk.execute("SET LOCAL enable_mergejoin TO DEFAULT")


def key_counts(keys: pl.Series) -> tuple[pl.DataFrame, int]:
    """(``key`` → ``n`` records for each of ``keys``, the number of keys of their kind): the
    frequencies of values among the current records, for one kind (e.g. :data:`engine.TF_KIND`)."""
    wanted = pl.DataFrame({"key": keys.cast(pl.Int64)}).unique()
    kinds = {int(k) >> engine.KEY_KIND_SHIFT for k in wanted.get_column("key").to_list()}
    if len(kinds) > 1:
        raise ValueError("key_counts: keys of one kind only")
    if not kinds:
        return pl.DataFrame(schema={"key": pl.Int64, "n": pl.Int64}), 0
    lo, hi = _kind_range(kinds.pop())
    total = bulk.fetch_frame(
        f"SELECT COUNT(*) FROM {TABLE} WHERE key >= %s AND key < %s", [lo, hi], {"n": pl.Int64}
    ).item()
    with bulk.staged("linking_tmp_want_keys", wanted, key="key") as tmp:
        counts = bulk.fetch_frame(
            f"SELECT k.key, COUNT(*) FROM {tmp} AS t CROSS JOIN {TABLE} AS k WHERE k.key = t.key GROUP BY k.key",
            [],
            {"key": pl.Int64, "n": pl.Int64},
        )
    return counts, int(total or 0)
