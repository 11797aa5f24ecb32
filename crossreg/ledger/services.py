"""Placeholder append; the tamper-evident ledger issue replaces it (same signature)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import rfc8785
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from crossreg.ledger.models import Entry

if TYPE_CHECKING:
    from crossreg.orgs.models import User


def _actor_name(actor: User | str | None) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return f"user:{actor.username}"


@transaction.atomic
def ledger_append(
    *,
    actor: User | str | None,
    action: str,
    subject_type: str,
    subject_id: str,
    payload: dict[str, Any],
    evidence: list[str],
) -> Entry:
    seq = (Entry.objects.aggregate(m=Max("seq"))["m"] or -1) + 1
    now = timezone.now()
    body = {
        "seq": seq,
        "time": now.isoformat(),
        "actor": _actor_name(actor),
        "action": action,
        "subject": {"type": subject_type, "id": subject_id},
        "payload": payload,
        "evidence": evidence,
    }
    canonical = rfc8785.dumps(body)
    return Entry.objects.create(
        seq=seq,
        created_at=now,
        actor=body["actor"],
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        payload=payload,
        evidence=evidence,
        canonical=canonical,
        leaf_hash=hashlib.sha256(b"\x00" + canonical).digest(),
    )
