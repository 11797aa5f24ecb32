"""Several writers at once: sequence numbers stay dense and the tree stays consistent.

Runs on PostgreSQL with real concurrent connections (threads; each has its own connection and
transaction, exactly like separate processes). SQLite's in-memory test database is shared by one
connection only, so the test is skipped there; SQLite serialises writers with BEGIN IMMEDIATE.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from crossreg.ledger.merkle import leaf_hash, reference_root
from crossreg.ledger.models import Entry
from crossreg.ledger.selectors import tree_root
from crossreg.ledger.services import LedgerRecord, ledger_append, ledger_append_many
from crossreg.ledger.verification import ledger_verify

WRITERS = 6
ROUNDS = 15


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_concurrent_writers_keep_seqs_dense_and_the_tree_consistent() -> None:
    assert connection.vendor == "postgresql"
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def writer(w: int) -> None:
        try:
            start.wait()
            for r in range(ROUNDS):
                with transaction.atomic():
                    if r % 3 == 0:
                        ledger_append_many(
                            records=[
                                LedgerRecord(
                                    actor=f"system:w{w}", action="bulk", subject_type="w", subject_id=str(w)
                                )
                                for _ in range(3)
                            ]
                        )
                    else:
                        ledger_append(
                            actor=f"system:w{w}",
                            action="one",
                            subject_type="w",
                            subject_id=str(w),
                            payload={"r": r},
                            evidence=[],
                        )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    expected = WRITERS * (ROUNDS // 3 * 3 + (ROUNDS - ROUNDS // 3))
    seqs = list(Entry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(expected))
    leaves = [leaf_hash(bytes(c)) for c in Entry.objects.order_by("seq").values_list("canonical", flat=True)]
    assert tree_root(expected) == reference_root(leaves)
    assert ledger_verify().ok
