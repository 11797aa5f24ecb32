"""``crossreg linking import|import-dir|relink|train|evaluate``: the supervision-object base from the shell."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crossreg.core.errors import DomainError
from crossreg.linking import evaluation, services
from crossreg.orgs.models import Department, Domain

ACTOR = "system:linking-cli"
FIELD_ORDER = ("name", "uscc_raw", "address", "legal_rep", "phone", "local_id", "region")


class Command(BaseCommand):
    help = "Import department lists, link them into entities, relink, evaluate against ground truth."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import one department's list (CSV/XLSX)")
        imp.add_argument("--department", required=True, help="department code, e.g. scjg")
        imp.add_argument("--system", default="", help="the department system the list comes from")
        imp.add_argument("--domain", default=None, help="key domain code of the list, if any")
        imp.add_argument("--mapping", default=None, help='JSON column mapping, e.g. {"name": "单位名称"}')
        imp.add_argument(
            "--dry-run",
            "--preview",
            action="store_true",
            dest="dry_run",
            help="show the header row found, the column mapping and sample rows; import nothing",
        )
        imp.add_argument("file", type=Path)
        d = sub.add_parser("import-dir", help="import every <department>.csv|.xlsx in a directory")
        d.add_argument("directory", type=Path)
        d.add_argument("--no-link", action="store_true", help="import only; run `relink` afterwards")
        r = sub.add_parser("relink", help="relink the whole city with the active model")
        r.add_argument("--retrain", action="store_true", help="train a new model version first")
        r.add_argument(
            "--engine",
            choices=["duckdb", "spark"],
            default="duckdb",
            help="backend that scores the pairs (spark: LINKING_SPARK_MASTER, local mode by default)",
        )
        sub.add_parser("train", help="train a new model version and make it active")
        e = sub.add_parser("evaluate", help="pairwise and cluster precision/recall against ground truth")
        e.add_argument("--truth", type=Path, required=True)
        e.add_argument(
            "--errors", type=int, default=0, help="also print up to N wrongly merged/split records"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, "_" + opts["action"].replace("-", "_"))(opts)
        except DomainError as exc:
            raise CommandError(str(exc)) from None

    def _import(self, opts: dict[str, Any]) -> None:
        dept = Department.objects.filter(pk=opts["department"]).first()
        if dept is None:
            raise CommandError(f"no department with code {opts['department']!r}")
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        domain = Domain.objects.filter(pk=opts["domain"]).first() if opts["domain"] else None
        try:
            mapping = json.loads(opts["mapping"]) if opts["mapping"] else None
        except json.JSONDecodeError as exc:
            raise CommandError(f"--mapping is not valid JSON: {exc}") from None
        if opts["dry_run"]:
            self._preview(dept, path, mapping)
            return
        result = services.source_list_import(
            actor=ACTOR,
            department=dept,
            content=path.read_bytes(),
            file_name=path.name,
            system=opts["system"],
            domain=domain,
            mapping=mapping,
        )
        sl = result.source_list
        if not result.created:
            self.stdout.write(
                f"{dept.code}: unchanged (same file as snapshot #{sl.snapshot}); nothing imported"
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{dept.code}: snapshot #{sl.snapshot}, {json.dumps(result.counts, ensure_ascii=False)}"
            )
        )
        self._warnings(result.warnings)

    def _warnings(self, warnings: list[dict[str, Any]], shown: int = 20) -> None:
        dups = [w for w in warnings if w["kind"] == "duplicate"]
        if dups:
            extra = sum(len(w["rows"]) - 1 for w in dups)
            self.stdout.write(
                self.style.WARNING(f"{len(dups)} groups of duplicate rows ({extra} rows beyond the first):")
            )
        for w in warnings:
            if w["kind"] == "duplicate":
                if shown <= 0:
                    continue
                shown -= 1
                rows = ", ".join(str(r) for r in w["rows"])
                self.stdout.write(self.style.WARNING(f"  rows {rows} ({w['match']}): {w['value']}"))
            elif w["kind"] == "duplicate_more":
                self.stdout.write(self.style.WARNING(f"… and {w['groups']} more groups of duplicate rows"))
            elif w["kind"] == "title_rows":
                self.stdout.write(f"header in row {w['header_row']}; above it: {' / '.join(w['rows'])}")
            elif w["kind"] == "footer_rows":
                rows = ", ".join(str(r) for r in w["rows"])
                self.stdout.write(
                    f"rows {rows} after the data are notes, not entities: {' / '.join(w['texts'])}"
                )

    def _preview(self, dept: Department, path: Path, mapping: dict[str, str] | None) -> None:
        p = services.source_list_preview(
            actor=ACTOR, department=dept, content=path.read_bytes(), file_name=path.name, mapping=mapping
        )
        self.stdout.write(
            f"{path.name}: {p.rows:,} rows, encoding {p.encoding}, header in row {p.header_row}"
        )
        if p.unchanged:
            self.stdout.write(
                "the same file as the department's current list: an import would change nothing"
            )
        self.stdout.write("column mapping (field ← header):")
        for f in (*FIELD_ORDER,):
            self.stdout.write(f"  {f:<10} ← {p.mapping.get(f, '—')}")
        if p.unmapped:
            self.stdout.write(f"  not used: {', '.join(p.unmapped)}")
        self.stdout.write("first rows as they will be read:")
        for row in p.sample:
            former = f" 曾用名 {row['former_names']}" if row["former_names"] else ""
            self.stdout.write(
                f"  row {row['row']}: {row['name_std']}{former} | {row['uscc_raw'] or '—'}"
                f"{' (valid)' if row['uscc_valid'] else ''} | {row['address']} | {row['legal_rep']}"
            )
        self._warnings(p.warnings)
        for problem in p.problems:
            where = f"row {problem.row}: " if problem.row else ""
            self.stdout.write(self.style.ERROR(f"would be refused: {where}{problem.message}"))
        verdict = "importable" if p.importable else "NOT importable"
        self.stdout.write(self.style.SUCCESS(f"dry run, nothing imported ({verdict})"))

    def _import_dir(self, opts: dict[str, Any]) -> None:
        directory: Path = opts["directory"]
        if not directory.is_dir():
            raise CommandError(f"no such directory: {directory}")
        started = time.perf_counter()
        results = services.import_directory(
            actor=ACTOR, directory=directory, link=not opts["no_link"], progress=self.stdout.write
        )
        self.stdout.write(
            self.style.SUCCESS(f"{len(results)} lists in {time.perf_counter() - started:.1f} s")
        )

    def _relink(self, opts: dict[str, Any]) -> None:
        started = time.perf_counter()
        result = services.linking_relink(actor=ACTOR, retrain=opts["retrain"], engine_name=opts["engine"])
        self.stdout.write(json.dumps(result.counts, ensure_ascii=False))
        self.stdout.write(json.dumps(result.timings))
        self.stdout.write(
            self.style.SUCCESS(
                f"relinked with model v{result.model_version} in {time.perf_counter() - started:.1f} s"
            )
        )

    def _train(self, opts: dict[str, Any]) -> None:
        model = services.link_model_train(actor=ACTOR)
        self.stdout.write(
            self.style.SUCCESS(f"model v{model.version} trained on {model.trained_on:,} rows: {model.path}")
        )

    def _evaluate(self, opts: dict[str, Any]) -> None:
        truth: Path = opts["truth"]
        if not truth.is_file():
            raise CommandError(f"no such file: {truth}")
        s = evaluation.evaluate_against(truth)
        self.stdout.write(f"records evaluated    {s.records:>10,}")
        self.stdout.write(f"true pairs           {s.pairs_true:>10,}")
        self.stdout.write(f"predicted pairs      {s.pairs_predicted:>10,}")
        self.stdout.write(f"correct pairs        {s.pairs_correct:>10,}")
        self.stdout.write(f"pairwise precision   {s.precision:>10.4f}")
        self.stdout.write(f"pairwise recall      {s.recall:>10.4f}")
        self.stdout.write(f"pairwise F1          {s.f1:>10.4f}")
        self.stdout.write(f"cluster precision    {s.cluster_precision:>10.4f}")
        self.stdout.write(f"cluster recall       {s.cluster_recall:>10.4f}")
        split = evaluation.usccs_on_two_entities()
        self.stdout.write(f"valid USCCs on 2+ entities {split.height:>4,}")
        for uscc, entities in split.head(10).iter_rows():
            self.stdout.write(f"  {uscc}: entities {', '.join(str(e) for e in entities)}")
        kinds = evaluation.by_kind(truth)
        if kinds.height:
            self.stdout.write("rows linked correctly, by kind of mess (weakest first):")
            for kind, rows, correct in kinds.iter_rows():
                self.stdout.write(f"  {kind:<24} {rows:>9,}  {correct:>7.2%}")
        if opts["errors"]:
            merged, split = evaluation.errors_sample(truth, opts["errors"])
            self.stdout.write("wrongly merged:\n" + str(merged))
            self.stdout.write("wrongly apart:\n" + str(split))
