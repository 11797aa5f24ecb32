"""``crossreg seed --seed S --entities N [--if-empty | --reset] [--lists-dir DIR]``: the synthetic Yancheng."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crossreg.synth.lists import DEFAULT_PLAN, PLANS
from crossreg.synth.people import DEMO_PASSWORD, demo_users
from crossreg.synth.services import SeedRefused, city_seed, city_summary, default_lists_dir


class Command(BaseCommand):
    help = (
        "Seed the synthetic Yancheng: divisions, departments, officers, demo users, N market entities, "
        "and every department's messy list (with ground truth) under --lists-dir. The same seed always "
        "gives the same city."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2021, help="random seed (default 2021)")
        parser.add_argument(
            "--entities", type=int, default=20_000, help="number of market entities (default 20000)"
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (and say what is there) if entities already exist",
        )
        group.add_argument(
            "--reset", action="store_true", help="delete the existing entities first, then seed"
        )
        parser.add_argument(
            "--lists-dir",
            type=Path,
            default=None,
            help="where to write the departments' lists (default VAR_DIR/lists)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="generator processes (default: up to 2 for large cities)",
        )
        parser.add_argument(
            "--list-plan",
            choices=sorted(PLANS),
            default=DEFAULT_PLAN,
            help="which department lists to write: "
            + "; ".join(f"{p.name}: {p.description}" for p in PLANS.values())
            + f" (default {DEFAULT_PLAN})",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["entities"] < 0:
            raise CommandError("--entities must be 0 or more")
        if opts["workers"] is not None and opts["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        verbose = opts["verbosity"] >= 1
        try:
            report = city_seed(
                seed=opts["seed"],
                entities=opts["entities"],
                lists_dir=opts["lists_dir"],
                if_empty=opts["if_empty"],
                reset=opts["reset"],
                workers=opts["workers"],
                list_plan=opts["list_plan"],
                progress=(lambda msg: self.stdout.write(msg)) if verbose else None,
            )
        except SeedRefused as exc:
            raise CommandError(str(exc)) from None
        if report.skipped:
            summary = city_summary()
            self.stdout.write(
                "The database already holds a city; nothing seeded (--if-empty): "
                + ", ".join(f"{v:,} {k}" for k, v in summary.items())
            )
            self._logins()
            return
        c = report.counts
        rate = report.entities / report.seconds if report.seconds else 0.0
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded Yancheng (seed {report.seed}): {report.entities:,} entities in {report.seconds:.1f} s "
                f"({rate:,.0f}/s); {c['list_rows_total']:,} rows on {len(c['list_rows'])} department lists, "
                f"{c['entities_on_2plus_lists']:,} entities on two or more lists."
            )
        )
        self.stdout.write(f"Lists, ground truth and manifest: {report.lists_dir or default_lists_dir()}")
        if report.name_norm_fallback:
            self.stdout.write(
                self.style.WARNING("name_norm: fast path disagreed with normalize_name; used the latter")
            )
        self._logins()

    def _logins(self) -> None:
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for u in demo_users():
            dept = u.department or "-"
            note = f"  {u.note}" if u.note else ""
            self.stdout.write(f"  {u.username:<22} {u.role:<11} {dept:<14}{note}")
