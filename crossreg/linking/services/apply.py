"""Applying the engine's clusters: records point at entities, source-only entities, review pairs, branch relations."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.utils import timezone

from crossreg.core.errors import Conflict
from crossreg.entities.models import Entity
from crossreg.linking import bulk, engine
from crossreg.linking.models import (
    BaseMembershipEvent,
    EntityLinkState,
    EntityRelation,
    LinkModel,
    ReviewPair,
    SourceRecord,
)
from crossreg.linking.services._common import _chunks
from crossreg.orgs.models import Division


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
