"""``/api/v1/ledger/``: the latest signed checkpoint, proof bundles and consistency proofs.

Formats are those of docs/ledger.md; anything returned here can be checked offline with
``verifiers/ledger_verify.py``. A bundle discloses the subject's entries, so it is served only to
whoever may read that subject's record (a token: its department's subjects, with the
``ledger:read`` scope). The witness endpoints — the latest checkpoint and consistency proofs — are
hashes and signatures only, hold no subject data, and are public (outside witnesses call them
without an account), rate-limited per client address (``CROSSREG["LEDGER_WITNESS_RATE"]``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.throttling import SimpleRateThrottle

from crossreg.core.errors import Forbidden, Invalid, NotFound
from crossreg.ledger import selectors, services
from crossreg.orgs.permissions import Principal

router = Router(tags=["ledger"])


class CheckpointOut(Schema):
    format: str
    origin: str
    size: int
    root: str
    time: str
    text: str
    signature: str
    public_key: str
    signed_note: str
    timestamp_token: str | None
    timestamp_url: str | None


class BundleSubject(Schema):
    type: str
    id: str


class BundleEntry(Schema):
    seq: int
    entry: str
    leaf_hash: str
    proof: list[str]


class BundleOut(Schema):
    format: str
    subject: BundleSubject
    checkpoint: CheckpointOut
    entries: list[BundleEntry]


class ConsistencyOut(Schema):
    format: str
    old_size: int
    new_size: int
    proof: list[str]


def _require_scope(request: HttpRequest) -> None:
    from crossreg.orgs.models import ApiToken

    auth: Any = getattr(request, "auth", None)
    if isinstance(auth, ApiToken) and "ledger:read" not in (auth.scopes or []):
        raise Forbidden("this token lacks the ledger:read scope", code="scope")


def _witness_rate() -> str:
    return str((getattr(settings, "CROSSREG", {}) or {}).get("LEDGER_WITNESS_RATE") or "120/m")


class WitnessThrottle(SimpleRateThrottle):
    """Per client address, signed in or not: witnesses poll; nobody needs more than this."""

    scope = "ledger-witness"

    def allow_request(self, request: HttpRequest) -> bool:
        rate = _witness_rate()  # read per request, so that a deployment's setting applies at once
        if rate != self.rate:
            self.rate = rate
            self.num_requests, self.duration = self.parse_rate(rate)
        return bool(super().allow_request(request))

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return str(self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)})


WITNESS: dict[str, Any] = {"auth": None, "throttle": [WitnessThrottle("120/m")]}


@router.get(
    "/checkpoint/latest",
    response=CheckpointOut,
    summary="The latest signed checkpoint (public, for witnesses)",
    **WITNESS,
)
def checkpoint_latest(request: HttpRequest) -> dict[str, Any]:
    cp = selectors.checkpoint_latest()
    if cp is None:
        raise NotFound("no checkpoint has been made yet")
    return selectors.checkpoint_as_dict(cp)


@router.get("/bundle", response=BundleOut, summary="Proof bundle for one subject")
def bundle(request: HttpRequest, subject_type: str, subject_id: str) -> dict[str, Any]:
    """The subject's entries with inclusion proofs against a signed checkpoint (made now if needed)."""
    _require_scope(request)
    last = selectors.subject_last_seq(
        user=Principal.of(request), subject_type=subject_type, subject_id=subject_id
    )
    cp = services.checkpoint_ensure(min_size=last + 1)
    return selectors.bundle_build(subject_type=subject_type, subject_id=subject_id, checkpoint=cp)


@router.get(
    "/consistency",
    response=ConsistencyOut,
    summary="Consistency proof between two tree sizes (public, for witnesses)",
    **WITNESS,
)
def consistency(request: HttpRequest, old: int, new: int | None = None) -> dict[str, Any]:
    """``new`` defaults to the latest checkpoint's size; both sizes should be those of checkpoints."""
    if new is None:
        cp = selectors.checkpoint_latest()
        if cp is None:
            raise NotFound("no checkpoint has been made yet")
        new = cp.tree_size
    if old < 0 or old > new:
        raise Invalid(f"old must be between 0 and {new}", field="old")
    return selectors.consistency_as_dict(old=old, new=new)
