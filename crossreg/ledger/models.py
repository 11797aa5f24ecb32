"""The tamper-evident ledger (全过程记录): an RFC 9162 Merkle log of every recorded action.

Three append-only tables (on PostgreSQL a trigger refuses UPDATE and DELETE on all three):

* ``Entry``: one row per recorded action. ``canonical`` holds the exact bytes that are hashed, the
  RFC 8785 canonical JSON of the entry; the other columns are an index copied out of it for lookups
  and display (``crossreg ledger verify`` checks that they agree).
* ``Node``: the hash of every perfect subtree of height >= 1 (leaf hashes live on ``Entry``), keyed
  ``(level, index)``. Proofs read O(log n) of these rows; see ``crossreg.ledger.merkle``.
* ``LedgerCheckpoint``: a signed statement "the log had ``tree_size`` entries and root ``root_hash`` at
  ``created_at``", optionally timestamped by an RFC 3161 authority.

docs/ledger.md gives the exact formats.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models


class Entry(models.Model):
    seq = models.BigIntegerField(primary_key=True)
    created_at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=64)
    subject_type = models.CharField(max_length=32)
    subject_id = models.CharField(max_length=64)
    canonical = models.BinaryField()
    leaf_hash = models.BinaryField(max_length=32)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "seq"], name="ledger_subject_idx")]
        verbose_name = "ledger entry"
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.subject_type}:{self.subject_id}"

    @property
    def body(self) -> dict[str, Any]:
        """The entry as recorded (parsed from the hashed bytes, not from the index columns)."""
        data: dict[str, Any] = json.loads(bytes(self.canonical).decode("utf-8"))
        return data

    @property
    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = self.body.get("payload", {})
        return payload

    @property
    def evidence(self) -> list[str]:
        evidence: list[str] = self.body.get("evidence", [])
        return evidence


class EntryRef(models.Model):
    """Another subject an entry is about, from its signed ``payload["refs"]`` (an index).

    Filled in the same insert as the entry (``services._append_rows``), so that the record of a
    market entity shows every task, list change, case, credit event and clue about it, each with
    its proof, although each is recorded under its own subject. ``ledger verify`` can rebuild it
    from the entries' bytes: it holds nothing that is not in them.
    """

    pk = models.CompositePrimaryKey("subject_type", "subject_id", "seq")
    subject_type = models.CharField(max_length=32)
    subject_id = models.CharField(max_length=64)
    seq = models.BigIntegerField()

    class Meta:
        verbose_name = "ledger entry reference"

    def __str__(self) -> str:
        return f"#{self.seq} -> {self.subject_type}:{self.subject_id}"


class Node(models.Model):
    """Hash of the perfect subtree over leaves ``[index·2^level, (index+1)·2^level)``, level >= 1."""

    pk = models.CompositePrimaryKey("level", "index")
    level = models.SmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = "ledger tree node"

    def __str__(self) -> str:
        return f"node({self.level}, {self.index})"


class LedgerCheckpoint(models.Model):
    class Reason(models.TextChoices):
        PERIODIC = "periodic", "periodic"
        ON_DEMAND = "on_demand", "on demand"
        BUNDLE = "bundle", "for a proof bundle"

    tree_size = models.BigIntegerField()
    root_hash = models.BinaryField(max_length=32)
    created_at = models.DateTimeField()
    origin = models.CharField(max_length=128)
    public_key = models.BinaryField(max_length=32, help_text="raw Ed25519 public key")
    note = models.TextField(help_text="the exact signed text (C2SP checkpoint body)")
    signature = models.BinaryField(max_length=64)
    reason = models.CharField(max_length=16, choices=Reason.choices, default=Reason.ON_DEMAND)
    tsa_url = models.CharField(max_length=300, blank=True)
    tsa_token = models.BinaryField(null=True, blank=True, help_text="RFC 3161 TimeStampToken (DER)")
    tsa_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-tree_size", "-id"]
        indexes = [models.Index(fields=["tree_size"], name="ledger_checkpoint_size_idx")]

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size} {bytes(self.root_hash).hex()[:12]}"
