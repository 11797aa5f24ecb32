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


class Command(BaseCommand):
    help = "Import department lists, link them into entities, relink, evaluate against ground truth."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import one department's list (CSV/XLSX)")
        imp.add_argument("--department", required=True, help="department code, e.g. scjg")
        imp.add_argument("--system", default="", help="the department system the list comes from")
        imp.add_argument("--domain", default=None, help="key domain code of the list, if any")
        imp.add_argument("--mapping", default=None, help='JSON column mapping, e.g. {"name": "单位名称"}')
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
        mapping = json.loads(opts["mapping"]) if opts["mapping"] else None
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
        if opts["errors"]:
            merged, split = evaluation.errors_sample(truth, opts["errors"])
            self.stdout.write("wrongly merged:\n" + str(merged))
            self.stdout.write("wrongly apart:\n" + str(split))
