"""Base membership: an entity is in the object base when two or more departments' current lists hold it."""

from __future__ import annotations

import contextlib

import polars as pl
from django.utils import timezone

from crossreg.linking import bulk
from crossreg.linking.models import (
    BaseMembershipEvent,
    EntityLinkState,
    SourceList,
    SourceRecord,
)
from crossreg.orgs.models import Department


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
