"""The one function through which every state change is recorded.

Every service that writes calls :func:`audit_record` inside its own transaction, so the record and
the action commit or roll back together. The record is an entry of the tamper-evident ledger
(``crossreg.ledger``): audit events *are* ledger entries, hashed into an RFC 9162 Merkle tree whose
signed checkpoints let anyone verify a subject's record offline (docs/ledger.md).

Bulk jobs that record thousands of actions at once use
``crossreg.ledger.services.ledger_append_many(records=[LedgerRecord(...), ...])`` instead: one lock,
one round of inserts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crossreg.ledger.models import Entry
    from crossreg.orgs.models import User

# The ledger's append function, registered by ``crossreg.ledger`` from its ready(): core sits below
# the ledger in the layer order and must not import it (docs/architecture.md).
Writer = Callable[..., "Entry"]
_WRITER: list[Writer] = []


def audit_writer_register(writer: Writer) -> None:
    """Set the function that appends an entry (``ledger.services.ledger_append``)."""
    _WRITER[:] = [writer]


def audit_record(
    *,
    actor: User | str | None,
    action: str,
    subject_type: str,
    subject_id: str | int,
    payload: Mapping[str, Any] | None = None,
    evidence: Sequence[str] = (),
    refs: Sequence[tuple[str, str | int]] = (),
) -> Entry:
    """Append one entry recording that ``actor`` did ``action`` to the subject.

    ``actor`` is a user, or a string naming a system actor (``"system:seed"``); ``evidence`` is a
    list of SHA-256 hex digests of evidence files (the files stay in storage). Must be called
    inside the transaction of the action it records.

    ``refs`` names the *other* subjects the action is about — above all the market entity
    (``refs=[("entity", entity.pk)]``) — so that their timelines show the entry too (an entity's
    record holds every task, case, credit event and clue about it). They are written into the
    signed entry as ``payload["refs"]``, so a bundle proves what the entry was about.
    """
    if refs:
        payload = {
            **dict(payload or {}),
            "refs": [{"type": str(t), "id": str(i)} for t, i in refs],
        }
    if not _WRITER:
        raise RuntimeError("no audit writer registered: is crossreg.ledger in INSTALLED_APPS?")
    return _WRITER[0](
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        payload=dict(payload or {}),
        evidence=list(evidence),
    )
