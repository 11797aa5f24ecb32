"""Scheduled checkpoints: sign, publish, and check that the log extends what was published.

Every checkpoint made on schedule is written to ``CROSSREG_VAR_DIR/checkpoints/checkpoint-<size>.json``
(and ``latest.json``), the files a witness, a backup and the restore drill read; the same checkpoint
is served anonymously at ``/api/v1/ledger/checkpoint/latest`` and consistency proofs at
``/api/v1/ledger/consistency`` (docs/ledger.md). Before a new one is signed, the log is checked to
extend the last published one (a consistency proof from its size to now, against its signed root):
an emptied, shortened or rewritten log fails the job and raises the alert instead of being signed.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from django.conf import settings

from crossreg.jobs.models import JobRun
from crossreg.jobs.services import MAX_ERRORS_KEPT, job_fail, job_finish
from crossreg.ledger import merkle, selectors, services, signing
from crossreg.ledger.models import LedgerCheckpoint

alert = logging.getLogger("crossreg.security")


def published_dir() -> Path:
    path = Path(settings.VAR_DIR) / "checkpoints"
    path.mkdir(parents=True, exist_ok=True)
    return path


def last_published() -> dict[str, Any] | None:
    latest = published_dir() / "latest.json"
    if not latest.exists():
        return None
    data: dict[str, Any] = json.loads(latest.read_text(encoding="utf-8"))
    return data


def checkpoint_write(cp: LedgerCheckpoint) -> Path:
    data = selectors.checkpoint_as_dict(cp)
    text = json.dumps(data, indent=2) + "\n"
    path = published_dir() / f"checkpoint-{cp.tree_size}.json"
    path.write_text(text, encoding="utf-8")
    tmp = published_dir() / "latest.json.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(published_dir() / "latest.json")
    return path


class LogDoesNotExtend(Exception):
    pass


def extends_published(previous: dict[str, Any]) -> None:
    """Raise LogDoesNotExtend unless the current log extends the published checkpoint."""
    text = str(previous["text"])
    parsed = signing.parse_checkpoint_text(text)
    import base64

    public = signing.raw_public_key(signing.signing_key().public_key())
    if not signing.verify_signature(text, base64.b64decode(previous["signature"]), public):
        raise LogDoesNotExtend("the published checkpoint's signature is not this log's")
    size = selectors.tree_size()
    if size < parsed.size:
        raise LogDoesNotExtend(f"the log has {size} entries, fewer than the {parsed.size} published")
    if size == parsed.size:
        if selectors.tree_root(size) != parsed.root:
            raise LogDoesNotExtend(f"the root at size {size} differs from the published one")
        return
    proof = selectors.consistency_proof(old=parsed.size, new=size)
    try:
        merkle.verify_consistency(parsed.size, size, parsed.root, selectors.tree_root(size), proof)
    except merkle.ProofError as exc:
        raise LogDoesNotExtend(
            f"the log does not extend the published checkpoint of size {parsed.size}: {exc}"
        ) from exc


def checkpoint_publish_scheduled(job: JobRun) -> dict[str, int]:
    previous = last_published()
    if previous is not None:
        try:
            extends_published(previous)
        except LogDoesNotExtend as exc:
            alert.error("LEDGER ALERT: %s", exc, extra={"event": "ledger.verify.failed"})
            raise
    latest = selectors.checkpoint_latest()
    size = selectors.tree_size()
    if size == 0:
        job_finish(job, counts={"size": 0}, message="the ledger is empty")
        return {"size": 0}
    if latest is None or latest.tree_size != size:
        latest = services.checkpoint_create(reason=LedgerCheckpoint.Reason.PERIODIC)
    checkpoint_write(latest)
    job_finish(job, counts={"size": latest.tree_size})
    return {"size": latest.tree_size}


def ledger_verify_scheduled(job: JobRun) -> dict[str, int]:
    """The full ``crossreg ledger verify --against`` the latest published checkpoint, on schedule:
    every entry's bytes re-hashed, the tree rebuilt, every stored checkpoint's signature and root
    checked, and the log must extend what was published. A failure — an edited entry, a shortened or
    replaced log, a published checkpoint not signed by this log — fails the job with each problem as
    an error, logs ``LEDGER ALERT`` at ERROR on ``crossreg.security`` (the alert the operators page
    on), counts ``crossreg_ledger_verify_failures_total`` and turns ``/readyz`` red."""
    from crossreg.core.observability import LEDGER_VERIFY_FAILURES
    from crossreg.ledger.verification import checkpoint_load, ledger_verify

    latest = published_dir() / "latest.json"
    problems: list[str] = []
    trusted = []
    if latest.exists():
        try:
            trusted.append(checkpoint_load(str(latest)))
        except (ValueError, KeyError) as exc:
            problems.append(f"log: the published checkpoint {latest} cannot be trusted: {exc}")
    report = ledger_verify(against=trusted)
    problems += [str(p) for p in report.problems]
    counts = {"entries": report.size, "checkpoints": report.checkpoints_checked, "problems": len(problems)}
    if problems:
        LEDGER_VERIFY_FAILURES.inc()
        alert.error(
            "LEDGER ALERT: verify failed: %s (%d problems)",
            problems[0],
            len(problems),
            extra={"event": "ledger.verify.failed", "problems": len(problems)},
        )
        job.counts = {**job.counts, **counts}
        job_fail(
            job,
            message=f"ledger verify failed: {problems[0]}"[:2000],
            errors=[{"message": p} for p in problems[:MAX_ERRORS_KEPT]],
        )
        return counts
    job_finish(job, counts=counts, message=f"OK: {report.size} entries")
    return counts
