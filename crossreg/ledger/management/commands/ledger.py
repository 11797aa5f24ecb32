"""``crossreg ledger …``: verify the log, make and export checkpoints, write proof bundles.

crossreg ledger verify [--strict] [--against CHECKPOINT]…
                                                  recompute everything; exit 1 naming the first bad entry;
                                                  with --against (a file or URL), also fail if the log
                                                  is shorter than that checkpoint or does not extend it
crossreg ledger checkpoint [--if-changed]         sign the current tree head (cron: every few minutes)
crossreg ledger export-checkpoint [--format json|note] [-o FILE]
crossreg ledger bundle --subject-type T --subject-id I [-o FILE]
crossreg ledger consistency --old N [--new M] [-o FILE]
crossreg ledger public-key [--format pem|hex|note]
"""

from __future__ import annotations

import json
import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from crossreg.core.errors import DomainError
from crossreg.ledger import selectors, services, signing
from crossreg.ledger.models import LedgerCheckpoint
from crossreg.ledger.verification import checkpoint_load, ledger_verify


class Command(BaseCommand):
    help = (
        "The tamper-evident ledger: verify, checkpoint, export-checkpoint, bundle, consistency, public-key."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute every hash and check every checkpoint")
        verify.add_argument("--strict", action="store_true", help="also require RFC 8785 canonical bytes")
        verify.add_argument("--show", type=int, default=10, help="how many problems to list")
        verify.add_argument(
            "--against",
            action="append",
            default=[],
            metavar="CHECKPOINT",
            help="a published or witnessed checkpoint (file or URL) the log must extend; repeatable",
        )

        cp = sub.add_parser("checkpoint", help="sign the current tree head")
        cp.add_argument("--if-changed", action="store_true", help="skip if the latest checkpoint is current")
        cp.add_argument("--no-timestamp", action="store_true", help="do not ask the RFC 3161 TSA")

        export = sub.add_parser("export-checkpoint", help="print the latest checkpoint for publication")
        export.add_argument("--format", choices=["json", "note"], default="json")
        export.add_argument("--size", type=int, help="the checkpoint of this tree size instead of the latest")
        export.add_argument("-o", "--output", help="file to write (default: stdout)")

        bundle = sub.add_parser("bundle", help="proof bundle for one subject")
        bundle.add_argument("--subject-type", required=True)
        bundle.add_argument("--subject-id", required=True)
        bundle.add_argument("-o", "--output", help="file to write (default: stdout)")

        cons = sub.add_parser("consistency", help="consistency proof between two tree sizes")
        cons.add_argument("--old", type=int, required=True)
        cons.add_argument("--new", type=int, help="default: the latest checkpoint's size")
        cons.add_argument("-o", "--output", help="file to write (default: stdout)")

        key = sub.add_parser("public-key", help="print the checkpoint signing public key")
        key.add_argument("--format", choices=["pem", "hex", "note"], default="pem")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"].replace("-", "_")
        try:
            getattr(self, f"do_{action}")(options)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc

    def _write(self, text: str, output: str | None) -> None:
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"wrote {output}")
        else:
            self.stdout.write(text, ending="" if text.endswith("\n") else "\n")

    def do_verify(self, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        try:
            trusted = [checkpoint_load(src) for src in options["against"]]
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"cannot use the checkpoint: {exc}", returncode=2) from exc
        report = ledger_verify(strict=options["strict"], against=trusted)
        seconds = time.perf_counter() - started
        summary = (
            f"{report.size} entries, {report.nodes_checked} tree nodes, "
            f"{report.checkpoints_checked} checkpoints checked in {seconds:.1f} s"
        )
        if report.ok:
            self.stdout.write(f"OK: {summary}")
            return
        first = report.first
        assert first is not None
        self.stdout.write(f"FAILED: {summary}; {len(report.problems)} problem(s)")
        if first.seq is not None:
            self.stdout.write(f"first divergent entry: seq {first.seq}")
        for problem in sorted(report.problems, key=lambda p: (p.seq is None, p.seq or 0))[: options["show"]]:
            self.stdout.write(f"  {problem}")
        sys.stdout.flush()
        raise CommandError("the ledger does not verify", returncode=1)

    def do_checkpoint(self, options: dict[str, Any]) -> None:
        if options["if_changed"]:
            latest = selectors.checkpoint_latest()
            if latest is not None and latest.tree_size == selectors.tree_size():
                self.stdout.write(
                    f"unchanged: checkpoint #{latest.pk} already covers {latest.tree_size} entries"
                )
                return
        cp = services.checkpoint_create(
            reason=LedgerCheckpoint.Reason.PERIODIC
            if options["if_changed"]
            else LedgerCheckpoint.Reason.ON_DEMAND,
            timestamp=not options["no_timestamp"],
        )
        stamp = (
            "timestamped" if cp.tsa_token else (f"NOT timestamped: {cp.tsa_error}" if cp.tsa_error else "")
        )
        self.stdout.write(
            f"checkpoint #{cp.pk}: size {cp.tree_size} root {bytes(cp.root_hash).hex()} {stamp}"
        )

    def do_export_checkpoint(self, options: dict[str, Any]) -> None:
        size = options["size"]
        cp = selectors.checkpoint_latest() if size is None else selectors.checkpoint_at_size(size)
        if cp is None:
            raise CommandError("no such checkpoint: run `crossreg ledger checkpoint` first")
        data = selectors.checkpoint_as_dict(cp)
        text = data["signed_note"] if options["format"] == "note" else json.dumps(data, indent=2) + "\n"
        self._write(text, options["output"])

    def do_bundle(self, options: dict[str, Any]) -> None:
        entries = selectors.subject_entries(
            subject_type=options["subject_type"], subject_id=options["subject_id"]
        )
        last = entries.order_by("-seq").values_list("seq", flat=True).first()
        if last is None:
            raise CommandError(f"no ledger entries for {options['subject_type']}:{options['subject_id']}")
        cp = services.checkpoint_ensure(min_size=last + 1)
        bundle = selectors.bundle_build(
            subject_type=options["subject_type"], subject_id=options["subject_id"], checkpoint=cp
        )
        self._write(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", options["output"])

    def do_consistency(self, options: dict[str, Any]) -> None:
        new = options["new"]
        if new is None:
            latest = selectors.checkpoint_latest()
            if latest is None:
                raise CommandError("no checkpoint yet: give --new or run `crossreg ledger checkpoint`")
            new = latest.tree_size
        data = selectors.consistency_as_dict(old=options["old"], new=new)
        self._write(json.dumps(data, indent=2) + "\n", options["output"])

    def do_public_key(self, options: dict[str, Any]) -> None:
        public = signing.signing_key().public_key()
        raw = signing.raw_public_key(public)
        if options["format"] == "hex":
            self.stdout.write(raw.hex())
        elif options["format"] == "note":
            self.stdout.write(signing.verifier_key(origin=signing.log_origin(), public=raw))
        else:
            self.stdout.write(signing.public_key_pem(public), ending="")
