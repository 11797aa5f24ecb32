"""List import: a department's file or API push becomes its current snapshot (all or nothing)."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from crossreg.core import text
from crossreg.core.audit import audit_record
from crossreg.core.errors import Invalid, Problem, ProblemList
from crossreg.linking import bulk
from crossreg.linking import standardise as std
from crossreg.linking.models import (
    SourceList,
    SourceRecord,
)
from crossreg.linking.services._common import (
    RECORD_STD_FIELDS,
    Actor,
    _actor_user,
    _check_import_permission,
    _var_dir,
)
from crossreg.linking.services.base import _department_entities, base_membership_recompute
from crossreg.linking.services.frames import division_gazetteer
from crossreg.linking.services.link import link_incremental
from crossreg.orgs.models import Department, Domain


@dataclass
class ImportResult:
    source_list: SourceList
    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    """What was imported but deserves a look: duplicate rows (:func:`duplicate_rows`), title rows."""


def _after_records_written(source_list: SourceList) -> None:
    """A seam for tests: called inside the import transaction after the rows are written."""


def _upload_limit() -> int:
    return int(getattr(settings, "CROSSREG", {}).get("UPLOAD_MAX_BYTES", 200 * 1024 * 1024))


def _table_from_file(content: bytes, file_name: str, mapping: dict[str, str] | None = None) -> std.Table:
    if len(content) > _upload_limit():
        raise Invalid(
            f"the file is {len(content):,} bytes; the limit is {_upload_limit():,} bytes",
            field="file",
            code="too_large",
        )
    if not content:
        raise Invalid("the file is empty", field="file", code="empty")
    try:
        return std.read_table(content, file_name, mapping)
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


def _validate_rows(df: pl.DataFrame, table: std.Table, mapping: dict[str, str]) -> None:
    """Rows without a name, and cells with markup (:mod:`crossreg.core.text`), by the file's row
    number and column."""
    _row_problems(df, table, mapping).raise_if_any()


def _row_problems(df: pl.DataFrame, table: std.Table, mapping: dict[str, str]) -> ProblemList:
    problems = ProblemList()
    rows = df.with_row_index("i")
    number = table.row_numbers
    empty = rows.filter(pl.col("name").str.strip_chars() == "").get_column("i").to_list()
    for i in empty[:20]:
        problems.add("the name is empty", field="name", row=number[i], code="required")
    if len(empty) > 20:
        problems.add(f"… and {len(empty) - 20} more rows without a name", field="name", code="required")
    marked: list[Problem] = []
    for f in (*std.FIELDS, "region"):
        header = mapping.get(f)
        if header is None:
            continue
        bad = rows.filter(
            pl.col(f).str.contains(text.MARKUP_REGEX) | pl.col(f).str.contains(text.CONTROL_REGEX)
        )
        for i, value in bad.select("i", f).iter_rows():
            problem = text.text_problem(value, field=header, multiline=True)
            if problem is not None:
                problem.row = number[i]
                marked.append(problem)
    marked.sort(key=lambda p: p.row or 0)
    problems.problems.extend(marked[:20])
    if len(marked) > 20:
        problems.add(f"… and {len(marked) - 20} more cells with markup", code="markup")
    return problems


DUPLICATE_KINDS = {
    "same_row": "every cell the same",
    "same_id": "the same record ID",
    "same_code": "the same valid USCC or registration number",
    "same_name_address": "the same name and address, no valid code",
}
"""Duplicate rows in one list, strongest first: a group of rows is reported under the first kind
that holds it whole."""

DUPLICATE_GROUPS_KEPT = 200
"""At most this many duplicate groups are kept with their row numbers (the count covers all)."""


def duplicate_rows(table: std.Table, df: pl.DataFrame) -> list[dict[str, Any]]:
    """Groups of rows in one list that describe the same thing twice, by kind
    (:data:`DUPLICATE_KINDS`): ``{"kind", "rows": [file row numbers], "value"}``. The rows are
    imported (a department may list a company twice on purpose, e.g. two premises), but the
    import reports them."""
    if not table.rows:
        return []
    frame = df.select(
        pl.Series("row", table.row_numbers, dtype=pl.Int64),
        pl.Series("cells", ["\x1f".join(r) for r in table.rows], dtype=pl.Utf8),
        pl.col("local_id"),
        pl.when(pl.col("uscc") != "")
        .then(pl.col("uscc"))
        .when(pl.col("registration_no") != "")
        .then(pl.col("registration_no"))
        .otherwise(None)
        .alias("code"),
        pl.col("branch"),
        pl.when((pl.col("uscc") == "") & (pl.col("registration_no") == "") & (pl.col("name_norm") != ""))
        .then(pl.col("name_norm") + pl.lit(" | ") + pl.col("address_core"))
        .otherwise(None)
        .alias("name_address"),
        pl.col("name_clean").alias("name"),
    )
    keys = {
        "same_row": pl.col("cells"),
        "same_id": pl.when(pl.col("local_id") != "").then(pl.col("local_id")).otherwise(None),
        "same_code": pl.when(pl.col("code").is_not_null()).then(
            pl.col("code") + pl.lit("|") + pl.col("branch")
        ),
        "same_name_address": pl.col("name_address"),
    }
    out: list[dict[str, Any]] = []
    covered: set[frozenset[int]] = set()
    reported_rows: set[int] = set()
    for kind, key in keys.items():
        groups = (
            frame.with_columns(key.alias("__k"))
            .drop_nulls("__k")
            .group_by("__k", maintain_order=True)
            .agg(pl.col("row"), pl.col("name").first(), pl.col("code").first(), pl.col("local_id").first())
            .filter(pl.col("row").list.len() > 1)
        )
        for _k, rows, name, code, local_id in groups.iter_rows():
            members = frozenset(rows)
            if any(members <= c for c in covered) or members <= reported_rows:
                continue
            covered.add(members)
            reported_rows |= members
            value = {"same_row": name, "same_id": local_id, "same_code": code}.get(kind, name)
            out.append({"kind": kind, "rows": sorted(rows), "value": value or name})
    out.sort(key=lambda w: w["rows"][0])
    return out


def _import_warnings(table: std.Table, df: pl.DataFrame) -> tuple[list[dict[str, Any]], int]:
    """The warnings an import reports and keeps (duplicates, title and footer rows), and the number
    of duplicate rows (beyond the first of each group)."""
    dups = duplicate_rows(table, df)
    extra = sum(len(w["rows"]) - 1 for w in dups)
    warnings: list[dict[str, Any]] = [
        {"kind": "duplicate", "match": w["kind"], "rows": w["rows"], "value": w["value"]}
        for w in dups[:DUPLICATE_GROUPS_KEPT]
    ]
    if len(dups) > DUPLICATE_GROUPS_KEPT:
        warnings.append({"kind": "duplicate_more", "groups": len(dups) - DUPLICATE_GROUPS_KEPT})
    if table.title_rows:
        warnings.append({"kind": "title_rows", "header_row": table.header_row, "rows": table.title_rows})
    if table.footer_rows:
        warnings.append(
            {
                "kind": "footer_rows",
                "rows": [n for n, _ in table.footer_rows],
                "texts": [t for _, t in table.footer_rows],
            }
        )
    return warnings, extra


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

    table, used = _read_and_map(content, file_name, mapping)
    if not table.rows:
        raise Invalid("the file has a header but no rows", field="file", code="empty")
    df = _frame_from_table(table, used)
    _validate_rows(df, table, used)
    gz = division_gazetteer()
    df = standardise_frame(df, gz)
    warnings, duplicates = _import_warnings(table, df)
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
        warnings=warnings,
    )
    before = _department_entities(department) if recompute_base else None
    counts = _write_records(sl=sl, table=table, df=df)
    if duplicates:
        counts["duplicate_rows"] = duplicates
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
            "header_row": table.header_row,
            "duplicate_groups": sum(1 for w in warnings if w["kind"] == "duplicate"),
        },
        evidence=[sha],
    )
    return ImportResult(source_list=sl, created=True, counts=counts, timings=timings, warnings=warnings)


def _read_and_map(
    content: bytes, file_name: str, mapping: dict[str, str] | None
) -> tuple[std.Table, dict[str, str]]:
    """The table (header found among the first rows) and the column mapping used, or ``Invalid``."""
    if mapping:
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
        ):
            raise Invalid("the mapping must map field names to header names", field="mapping", code="invalid")
        unknown = sorted(set(mapping) - {*std.FIELDS, "region"})
        if unknown:
            raise Invalid(
                f"unknown field(s) in the mapping: {', '.join(unknown)}; known: "
                f"{', '.join((*std.FIELDS, 'region'))}",
                field="mapping",
                code="invalid",
            )
    table = _table_from_file(content, file_name, mapping)
    absent = sorted(h for h in (mapping or {}).values() if h and h not in table.headers)
    if absent:
        raise Invalid(
            f"the mapping names column(s) the file does not have: {', '.join(absent)}; the file's "
            f"columns are {', '.join(h for h in table.headers if h)}",
            field="mapping",
            code="missing_columns",
        )
    used = std.detect_mapping(table.headers, mapping)
    missing = [f for f in std.REQUIRED_FIELDS if f not in used]
    if missing:
        raise Invalid(
            f"required column(s) missing: {', '.join(missing)}; the file's columns are "
            f"{', '.join(h for h in table.headers if h)}. Name the column (e.g. 单位名称/企业名称) or give a mapping.",
            field="mapping",
            code="missing_columns",
        )
    return table, used


PREVIEW_ROWS = 5

STASH_HOURS = 24
"""An uploaded file waits this long for its import to be confirmed after the preview."""


def _stash_dir() -> Path:
    path = _var_dir() / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_stash(*, user_id: int, department: str, content: bytes, file_name: str) -> str:
    """Keep an uploaded list between its preview and the confirmed import; returns the token that
    names it (only the same user may take it back). Files older than :data:`STASH_HOURS` go."""
    directory = _stash_dir()
    cutoff = time.time() - STASH_HOURS * 3600
    for old in directory.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
        except OSError:
            continue
    token = secrets.token_urlsafe(18)
    (directory / f"{token}.bin").write_bytes(content)
    meta = {"user": user_id, "department": department, "file_name": file_name[:255], "size": len(content)}
    (directory / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def upload_stashed(*, token: str, user_id: int) -> tuple[bytes, str, str]:
    """(content, file name, department code) of a stashed upload of this user, or ``Invalid``."""
    if not token or not all(c.isalnum() or c in "-_" for c in token):
        raise Invalid("the uploaded file is gone: choose it again", field="file", code="expired")
    directory = _stash_dir()
    try:
        meta = json.loads((directory / f"{token}.json").read_text(encoding="utf-8"))
        content = (directory / f"{token}.bin").read_bytes()
    except (OSError, ValueError):
        raise Invalid("the uploaded file is gone: choose it again", field="file", code="expired") from None
    if meta.get("user") != user_id:
        raise Invalid("the uploaded file is gone: choose it again", field="file", code="expired")
    return content, str(meta.get("file_name") or "list.csv"), str(meta.get("department") or "")


def upload_discard(token: str) -> None:
    if token and all(c.isalnum() or c in "-_" for c in token):
        for suffix in (".bin", ".json"):
            (_stash_dir() / f"{token}{suffix}").unlink(missing_ok=True)


@dataclass
class ImportPreview:
    """What an import would do with a file, before anything is written: where the header is, the
    column mapping guessed (or given), sample rows as they will be standardised, and the problems
    that would refuse it or the warnings it would carry."""

    file_name: str
    sha256: str
    encoding: str
    header_row: int
    title_rows: list[str]
    headers: list[str]
    mapping: dict[str, str]
    unmapped: list[str]
    rows: int
    sample: list[dict[str, str]]
    warnings: list[dict[str, Any]]
    problems: list[Problem]
    unchanged: bool = False

    @property
    def importable(self) -> bool:
        return not self.problems and self.rows > 0


def source_list_preview(
    *,
    actor: Actor,
    department: Department,
    content: bytes,
    file_name: str,
    mapping: dict[str, str] | None = None,
) -> ImportPreview:
    """Read a list and report what :func:`source_list_import` would do with it, writing nothing:
    the header row found, the mapping (``field`` → header), a few standardised rows, the rows it
    would refuse, and the duplicates it would report. A file that cannot be read at all, or has no
    name column, raises ``Invalid`` as the import would."""
    _check_import_permission(actor, department)
    sha = hashlib.sha256(content).hexdigest()
    table, used = _read_and_map(content, file_name, mapping)
    df = _frame_from_table(table, used)
    problems = _row_problems(df, table, used).problems if table.rows else []
    if not table.rows:
        problems = [Problem(message="the file has a header but no rows", field="file", code="empty")]
    warnings: list[dict[str, Any]] = []
    sample: list[dict[str, str]] = []
    if table.rows:
        std_df = standardise_frame(df, division_gazetteer())
        warnings, _ = _import_warnings(table, std_df)
        head = std_df.head(PREVIEW_ROWS)
        for number, row in zip(table.row_numbers, head.iter_rows(named=True), strict=False):
            sample.append(
                {
                    "row": str(number),
                    **{f: str(row.get(f) or "") for f in std.FIELDS},
                    "name_std": str(row.get("name_clean") or ""),
                    "former_names": str(row.get("former_names") or "").replace("|", "；"),
                    "uscc_valid": "1" if row.get("uscc_valid") else "",
                    "county": str(row.get("county") or ""),
                }
            )
    current = (
        SourceList.objects.filter(department=department, status=SourceList.Status.CURRENT)
        .order_by("-snapshot")
        .values_list("sha256", flat=True)
        .first()
    )
    return ImportPreview(
        file_name=file_name,
        sha256=sha,
        encoding=table.encoding,
        header_row=table.header_row,
        title_rows=table.title_rows,
        headers=[h for h in table.headers if h],
        mapping=used,
        unmapped=[h for h in table.headers if h and h not in used.values()],
        rows=len(table.rows),
        sample=sample,
        warnings=warnings,
        problems=problems,
        unchanged=current == sha,
    )


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
        for f in ("local_id", *RECORD_STD_FIELDS, "former_names")
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
        "former_names",
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
        # Former names count only where there are some (rows without keep their old hash).
        + pl.when(pl.col("former_names") != "")
        .then(pl.lit("|former:") + pl.col("former_names"))
        .otherwise(pl.lit(""))
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
        pl.Series("row_number", table.row_numbers, dtype=pl.Int64),
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
