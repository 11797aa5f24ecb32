"""Linking runs: incremental (a new list against the base) and the full relink of the city."""

from __future__ import annotations

import time
from dataclasses import dataclass

import polars as pl
from django.db import transaction

from crossreg.core.audit import audit_record
from crossreg.core.errors import Invalid
from crossreg.linking import bulk, engine
from crossreg.linking import standardise as std
from crossreg.linking.models import (
    ReviewPair,
    SourceList,
    SourceRecord,
)
from crossreg.linking.services._common import Actor
from crossreg.linking.services.apply import (
    _apply_links,
    _branch_relations,
    _decisions,
    _drop_orphan_source_only,
    _save_review_pairs,
)
from crossreg.linking.services.base import base_membership_recompute
from crossreg.linking.services.frames import (
    RECORD_NODE_SCHEMA,
    _as_nodes,
    _record_node_columns,
    division_gazetteer,
    record_nodes,
    registry_nodes,
)
from crossreg.linking.services.model import _ensure_model, link_model_active, link_model_train


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
    former_existing, former = _former_candidates(new, registry)
    existing = pl.concat([existing, former_existing], how="vertical_relaxed").unique("rid", keep="first")
    pred = engine.predict_between(
        new,
        existing,
        model.settings_json,
        threshold=review_t,
        band_below=match_t,
        tf_trade_name=_trade_name_tf(registry, new),
    )
    edges = pred.edges
    former_edges = former_name_edges(pl.concat([new, existing], how="vertical_relaxed"), former)
    if former_edges.height:
        edges = pl.concat([edges, former_edges], how="diagonal_relaxed") if edges.height else former_edges
    nodes, det = _incremental_nodes(new, existing, edges, forced, registry)
    nodes, conflicts = _code_branch_conflicts(nodes)
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
    counts["code_conflicts"] = _save_conflict_pairs(conflicts, decided, model.version)
    counts["former_name_edges"] = former_edges.height
    counts["pairs_scored"] = pred.edges.height
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
def linking_relink(*, actor: Actor, retrain: bool = False, engine_name: str = "duckdb") -> RelinkResult:
    """Relink every current record of every department against the registry (full run).

    ``engine_name`` chooses the backend that scores the candidate pairs: ``duckdb`` (this machine)
    or ``spark`` (``crossreg.linking.spark``: the same model on a Spark master from settings). The
    standardisation before it and the clustering and write-back after it are the same."""
    if engine_name not in ("duckdb", "spark"):
        raise Invalid(f"unknown linking engine {engine_name!r}: duckdb or spark", field="engine")
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
    if engine_name == "spark":
        from crossreg.linking import spark

        pred = spark.predict(
            nodes, model.settings_json, threshold=model.threshold_review, band_below=model.threshold_match
        )
    else:
        pred = engine.predict(
            nodes, model.settings_json, threshold=model.threshold_review, band_below=model.threshold_match
        )
    edges = pred.edges
    former_edges = former_name_edges(nodes, _former_frame("1 = 1"))
    if former_edges.height:
        edges = pl.concat([edges, former_edges], how="diagonal_relaxed") if edges.height else former_edges
    nodes, conflicts = _code_branch_conflicts(nodes)
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
    counts["code_conflicts"] = _save_conflict_pairs(conflicts, decided, model.version)
    counts["former_name_edges"] = former_edges.height
    counts["pairs_scored"] = pred.edges.height
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


# ---------------------------------------------------------------------------------------------
# A valid USCC is one entity: branch names do not split it; conflicts go to review
# ---------------------------------------------------------------------------------------------

CONFLICT_ORIGIN = "uscc_branch"
"""ReviewPair.origin of a pair that shares a valid USCC but not its branch name."""


def _code_branch_conflicts(nodes: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Nodes that share a valid USCC are one legal entity, whatever their names say: the branch
    name (a heuristic parse of the name) must not keep them apart. Returns the nodes with one
    branch key per valid USCC (the registry entity's, else the most common among the records) and
    the conflicting pairs (``rid_l`` the node whose key was kept, ``rid_r`` one that differed,
    ``uscc``, ``branch_l``, ``branch_r``) for the review queue."""
    empty = pl.DataFrame(
        schema={
            "rid_l": pl.Int64,
            "rid_r": pl.Int64,
            "uscc": pl.Utf8,
            "branch_l": pl.Utf8,
            "branch_r": pl.Utf8,
        }
    )
    coded = nodes.filter(pl.col("uscc").is_not_null()).select(
        "rid", "uscc", pl.col("branch_key").fill_null(""), (pl.col("rid") < 0).alias("reg")
    )
    if coded.height == 0:
        return nodes, empty
    mixed = coded.group_by("uscc").agg(pl.col("branch_key").n_unique().alias("n")).filter(pl.col("n") > 1)
    if mixed.height == 0:
        return nodes, empty
    members = coded.join(mixed.select("uscc"), on="uscc", how="semi")
    counts = members.group_by("uscc", "branch_key").agg(
        pl.col("reg").any().alias("reg"), pl.len().alias("n"), pl.col("rid").min().alias("first")
    )
    chosen = (
        counts.sort(["uscc", "reg", "n", "first"], descending=[False, True, True, False])
        .unique("uscc", keep="first", maintain_order=True)
        .select("uscc", pl.col("branch_key").alias("kept"), pl.col("first").alias("rid_l"))
    )
    # The registry node (or first record) that holds the kept key represents it in the pair.
    holder = (
        members.join(chosen, on="uscc")
        .filter(pl.col("branch_key") == pl.col("kept"))
        .sort(["reg", "rid"], descending=[True, False])
        .unique("uscc", keep="first")
        .select("uscc", pl.col("rid").alias("rid_l"))
    )
    pairs = (
        members.join(chosen.drop("rid_l"), on="uscc")
        .filter(pl.col("branch_key") != pl.col("kept"))
        .join(holder, on="uscc")
        .select(
            pl.col("rid_l").cast(pl.Int64),
            pl.col("rid").cast(pl.Int64).alias("rid_r"),
            "uscc",
            pl.col("kept").alias("branch_l"),
            pl.col("branch_key").alias("branch_r"),
        )
    )
    # Only the branch key column is rewritten (a join would copy every column of every node).
    kept = members.join(chosen, on="uscc").select("rid", "kept")
    fixed = nodes.with_columns(
        pl.col("rid")
        .replace_strict(kept.get_column("rid"), kept.get_column("kept"), default=pl.col("branch_key"))
        .alias("branch_key")
    )
    return fixed, pairs


def _save_conflict_pairs(pairs: pl.DataFrame, decided: set[tuple[int, int]], model_version: int) -> int:
    """A pending review pair for each node that shares a valid USCC with another node but not its
    branch name: the records were linked by the code; the reviewer confirms or splits them."""
    if pairs.height == 0:
        return 0
    objs = []
    record_ids: set[int] = set()
    for a, b, uscc, branch_a, branch_b in pairs.iter_rows():
        lo, hi = min(a, b), max(a, b)
        if (lo, hi) in decided or lo == hi:
            continue
        record, other = (hi, lo) if lo < 0 else (lo, hi)
        if record < 0:
            continue  # two registry entries cannot share a code
        record_ids.update(x for x in (record, other) if x > 0)
        left, right = (branch_a, branch_b) if a == record else (branch_b, branch_a)
        objs.append(
            ReviewPair(
                record_id=record,
                other_record_id=other if other > 0 else None,
                other_entity_id=-other if other < 0 else None,
                node_a=lo,
                node_b=hi,
                match_probability=1.0,
                evidence=[
                    {"comparison": "code", "level": "same code", "weight": None, "left": uscc, "right": uscc},
                    {
                        "comparison": "branch",
                        "level": "different",
                        "weight": None,
                        "left": left,
                        "right": right,
                    },
                ],
                model_version=model_version,
                origin=CONFLICT_ORIGIN,
                note="同一有效统一社会信用代码,分支机构名称不同:已按代码关联,请确认",
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


# ---------------------------------------------------------------------------------------------
# Former names (曾用名)
# ---------------------------------------------------------------------------------------------

FORMER_NAME_PROBABILITY = 0.99
"""The match probability given to a pair joined by a former name (above the auto-link threshold)."""


def _former_frame(where: str, params: list[object] | None = None) -> pl.DataFrame:
    """The former names of the current records matching ``where``, standardised (``rid`` …)."""
    rec = SourceRecord._meta.db_table
    raw = bulk.fetch_frame(
        f"SELECT id, former_names FROM {rec} WHERE state = 'current' AND former_names <> '' AND {where}",
        params or [],
        {"rid": pl.Int64, "former_names": pl.Utf8},
    )
    return std.former_names_frame(raw)


def former_name_edges(nodes: pl.DataFrame, former: pl.DataFrame) -> pl.DataFrame:
    """Pairs joined by a former name: the trade name (and industry words) of one node's former name
    (``former``: ``rid``, ``trade_name``, ``industry_words``, from :func:`std.former_names_frame`)
    is the other's current one, the county and branch agree, no two valid USCCs differ, and the
    address core, the legal representative or the phone is the same. Splink compares trade names
    and so scores a renamed company's old and new names as different; this step is the former-name
    comparison (edges at :data:`FORMER_NAME_PROBABILITY`, through the same constrained clustering)."""
    schema = {"rid_l": pl.Int64, "rid_r": pl.Int64, "match_probability": pl.Float64}
    if former.height == 0 or nodes.height == 0:
        return pl.DataFrame(schema=schema)
    cols = [
        "rid",
        "trade_name",
        "industry_words",
        "county",
        "branch_key",
        "uscc",
        "address_norm",
        "legal_rep_norm",
        "phone_norm",
    ]
    n = nodes.select(cols).with_columns(pl.col("industry_words").fill_null(""))
    f = former.drop_nulls("trade_name").select(
        pl.col("rid").alias("rid_f"), "trade_name", pl.col("industry_words").fill_null("")
    )
    own = n.drop("trade_name", "industry_words").rename(
        {c: f"{c}_f" for c in cols if c not in ("trade_name", "industry_words")}
    )
    pairs = f.join(own, on="rid_f").join(n, on=["trade_name", "industry_words"])

    def same(c: str) -> pl.Expr:
        return pl.col(c).is_not_null() & (pl.col(c) == pl.col(f"{c}_f"))

    pairs = pairs.filter(
        (pl.col("rid") != pl.col("rid_f"))
        & (
            pl.col("county").is_null()
            | pl.col("county_f").is_null()
            | (pl.col("county") == pl.col("county_f"))
        )
        & (pl.col("branch_key").fill_null("") == pl.col("branch_key_f").fill_null(""))
        & ~(
            pl.col("uscc").is_not_null()
            & pl.col("uscc_f").is_not_null()
            & (pl.col("uscc") != pl.col("uscc_f"))
        )
        & (same("address_norm") | same("legal_rep_norm") | same("phone_norm"))
    )
    return (
        pairs.select(
            pl.min_horizontal("rid", "rid_f").alias("rid_l"), pl.max_horizontal("rid", "rid_f").alias("rid_r")
        )
        .unique()
        .select(
            pl.col("rid_l").cast(pl.Int64),
            pl.col("rid_r").cast(pl.Int64),
            pl.lit(FORMER_NAME_PROBABILITY, dtype=pl.Float64).alias("match_probability"),
        )
    )


def _former_candidates(new: pl.DataFrame, registry: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """For an incremental run: the existing nodes a new record can meet through a former name (its
    former trade names among the registry and the linked records; linked records whose former names
    name a new record's trade name), and the former names of both."""
    new_ids = new.select("rid")
    with bulk.staged("linking_tmp_new_ids", new_ids, key="rid") as tmp:
        new_former = _former_frame(f"id IN (SELECT rid FROM {tmp})")
    old_former_nodes = _as_nodes(
        record_nodes(where="state = 'current' AND entity_id IS NOT NULL AND former_names <> ''"),
        anchored=True,
    )
    old_former = _former_frame("entity_id IS NOT NULL")
    # Old former names that name a new record's trade name, and the records holding them.
    hit = old_former.join(new.select("trade_name").drop_nulls().unique(), on="trade_name", how="semi")
    old_nodes = old_former_nodes.join(hit.select("rid").unique(), on="rid", how="semi")
    parts = [old_nodes]
    wanted = new_former.select("trade_name").drop_nulls().unique()
    if wanted.height:
        parts.append(registry.join(wanted, on="trade_name", how="semi"))
        with bulk.staged("linking_tmp_former_trade", wanted) as tmp:
            parts.append(
                _as_nodes(
                    record_nodes(
                        where=f"state = 'current' AND entity_id IS NOT NULL AND trade_name IN (SELECT trade_name FROM {tmp})"
                    ),
                    anchored=True,
                )
            )
    existing = pl.concat(parts, how="vertical_relaxed").unique("rid", keep="first")
    return existing, pl.concat([new_former, hit], how="vertical_relaxed")
