"""``crossreg credit …``: evaluate the city, backtest a model, issue an enterprise's access code.

crossreg credit evaluate [--as-of DATE]                   grade every entity (the batch job)
crossreg credit validate [--model public | --version public/v2] [--cutoff DATE] [--horizon 365] [--json]
crossreg credit access-code --uscc USCC                   a fresh code for the enterprise
"""

from __future__ import annotations

import datetime as dt
import json
from argparse import ArgumentParser
from dataclasses import asdict
from typing import Any

import numpy as np
import polars as pl
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crossreg.credit import selectors, services
from crossreg.credit.spec import spec_validate
from crossreg.credit.validation import backtest


class Command(BaseCommand):
    help = "Credit: evaluate, validate (backtest AUC/KS/rates per grade), access-code."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser("evaluate", help="grade every entity with the model in force")
        ev.add_argument("--as-of", type=dt.date.fromisoformat)
        va = sub.add_parser("validate", help="backtest the model on the recorded history")
        va.add_argument(
            "--model", default="public", help="the model code (its version in force at the cutoff)"
        )
        va.add_argument(
            "--version", help="a version label such as public/v2 (a draft too: validate before publishing)"
        )
        va.add_argument("--cutoff", type=dt.date.fromisoformat, help="default: a horizon before today")
        va.add_argument("--horizon", type=int, default=365, help="days of outcomes after the cutoff")
        va.add_argument("--json", action="store_true")
        ac = sub.add_parser("access-code", help="issue an enterprise its code to read its own record")
        ac.add_argument("--uscc", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "evaluate":
            summary = services.credit_evaluate_all(actor="system:cli", as_of=opts.get("as_of"))
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        elif action == "validate":
            self._validate(opts)
        elif action == "access-code":
            from crossreg.entities.models import Entity

            e = Entity.objects.filter(uscc=opts["uscc"].upper()).first()
            if e is None:
                raise CommandError(f"no entity with USCC {opts['uscc']}")
            self.stdout.write(services.access_code_issue(actor="system:cli", entity=e))

    def _validate(self, opts: dict[str, Any]) -> None:
        from crossreg.entities.models import Entity

        today = timezone.localdate()
        cutoff = opts.get("cutoff") or today - dt.timedelta(days=opts["horizon"])
        if opts.get("version"):
            version = selectors.version_by_label(opts["version"])
        else:
            version = selectors.model_version_at(opts["model"], cutoff)
        if version is None:
            raise CommandError(f"no published version of model {opts['model']!r} in force on {cutoff}")
        spec = spec_validate(version.spec)
        events = selectors.events_frame_for(None)
        inspections = events.filter(pl.col("kind").is_in(["inspection_finding", "inspection_clean"]))
        outcomes = inspections.select(
            "entity_id",
            "occurred_on",
            found=pl.col("kind") == "inspection_finding",
            random=pl.col("category") == "random",
        )
        rows = list(Entity.objects.order_by("pk").values_list("pk", "credit_class"))
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        report = backtest(
            events=events,
            outcomes=outcomes,
            spec=spec,
            entity_ids=ids,
            provisional={r[0]: r[1] for r in rows},
            cutoff=cutoff,
            horizon_days=opts["horizon"],
        )
        if opts["json"]:
            self.stdout.write(
                json.dumps(
                    {"model_version": version.label, **asdict(report)}, default=str, ensure_ascii=False
                )
            )
            return
        w = self.stdout.write
        w(
            f"Model {version.label} backtested: graded as of {cutoff}, outcomes of the next {opts['horizon']} days"
        )
        w(
            f"entities {report.entities:,}, inspected after the cutoff {report.inspected:,}, of them in random draws {report.random_inspected:,}"
        )
        for name, fig in (("evaluated grade", report.model), ("provisional class", report.provisional)):
            w("")
            w(
                f"— {name}: AUC {fig['auc']:.3f}  KS {fig['ks']:.3f}  AUC in random draws {fig['auc_random']:.3f}"
            )
            w("  grade   n(all)  violation rate   n(random)  violation rate (random draws)")
            for g in ("A", "B", "C", "D"):
                a, r = fig["per_grade"][g], fig["per_grade_random"][g]
                fmt = lambda x: "   —  " if x is None else f"{x:6.1%}"  # noqa: E731
                w(
                    f"  {g}     {a['n']:7,}   {fmt(a['violation_rate'])}        {r['n']:7,}   {fmt(r['violation_rate'])}"
                )
            if name == "evaluated grade":
                w(
                    "  calibration (risk decile → violation rate): "
                    + "  ".join(
                        f"{c['decile']}:{c['violation_rate']:.1%} (n={c['n']})"
                        for c in fig["calibration"]
                        if c["violation_rate"] is not None
                    )
                )
        better = report.model["auc"] > report.provisional["auc"]
        w("")
        w(
            f"The evaluated model {'beats' if better else 'does NOT beat'} the provisional classes "
            f"(AUC {report.model['auc']:.3f} vs {report.provisional['auc']:.3f})."
        )
