"""``crossreg uscc check CODE…``: a verdict per code; exits 1 if any code is invalid.

``-`` reads codes one per line from standard input (blank lines are skipped). Each line of output
is ``OK``, ``WARN`` (valid, with a warning such as a failing organisation-code check) or
``INVALID``, the code as given, and what is right or exactly what is wrong with it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crossreg.entities.uscc import uscc_check


def _codes(args: Iterable[str], stdin: TextIO) -> Iterator[str]:
    for arg in args:
        if arg == "-":
            for line in stdin:
                if line.strip():
                    yield line.rstrip("\r\n")
        else:
            yield arg


class Command(BaseCommand):
    help = "Unified social credit codes (GB 32100-2015) and 15-digit registration numbers."
    stealth_options = ("stdin",)
    requires_system_checks: list[str] = []  # pure: no database, no checks needed

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{check}")
        check = sub.add_parser(
            "check",
            help="check codes; '-' reads codes one per line from stdin",
            description="Print a verdict per code and exit 1 if any is invalid.",
        )
        check.add_argument("codes", nargs="+", metavar="CODE")

    def handle(self, *args: Any, **options: Any) -> None:
        stdin: TextIO = options.get("stdin") or sys.stdin
        total = invalid = 0
        for raw in _codes(options["codes"], stdin):
            verdict = uscc_check(raw)
            total += 1
            if not verdict.valid:
                invalid += 1
                label = self.style.ERROR("INVALID")
            elif verdict.warnings:
                label = self.style.WARNING("WARN   ")
            else:
                label = self.style.SUCCESS("OK     ")
            shown = raw if raw == verdict.normalized else f"{raw} → {verdict.normalized}"
            self.stdout.write(f"{label} {shown}: {verdict.message}")
        if total == 0:
            raise CommandError("no codes given", returncode=2)
        if invalid:
            raise CommandError(f"{invalid} of {total} codes invalid", returncode=1)
