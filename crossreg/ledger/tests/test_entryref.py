"""payload["refs"] is indexed at append time: the entity's record finds entries about it."""

from __future__ import annotations

import pytest
from django.db import transaction

from crossreg.core.audit import audit_record
from crossreg.ledger.models import EntryRef
from crossreg.ledger.services import LedgerRecord, ledger_append_many


@pytest.mark.django_db
def test_refs_are_indexed_with_the_entry() -> None:
    e = audit_record(
        actor="system:test",
        action="inspection.task.create",
        subject_type="inspection.task",
        subject_id="IT-1",
        refs=[("entity", 42), ("entity", 42), ("sampling.plan", "P/1")],
    )
    assert sorted(EntryRef.objects.values_list("subject_type", "subject_id", "seq")) == [
        ("entity", "42", e.seq),
        ("sampling.plan", "P/1", e.seq),
    ]


@pytest.mark.django_db
def test_bulk_append_indexes_refs_and_an_entry_without_refs_has_none() -> None:
    seqs = ledger_append_many(
        records=[
            LedgerRecord(actor="system:t", action="a", subject_type="t", subject_id="1"),
            LedgerRecord(
                actor="system:t",
                action="a",
                subject_type="t",
                subject_id="2",
                payload={"refs": [{"type": "entity", "id": "7"}]},
            ),
        ]
    )
    assert list(EntryRef.objects.values_list("seq", flat=True)) == [seqs[1]]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_action_leaves_no_ref() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor="system:t", action="a", subject_type="t", subject_id="1", refs=[("entity", 1)])
        raise RuntimeError
    assert not EntryRef.objects.exists()
