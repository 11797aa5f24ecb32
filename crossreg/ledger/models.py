"""Placeholder ledger entry; the tamper-evident ledger issue replaces this with the RFC 9162 log."""

from __future__ import annotations

from django.db import models


class Entry(models.Model):
    seq = models.BigIntegerField(primary_key=True)
    created_at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=64)
    subject_type = models.CharField(max_length=32)
    subject_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    evidence = models.JSONField(default=list)
    canonical = models.BinaryField()
    leaf_hash = models.BinaryField(max_length=32)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="ledger_subject_idx")]
