"""``city_seed``: build the synthetic Yancheng in the database and write the departments' lists.

One run = reference data (idempotent) + officers and demo users + ``N`` entities (bulk: PostgreSQL
``COPY`` or SQLite ``executemany``, in chunks, inside one transaction) + the departments' messy
lists, their ground truth and a manifest. The run is recorded in the ledger with **one** summary
audit entry (``city.seed``) carrying the seed, the counts and the SHA-256 of every list file: an
entry per entity would put a million meaningless entries into the ledger for what is a single act
of loading a synthetic city, and the manifest hashes already pin down every row.

Entities are generated, and list rows derived, in worker processes (chunks are independent, see
:mod:`crossreg.synth.generate`); the main process writes the database and the files in chunk order,
so the output does not depend on the number of workers.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from crossreg.core.audit import audit_record
from crossreg.entities.models import Entity
from crossreg.orgs.models import Department, Officer, User
from crossreg.synth.generate import CHUNK
from crossreg.synth.lists import (
    DEFAULT_PLAN,
    PLANS,
    SPECS,
    TRUTH_COLUMNS,
    ListSpec,
    csv_header,
    file_head,
)
from crossreg.synth.load import EntityLoader
from crossreg.synth.people import people_seed
from crossreg.synth.reference import orgs_reference_load
from crossreg.synth.render import ChunkOut, Plan, render_chunk

GENERATOR_VERSION = 3
"""Bumped whenever the same seed would give a different city."""


class SeedRefused(Exception):
    """The database already holds entities and neither ``--if-empty`` nor ``--reset`` was given."""


@dataclass
class SeedReport:
    seed: int
    entities: int
    skipped: bool = False
    seconds: float = 0.0
    counts: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    lists_dir: Path | None = None
    name_norm_fallback: bool = False


def default_lists_dir() -> Path:
    return Path(settings.VAR_DIR) / "lists"


def city_summary() -> dict[str, int]:
    """What the database holds now."""
    return {
        "entities": Entity.objects.count(),
        "departments": Department.objects.count(),
        "officers": Officer.objects.count(),
        "users": User.objects.count(),
    }


def _chunks(
    seed: int,
    n: int,
    plan: Plan,
    workers: int,
    list_plan: str = DEFAULT_PLAN,
    part: str = "all",
    pool: Executor | None = None,
) -> Iterator[ChunkOut]:
    """The rendered chunks of the city, in order; in ``pool`` (or a pool of ``workers``
    processes of its own) when there is more than one chunk and more than one worker."""
    jobs = [(seed, k, n, plan, list_plan, part) for k in range((n + CHUNK - 1) // CHUNK)]
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield render_chunk(job)
        return
    if pool is None:
        with _worker_pool(workers) as own:
            yield from _chunks(seed, n, plan, workers, list_plan, part, own)
        return
    # In chunk order, with at most ``2 * workers`` chunks in flight (memory stays flat).
    window = 2 * workers
    pending = [pool.submit(render_chunk, job) for job in jobs[:window]]
    next_job = window
    while pending:
        result = pending.pop(0).result()
        if next_job < len(jobs):
            pending.append(pool.submit(render_chunk, jobs[next_job]))
            next_job += 1
        yield result


def _worker_pool(workers: int) -> ProcessPoolExecutor:
    # "spawn": the workers import only the pure generator modules, never the database connection.
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))


@dataclass
class _Tally:
    """The counts of the chunks written so far."""

    by_type: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    by_county: Counter[str] = field(default_factory=Counter)
    mess: Counter[str] = field(default_factory=Counter)
    histogram: Counter[int] = field(default_factory=Counter)
    without_uscc: int = 0
    norm_fallback: bool = False

    def add(self, chunk: ChunkOut) -> None:
        self.by_type.update(chunk.by_type)
        self.by_status.update(chunk.by_status)
        self.by_county.update(chunk.by_county)
        self.mess.update(chunk.mess)
        self.histogram.update(chunk.lists_per_entity)
        self.without_uscc += chunk.without_uscc
        self.norm_fallback |= chunk.norm_fallback


def _reset() -> None:
    """Delete the synthetic entities (officers and demo users are replaced by ``people_seed``).

    Refused, with nothing changed, when records of other modules still refer to the entities.
    """
    through = Entity.key_domains.through
    qn = connection.ops.quote_name
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {qn(through._meta.db_table)}")
            cursor.execute(f"DELETE FROM {qn(Entity._meta.db_table)}")
            if connection.vendor == "sqlite":  # foreign keys are checked only at commit there
                connection.check_constraints()
    except IntegrityError as exc:
        raise SeedRefused(
            "--reset cannot delete the entities: records of other modules refer to them "
            f"({exc}). Start from an empty database instead (drop it, then crossreg migrate)."
        ) from None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _ListWriter:
    """Appends each chunk's rendered list rows and truth rows to the files, in chunk order."""

    def __init__(self, directory: Path, specs: tuple[ListSpec, ...]) -> None:
        self.directory = directory
        self.specs = specs
        (directory / "_truth").mkdir(parents=True, exist_ok=True)
        self.handles: dict[str, BinaryIO] = {}
        for spec in specs:
            handle = (directory / spec.filename).open("wb")
            header = io.StringIO()
            csv.writer(header, lineterminator="\r\n").writerows(file_head(spec))
            handle.write(header.getvalue().encode(spec.encoding))  # utf-8-sig: the BOM, once
            self.handles[spec.department] = handle
        self.truth = (directory / "_truth" / "truth.csv").open("wb")
        self.truth.write((",".join(TRUTH_COLUMNS) + "\n").encode())
        self.rows: Counter[str] = Counter()

    def write(self, chunk: ChunkOut) -> None:
        for spec in self.specs:
            self.handles[spec.department].write(chunk.lists[spec.department])
            self.rows[spec.department] += chunk.list_rows[spec.department]
        self.truth.write(chunk.truth)

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()
        self.truth.close()


def city_seed(
    *,
    seed: int,
    entities: int,
    lists_dir: Path | None = None,
    if_empty: bool = False,
    reset: bool = False,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
    list_plan: str = DEFAULT_PLAN,
) -> SeedReport:
    """Seed the synthetic city (see the module docstring). Deterministic in ``seed``, ``entities``
    and ``list_plan`` (which departments write lists: ``"city"``, all 17, or ``"bench8"``, see
    :data:`crossreg.synth.lists.PLANS`)."""
    if entities < 0:
        raise ValueError("--entities must be 0 or more")
    if list_plan not in PLANS:
        raise ValueError(f"unknown list plan {list_plan!r}; known: {', '.join(PLANS)}")
    specs = PLANS[list_plan].specs
    say = progress or (lambda _msg: None)
    lists_dir = Path(lists_dir) if lists_dir else default_lists_dir()
    existing = Entity.objects.count()
    if existing:
        if if_empty:
            return SeedReport(seed=seed, entities=existing, skipped=True, counts=city_summary())
        if not reset:
            raise SeedRefused(
                f"the database already holds {existing:,} entities; use --if-empty to keep them "
                "or --reset to delete the synthetic city and seed again"
            )
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if entities >= 4 * CHUNK else 1
    started = time.perf_counter()
    lists_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".seed-", dir=lists_dir))
    report = SeedReport(seed=seed, entities=entities, lists_dir=lists_dir)
    try:
        with contextlib.ExitStack() as stack, transaction.atomic():
            if existing:
                say(f"deleting {existing:,} existing entities (--reset)")
                _reset()
            ref = orgs_reference_load()
            people = people_seed(seed)
            say(
                f"reference data: {ref.divisions} divisions, {ref.grid_cells} grid cells, {ref.domains} domains, "
                f"{ref.departments} departments, {ref.teams} teams; {people.officers} officers, {people.users} users"
            )
            loader = EntityLoader()
            writer = _ListWriter(tmp, specs)
            tally = _Tally()

            pool = stack.enter_context(_worker_pool(workers)) if workers > 1 and entities > CHUNK else None

            def chunks(part: str) -> Iterator[ChunkOut]:
                for chunk in _chunks(seed, entities, loader.plan, workers, list_plan, part, pool):
                    yield chunk
                    tally.add(chunk)
                    done = min((chunk.k + 1) * CHUNK, entities)
                    if done % (10 * CHUNK) == 0 or done == entities:
                        rate = done / max(time.perf_counter() - started, 1e-9)
                        what = {"all": "entities", "entities": "entities", "lists": "entities' list rows"}[
                            part
                        ]
                        say(f"{done:,} / {entities:,} {what} ({rate:,.0f}/s)")

            try:
                if loader.vendor == "postgresql":
                    # Two passes, so that PostgreSQL builds the indexes (a single-threaded minute at
                    # 1,000,000 entities) while the workers regenerate the entities and derive the
                    # lists, instead of the lists' CPU and the index build taking turns.
                    for chunk in chunks("entities"):
                        loader.load(chunk)
                    building = loader.finish_in_background()
                    try:
                        for chunk in chunks("lists"):
                            writer.write(chunk)
                    finally:
                        building.result()
                else:
                    for chunk in chunks("all"):
                        loader.load(chunk)
                        writer.write(chunk)
                    loader.finish()
            finally:
                writer.close()
            by_type, by_status, by_county = tally.by_type, tally.by_status, tally.by_county
            mess, histogram, no_uscc, norm_fallback = (
                tally.mess,
                tally.histogram,
                tally.without_uscc,
                tally.norm_fallback,
            )
            counts: dict[str, Any] = {
                "entities": entities,
                "by_type": dict(sorted(by_type.items())),
                "by_status": dict(sorted(by_status.items())),
                "by_county": dict(sorted(by_county.items())),
                "without_uscc": no_uscc,
                "key_domain_links": loader.links,
                "list_plan": list_plan,
                "list_rows": {s.department: writer.rows[s.department] for s in specs},
                "list_rows_total": sum(writer.rows.values()),
                "entities_on_lists": entities - histogram.get(0, 0),
                "entities_on_2plus_lists": sum(v for n, v in histogram.items() if n >= 2),
                "mess": dict(sorted(mess.items())),
                "divisions": ref.divisions,
                "departments": ref.departments,
                "teams": ref.teams,
                "officers": people.officers,
                "users": people.users,
            }
            files: dict[str, str] = {}
            for spec in specs:
                files[spec.filename] = _sha256(tmp / spec.filename)
            files["_truth/truth.csv"] = _sha256(tmp / "_truth" / "truth.csv")
            manifest = {
                "generator": "crossreg.synth",
                "version": GENERATOR_VERSION,
                "seed": seed,
                "entities": entities,
                "chunk": CHUNK,
                "list_plan": list_plan,
                "counts": counts,
                "lists": [
                    {
                        "department": s.department,
                        "file": s.filename,
                        "encoding": s.encoding,
                        "columns": csv_header(s),
                        "rows": writer.rows[s.department],
                        "sha256": files[s.filename],
                    }
                    for s in specs
                ],
                "truth": {
                    "file": "_truth/truth.csv",
                    "columns": list(TRUTH_COLUMNS),
                    "sha256": files["_truth/truth.csv"],
                },
            }
            (tmp / "manifest.json").write_text(
                json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
            )
            files["manifest.json"] = _sha256(tmp / "manifest.json")
            audit_record(
                actor="system:seed",
                action="city.seed",
                subject_type="city",
                subject_id="yancheng",
                payload={
                    "seed": seed,
                    "entities": entities,
                    "generator_version": GENERATOR_VERSION,
                    "counts": counts,
                    "lists": files,
                    "name_norm_fallback": norm_fallback,
                },
            )
        # Committed: move the lists into place, replacing an earlier city's (and removing the lists
        # of departments this plan leaves out, so that the directory holds one city's lists).
        written = {s.department for s in specs}
        for spec in SPECS:
            if spec.department in written:
                os.replace(tmp / spec.filename, lists_dir / spec.filename)
            else:
                (lists_dir / spec.filename).unlink(missing_ok=True)
        (lists_dir / "_truth").mkdir(exist_ok=True)
        os.replace(tmp / "_truth" / "truth.csv", lists_dir / "_truth" / "truth.csv")
        os.replace(tmp / "manifest.json", lists_dir / "manifest.json")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    # A bulk load leaves the planner without statistics: at 1,000,000 entities PostgreSQL then
    # scanned the whole table for a USCC lookup (0.4 s) instead of using its unique index (0.5 ms).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    report.seconds = time.perf_counter() - started
    report.counts = counts
    report.files = files
    report.name_norm_fallback = norm_fallback
    return report
