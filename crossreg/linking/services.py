"""Writes of the supervision-object base. Keyword-only, atomic, audited (one ledger entry per batch).

- :func:`source_list_import` — a department's list (file or API push) becomes the department's
  current snapshot; rows are standardised, new and changed rows are linked incrementally, vanished
  rows are marked *left*, and base membership is recomputed. All or nothing.
- :func:`linking_relink` — the whole city relinked with the active model (or a newly trained one);
  human decisions override the model.
- :func:`review_pair_decide`, :func:`entity_split` — clerical review.
"""

from __future__ import annotations

import hashlib
import json
import logging
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
from crossreg.linking import engine
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


def _fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


def registry_nodes(gazetteer: list[tuple[str, str]] | None = None) -> pl.DataFrame:
    """Every registry entity as a linking node: ``rid`` = −id, ``anchor`` = id."""
    gz = gazetteer if gazetteer is not None else division_gazetteer()
    table = Entity._meta.db_table
    rows = _fetch(f"SELECT id, uscc, registration_no, name, address, legal_rep, division_id FROM {table}")
    if not rows:
        return engine.nodes_frame(pl.DataFrame(schema={"rid": pl.Int64, "source": pl.Utf8}))
    df = pl.DataFrame(
        rows,
        schema={
            "id": pl.Int64,
            "uscc_raw": pl.Utf8,
            "regno": pl.Utf8,
            "name": pl.Utf8,
            "address": pl.Utf8,
            "legal_rep": pl.Utf8,
            "division_id": pl.Utf8,
        },
        orient="row",
    )
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
    return engine.nodes_frame(df)


def record_nodes(*, where: str = "state = 'current'", params: Sequence[Any] = ()) -> pl.DataFrame:
    """Source records as linking nodes (``rid`` = record id); ``anchor`` = their entity when asked."""
    table = SourceRecord._meta.db_table
    rows = _fetch(
        f"SELECT id, department_id, entity_id, uscc, uscc_norm, registration_no, orgcode, name_norm, "
        f"trade_name, industry_words, branch, county, address_core, legal_rep, phone FROM {table} WHERE {where}",
        params,
    )
    df = pl.DataFrame(
        rows,
        schema={
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
        },
        orient="row",
    )
    return df


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


def _content_sha(row: dict[str, Any]) -> str:
    basis = "|".join(str(row.get(f, "")) for f in RECORD_STD_FIELDS)
    return hashlib.sha1(basis.encode()).hexdigest()


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
        counts.update(base_membership_recompute(source_list=sl, reason="import"))
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


def _write_records(*, sl: SourceList, table: std.Table, df: pl.DataFrame) -> dict[str, int]:
    """Insert new rows, refresh kept rows, mark vanished rows left. Changed rows lose their link."""
    headers = table.headers
    keys = _keys(df)
    std_rows = df.select(
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
    ).to_dicts()
    existing = {
        key: (pk, sha, state)
        for key, pk, sha, state in SourceRecord.objects.filter(department=sl.department).values_list(
            "record_key", "pk", "content_sha1", "state"
        )
    }
    now = timezone.now()
    new_objs: list[SourceRecord] = []
    kept_ids: list[int] = []
    changed: list[SourceRecord] = []
    seen: set[str] = set()
    for i, (key, std_row, raw_row) in enumerate(zip(keys, std_rows, table.rows, strict=True)):
        seen.add(key)
        values = {f: _clip(f, std_row[f]) for f in RECORD_STD_FIELDS}
        sha = _content_sha(values)
        raw = dict(zip(headers, raw_row, strict=True))
        prior = existing.get(key)
        if prior is None:
            new_objs.append(
                SourceRecord(
                    department_id=sl.department_id,
                    source_list=sl,
                    last_list=sl,
                    record_key=key,
                    local_id=(std_row["local_id"] or "")[:64],
                    row_number=i + 2,
                    raw=raw,
                    content_sha1=sha,
                    **values,
                )
            )
        elif prior[1] == sha and prior[2] == SourceRecord.State.CURRENT:
            kept_ids.append(prior[0])
        else:
            changed.append(
                SourceRecord(
                    pk=prior[0],
                    last_list=sl,
                    row_number=i + 2,
                    raw=raw,
                    content_sha1=sha,
                    state=SourceRecord.State.CURRENT,
                    left_at=None,
                    left_list=None,
                    entity=None,
                    link_method="",
                    link_score=None,
                    updated_at=now,
                    **values,
                )
            )
    SourceRecord.objects.bulk_create(new_objs, batch_size=2000)
    for chunk in _chunks(kept_ids, 5000):
        SourceRecord.objects.filter(pk__in=chunk).update(last_list=sl, updated_at=now)
    if changed:
        SourceRecord.objects.bulk_update(
            changed,
            [
                "last_list",
                "row_number",
                "raw",
                "content_sha1",
                "state",
                "left_at",
                "left_list",
                "entity",
                "link_method",
                "link_score",
                "updated_at",
                *RECORD_STD_FIELDS,
            ],
            batch_size=1000,
        )
    vanished = [pk for key, (pk, _sha, state) in existing.items() if key not in seen and state == "current"]
    for chunk in _chunks(vanished, 5000):
        SourceRecord.objects.filter(pk__in=chunk).update(
            state=SourceRecord.State.LEFT, left_at=now, left_list=sl, updated_at=now
        )
    return {
        "rows": len(keys),
        "new": len(new_objs),
        "kept": len(kept_ids),
        "changed": len(changed),
        "left": len(vanished),
    }


def _clip(field_name: str, value: Any) -> Any:
    if isinstance(value, str):
        max_length = SourceRecord._meta.get_field(field_name).max_length  # type: ignore[union-attr]
        return value[:max_length] if max_length else value
    return value


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


def _source_only_entities(
    clusters: dict[int, list[int]], records: pl.DataFrame, *, reuse: dict[int, int]
) -> dict[int, int]:
    """Create a source-only Entity for each cluster root without one; returns root → entity id."""
    out: dict[int, int] = {}
    if not clusters:
        return out
    by_id = {r["rid"]: r for r in records.iter_rows(named=True)}
    roots = [root for root in clusters if root not in reuse]
    out.update({root: reuse[root] for root in clusters if root in reuse})
    if not roots:
        return out
    divisions = set(Division.objects.values_list("code", flat=True))
    fallback = next(iter(sorted(d for d in divisions if len(d) == 6)), None) or next(
        iter(sorted(divisions)), None
    )
    if fallback is None:
        raise Conflict("no divisions are loaded; run the seed first", code="no_divisions")
    taken_usccs = set(
        Entity.objects.filter(
            uscc__in=[u for root in roots for u in [_pick(by_id, clusters[root], "uscc")] if u]
        ).values_list("uscc", flat=True)
    )
    objs = []
    for root in roots:
        rows = [by_id[r] for r in clusters[root] if r in by_id]
        best = max(rows, key=lambda r: (bool(r["uscc"]), len(r["name"] or ""), -r["rid"]))
        division = best["division_code"] if best["division_code"] in divisions else None
        division = division or (best["county"] if best["county"] in divisions else fallback)
        uscc = _pick(by_id, clusters[root], "uscc")
        if uscc in taken_usccs:
            uscc = ""
        elif uscc:
            taken_usccs.add(uscc)
        t2 = uscc[1] if uscc else ""
        entity_type = (
            Entity.Type.INDIVIDUAL
            if t2 == "2" or (not best["org_form"] and not t2 and not uscc)
            else Entity.Type.COOP
            if t2 == "3"
            else Entity.Type.ENTERPRISE
        )
        objs.append(
            Entity(
                uscc=uscc or None,
                registration_no=_pick(by_id, clusters[root], "registration_no") or "",
                name=(best["name"] or "")[:128],
                name_norm=(best["name_norm"] or "")[:128],
                name_region=(best["name_region"] or "")[:32],
                trade_name=(best["trade_name"] or "")[:32],
                industry_words=(best["industry_words"] or "")[:32],
                org_form=(best["org_form"] or "")[:32],
                branch=(best["branch"] or "")[:32],
                entity_type=entity_type,
                division_id=division,
                address=(best["address"] or "")[:200],
                legal_rep=(best["legal_rep"] or "")[:32],
            )
        )
    created = Entity.objects.bulk_create(objs, batch_size=2000)
    EntityLinkState.objects.bulk_create(
        [EntityLinkState(entity_id=e.pk, source_only=True) for e in created],
        batch_size=2000,
        ignore_conflicts=True,
    )
    for root, e in zip(roots, created, strict=True):
        out[root] = e.pk
    return out


def _pick(by_id: dict[int, dict[str, Any]], rids: list[int], col: str) -> str:
    values = Counter(by_id[r][col] for r in rids if r in by_id and by_id[r][col])
    return values.most_common(1)[0][0] if values else ""


def _record_details(ids: Sequence[int]) -> pl.DataFrame:
    if not ids:
        return pl.DataFrame(
            schema={
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
                "entity_id": pl.Int64,
            }
        )
    rows: list[tuple[Any, ...]] = []
    for chunk in _chunks(list(ids), 20000):
        rows.extend(
            SourceRecord.objects.filter(pk__in=chunk).values_list(
                "pk",
                "name",
                "name_norm",
                "name_region",
                "trade_name",
                "industry_words",
                "org_form",
                "branch",
                "uscc",
                "registration_no",
                "division_code",
                "county",
                "address",
                "legal_rep",
                "entity_id",
            )
        )
    return pl.DataFrame(
        rows,
        schema=[
            "rid",
            "name",
            "name_norm",
            "name_region",
            "trade_name",
            "industry_words",
            "org_form",
            "branch",
            "uscc",
            "registration_no",
            "division_code",
            "county",
            "address",
            "legal_rep",
            "entity_id",
        ],
        orient="row",
    )


def _apply_links(
    *,
    cluster_of: dict[int, int],
    record_ids: Sequence[int],
    anchor_of_root: dict[int, int],
    forced_nodes: set[int],
    scores: dict[int, float],
    prior_entity: dict[int, int | None],
) -> dict[str, int]:
    """Point each record at its cluster's entity (creating source-only entities where needed)."""
    clusters: dict[int, list[int]] = {}
    for rid in record_ids:
        clusters.setdefault(cluster_of[rid], []).append(rid)
    # Reuse a cluster's previous source-only entity when the records keep it (stable ids over relinks).
    source_only = set(
        EntityLinkState.objects.filter(
            source_only=True, entity_id__in={e for e in prior_entity.values() if e}
        ).values_list("entity_id", flat=True)
    )
    reuse: dict[int, int] = {}
    claimed: set[int] = set(anchor_of_root.values())
    for root, rids in clusters.items():
        if root in anchor_of_root:
            reuse[root] = anchor_of_root[root]
            continue
        votes = Counter(prior_entity.get(r) for r in rids if prior_entity.get(r) in source_only)
        for entity_id, _n in votes.most_common():
            if entity_id is not None and entity_id not in claimed:
                reuse[root] = entity_id
                claimed.add(entity_id)
                break
    needing = {root: rids for root, rids in clusters.items() if root not in reuse}
    details = _record_details([r for rids in needing.values() for r in rids])
    entity_of_root = _source_only_entities(clusters, details, reuse=reuse)
    usccs = (
        dict(Entity.objects.filter(pk__in=set(entity_of_root.values())).values_list("pk", "uscc"))
        if len(entity_of_root) < 50000
        else {}
    )
    rec_codes = {
        pk: (u, n)
        for chunk in _chunks(list(record_ids), 20000)
        for pk, u, n in SourceRecord.objects.filter(pk__in=chunk).values_list("pk", "uscc", "registration_no")
    }
    now = timezone.now()
    updates: list[tuple[int, int, str, float | None]] = []
    for root, rids in clusters.items():
        entity_id = entity_of_root[root]
        for rid in rids:
            uscc, _regno = rec_codes.get(rid, ("", ""))
            if rid in forced_nodes:
                method = SourceRecord.LinkMethod.REVIEW
            elif root not in anchor_of_root and len(rids) == 1:
                method = SourceRecord.LinkMethod.NEW
            elif uscc and usccs.get(entity_id) == uscc:
                method = SourceRecord.LinkMethod.USCC
            elif rid in scores:
                method = SourceRecord.LinkMethod.MODEL
            else:
                method = SourceRecord.LinkMethod.USCC if uscc else SourceRecord.LinkMethod.MODEL
            updates.append((rid, entity_id, method, scores.get(rid)))
    _bulk_set_links(updates, now)
    return {
        "linked_records": len(updates),
        "clusters": len(clusters),
        "new_entities": sum(1 for root in clusters if root not in reuse),
    }


def _bulk_set_links(updates: list[tuple[int, int, str, float | None]], now: Any) -> None:
    """UPDATE … FROM a temporary table: one statement for any number of records (SQLite and PostgreSQL)."""
    if not updates:
        return
    table = SourceRecord._meta.db_table
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS linking_tmp_links")
        cur.execute(
            "CREATE TEMPORARY TABLE linking_tmp_links (rid bigint PRIMARY KEY, entity_id bigint, method varchar(8), score double precision)"
        )
        for chunk in _chunks(updates, 5000):
            cur.executemany(
                "INSERT INTO linking_tmp_links (rid, entity_id, method, score) VALUES (%s, %s, %s, %s)", chunk
            )
        cur.execute(
            f"UPDATE {table} SET entity_id = t.entity_id, link_method = t.method, link_score = t.score, "
            f"linked_at = %s FROM linking_tmp_links AS t WHERE {table}.id = t.rid",
            [now],
        )
        cur.execute("DROP TABLE linking_tmp_links")


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


def link_incremental(
    *, actor: Actor, source_list: SourceList, gazetteer: list[tuple[str, str]] | None = None
) -> dict[str, int]:
    """Link the list's unlinked records against the existing base without relinking the city:
    ``predict_between`` (new × existing) and ``predict_within`` (new × new) with the active model."""
    gz = gazetteer if gazetteer is not None else division_gazetteer()
    new_raw = record_nodes(
        where="last_list_id = %s AND state = 'current' AND entity_id IS NULL", params=[source_list.pk]
    )
    if new_raw.height == 0:
        return {"linked_records": 0}
    registry = registry_nodes(gz)
    existing_raw = record_nodes(where="state = 'current' AND entity_id IS NOT NULL")
    existing = pl.concat([registry, _as_nodes(existing_raw, anchored=True)], how="vertical_relaxed")
    new = _as_nodes(new_raw, anchored=False)
    model = _ensure_model(actor, pl.concat([existing, new], how="vertical_relaxed"))
    match_t, review_t = model.threshold_match, model.threshold_review
    forced, forbidden, decided = _decisions()
    nodes = pl.concat([existing, new], how="vertical_relaxed")
    det = engine.deterministic_edges(nodes)
    new_ids = set(new.get_column("rid").to_list())
    det = det.filter(pl.col("rid_l").is_in(list(new_ids)) | pl.col("rid_r").is_in(list(new_ids)))
    edges = engine.predict_between(new, existing, model.settings_json, threshold=review_t)
    edges = engine._filter_edges(edges) if edges.height else edges
    result = engine.cluster(
        nodes, forced=forced, deterministic=det, model_edges=edges, threshold=match_t, forbidden=forbidden
    )
    anchor_of_root = _anchors_of_roots(nodes, result)
    prior: dict[int, int | None] = {}
    counts = _apply_links(
        cluster_of=result.cluster_of,
        record_ids=sorted(new_ids),
        anchor_of_root=anchor_of_root,
        forced_nodes={n for pair in forced for n in pair},
        scores=result.model_edge_of,
        prior_entity=prior,
    )
    review = (
        engine.review_candidates(edges, result, low=review_t, high=match_t, decided=decided)
        if edges.height
        else edges
    )
    counts["review_pairs"] = _save_review_pairs(review, model) if review.height else 0
    counts["pairs_scored"] = edges.height
    linked = record_nodes(where="last_list_id = %s AND state = 'current'", params=[source_list.pk])
    _branch_relations(_with_names(linked), registry)
    return counts


def _with_names(records: pl.DataFrame) -> pl.DataFrame:
    return records


def _anchors_of_roots(nodes: pl.DataFrame, result: engine.ClusterResult) -> dict[int, int]:
    out: dict[int, int] = {}
    for rid, anchor in nodes.select("rid", "anchor").iter_rows():
        if anchor is not None:
            out.setdefault(result.cluster_of[rid], anchor)
    return out


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
    records = _as_nodes(records_raw, anchored=False)
    nodes = pl.concat([registry, records], how="vertical_relaxed")
    t_load = time.perf_counter()
    model = link_model_train(actor=actor, nodes=nodes) if retrain else _ensure_model(actor, nodes)
    t_train = time.perf_counter()
    forced, forbidden, _decided = _decisions()
    det = engine.deterministic_edges(nodes)
    edges = engine.predict(nodes, model.settings_json, threshold=model.threshold_review)
    edges = engine._filter_edges(edges)
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
    prior = dict(
        zip(
            records_raw.get_column("rid").to_list(),
            records_raw.get_column("entity_id").to_list(),
            strict=True,
        )
    )
    counts = _apply_links(
        cluster_of=result.cluster_of,
        record_ids=records.get_column("rid").to_list(),
        anchor_of_root=_anchors_of_roots(nodes, result),
        forced_nodes={n for pair in forced for n in pair},
        scores=result.model_edge_of,
        prior_entity=prior,
    )
    ReviewPair.objects.filter(status=ReviewPair.Status.PENDING).delete()
    _f, _fb, decided = _decisions()
    review = engine.review_candidates(
        edges, result, low=model.threshold_review, high=model.threshold_match, decided=decided
    )
    counts["review_pairs"] = _save_review_pairs(review, model)
    counts["pairs_scored"] = edges.height
    counts["deterministic_edges"] = det.height
    counts["edges_refused"] = result.refused
    counts["branch_relations"] = _branch_relations(record_nodes(), registry)
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


def base_membership_recompute(*, source_list: SourceList | None, reason: str) -> dict[str, int]:
    """Recompute every entity's departments from current records; write joins and leaves."""
    table = SourceRecord._meta.db_table
    rows = _fetch(
        f"SELECT entity_id, department_id FROM {table} WHERE state = 'current' AND entity_id IS NOT NULL "
        "GROUP BY entity_id, department_id"
    )
    depts: dict[int, list[str]] = {}
    for entity_id, dept in rows:
        depts.setdefault(entity_id, []).append(dept)
    states = {
        s.entity_id: s
        for s in EntityLinkState.objects.filter(department_count__gt=0).only(
            "entity_id", "departments", "department_count", "in_base", "base_since", "source_only"
        )
    }
    now = timezone.now()
    wanted_ids = set(depts) - set(states)
    for chunk in _chunks(sorted(wanted_ids), 20000):
        for s in EntityLinkState.objects.filter(entity_id__in=chunk):
            states[s.entity_id] = s
    to_create: list[EntityLinkState] = []
    to_update: list[EntityLinkState] = []
    events: list[BaseMembershipEvent] = []
    for entity_id in set(depts) | set(states):
        d = sorted(depts.get(entity_id, []))
        in_base = len(d) >= 2
        state = states.get(entity_id)
        if state is None:
            state = EntityLinkState(
                entity_id=entity_id, departments=d, department_count=len(d), in_base=in_base
            )
            if in_base:
                state.base_since = now
                events.append(_event(entity_id, BaseMembershipEvent.Kind.JOIN, d, source_list, reason))
            to_create.append(state)
            continue
        if state.departments == d and state.in_base == in_base:
            continue
        if in_base and not state.in_base:
            state.base_since = now
            events.append(_event(entity_id, BaseMembershipEvent.Kind.JOIN, d, source_list, reason))
        elif state.in_base and not in_base:
            state.base_since = None
            events.append(_event(entity_id, BaseMembershipEvent.Kind.LEAVE, d, source_list, reason))
        state.departments, state.department_count, state.in_base = d, len(d), in_base
        to_update.append(state)
    EntityLinkState.objects.bulk_create(to_create, batch_size=2000)
    _bulk_update_states(to_update, now)
    BaseMembershipEvent.objects.bulk_create(events, batch_size=2000)
    return {
        "base_joined": sum(1 for e in events if e.kind == BaseMembershipEvent.Kind.JOIN),
        "base_left": sum(1 for e in events if e.kind == BaseMembershipEvent.Kind.LEAVE),
        "base_size": sum(1 for v in depts.values() if len(v) >= 2),
    }


def _bulk_update_states(states: list[EntityLinkState], now: Any) -> None:
    """UPDATE … FROM a temporary table (one statement; ``bulk_update``'s CASE chains are slow)."""
    if not states:
        return
    table = EntityLinkState._meta.db_table
    cast = "CAST(t.departments AS jsonb)" if connection.vendor == "postgresql" else "t.departments"
    rows = [
        (s.entity_id, json.dumps(s.departments), s.department_count, s.in_base, s.base_since) for s in states
    ]
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS linking_tmp_states")
        cur.execute(
            "CREATE TEMPORARY TABLE linking_tmp_states (entity_id bigint PRIMARY KEY, departments text, "
            "department_count integer, in_base boolean, base_since timestamp with time zone)"
        )
        for chunk in _chunks(rows, 5000):
            cur.executemany("INSERT INTO linking_tmp_states VALUES (%s, %s, %s, %s, %s)", chunk)
        cur.execute(
            f"UPDATE {table} SET departments = {cast}, department_count = t.department_count, "
            f"in_base = t.in_base, base_since = t.base_since, updated_at = %s "
            f"FROM linking_tmp_states AS t WHERE {table}.entity_id = t.entity_id",
            [now],
        )
        cur.execute("DROP TABLE linking_tmp_states")


def _event(
    entity_id: int, kind: str, departments: list[str], source_list: SourceList | None, reason: str
) -> BaseMembershipEvent:
    return BaseMembershipEvent(
        entity_id=entity_id, kind=kind, departments=departments, source_list=source_list, reason=reason
    )


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
    details = _record_details(moving_ids)
    created = _source_only_entities({moving_ids[0]: moving_ids}, details, reuse={})
    new_entity_id = created[moving_ids[0]]
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
