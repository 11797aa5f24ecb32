"""``crossreg ledger verify`` finds rows edited behind the application's back."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from crossreg.ledger import services
from crossreg.ledger.services import LedgerRecord, ledger_append_many
from crossreg.ledger.verification import ledger_verify

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'")


def _fill(n: int = 20) -> None:
    ledger_append_many(
        records=[
            LedgerRecord(
                actor="system:test",
                action="case.step",
                subject_type="case",
                subject_id=str(i % 4),
                payload={"i": i},
            )
            for i in range(n)
        ]
    )


def _as_dba(sql: str, params: list[Any]) -> None:
    """Run raw SQL the way a database administrator would: on PostgreSQL, trigger disabled first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("ledger_entry", "ledger_node", "ledger_ledgercheckpoint"):
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        cursor.execute(sql, params)


def _verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("ledger", "verify", stdout=out)
    except CommandError as exc:
        assert exc.returncode == 1
        return 1, out.getvalue()
    return 0, out.getvalue()


def test_an_untouched_log_verifies() -> None:
    _fill(33)
    services.checkpoint_create()
    _fill(5)
    services.checkpoint_create()
    code, out = _verify()
    assert code == 0, out
    assert out.startswith("OK: 38 entries, 35 tree nodes, 2 checkpoints")


def test_an_edited_payload_names_that_entry() -> None:
    _fill()
    services.checkpoint_create()
    with connection.cursor() as cursor:
        cursor.execute("SELECT canonical FROM ledger_entry WHERE seq = 13")
        raw = bytes(cursor.fetchone()[0])
    doctored = raw.replace(b'"i":13', b'"i":99')
    assert doctored != raw
    _as_dba("UPDATE ledger_entry SET canonical = %s WHERE seq = 13", [doctored])
    code, out = _verify()
    assert code == 1
    assert "first divergent entry: seq 13" in out
    assert "entry 13: the entry bytes do not hash to the stored leaf hash" in out


def test_an_edited_index_column_names_that_entry() -> None:
    _fill()
    _as_dba("UPDATE ledger_entry SET actor = %s WHERE seq = 7", ["user:somebody-else"])
    code, out = _verify()
    assert code == 1
    assert "first divergent entry: seq 7" in out
    assert "column actor is 'user:somebody-else'" in out


def test_a_rewritten_entry_with_recomputed_leaf_hash_is_still_caught() -> None:
    from crossreg.ledger.merkle import leaf_hash

    _fill()
    services.checkpoint_create()
    with connection.cursor() as cursor:
        cursor.execute("SELECT canonical FROM ledger_entry WHERE seq = 5")
        raw = bytes(cursor.fetchone()[0]).replace(b'"i":5', b'"i":6')
    _as_dba("UPDATE ledger_entry SET canonical = %s, leaf_hash = %s WHERE seq = 5", [raw, leaf_hash(raw)])
    report = ledger_verify()
    assert not report.ok
    assert report.first is not None and report.first.seq == 4  # node (1, 2) over entries 4–5
    assert any("tree node (1, 2)" in p.message for p in report.problems)
    assert any("checkpoint" in p.message and "rewritten" in p.message for p in report.problems)


def test_a_deleted_entry_is_named() -> None:
    _fill()
    _as_dba("DELETE FROM ledger_entry WHERE seq = 11", [])
    report = ledger_verify()
    assert report.first is not None and report.first.seq == 11
    assert "missing" in report.first.message


def test_a_truncated_log_is_caught_by_its_checkpoint() -> None:
    _fill()
    services.checkpoint_create()
    _as_dba("DELETE FROM ledger_entry WHERE seq >= 18", [])
    _as_dba('DELETE FROM ledger_node WHERE ("index" + 1) * (1 << level) > 18', [])
    report = ledger_verify()
    assert report.first is not None and report.first.seq == 18
    assert "shorter than this signed size" in report.first.message


def test_a_forged_checkpoint_is_caught() -> None:
    _fill()
    cp = services.checkpoint_create()
    _as_dba(
        "UPDATE ledger_ledgercheckpoint SET note = %s WHERE id = %s",
        [cp.note.replace("\n20\n", "\n19\n"), cp.pk],
    )
    report = ledger_verify()
    assert any("bad signature" in p.message for p in report.problems)


@on_postgres
def test_postgres_refuses_update_and_delete() -> None:
    _fill(4)
    for sql in (
        "UPDATE ledger_entry SET actor = 'x' WHERE seq = 1",
        "DELETE FROM ledger_entry WHERE seq = 1",
        "UPDATE ledger_node SET hash = hash",
        "DELETE FROM ledger_node",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert ledger_verify().ok


def test_bundle_command_writes_a_bundle_the_standalone_verifier_accepts(tmp_path: object) -> None:
    from pathlib import Path

    from verifiers import ledger_verify as standalone

    _fill(9)
    path = Path(str(tmp_path)) / "case-2.json"
    call_command("ledger", "bundle", "--subject-type", "case", "--subject-id", "2", "-o", str(path))
    bundle = json.loads(path.read_text())
    assert [e["seq"] for e in bundle["entries"]] == [2, 6]
    assert bundle["checkpoint"]["size"] == 9
    out = io.StringIO()
    assert standalone.main(["bundle", str(path)], out=out) == 0, out.getvalue()
    with pytest.raises(CommandError, match="no ledger entries"):
        call_command("ledger", "bundle", "--subject-type", "case", "--subject-id", "nope")


def test_checkpoint_export_and_consistency_commands(tmp_path: object) -> None:
    from pathlib import Path

    from verifiers import ledger_verify as standalone

    base = Path(str(tmp_path))
    _fill(5)
    call_command("ledger", "checkpoint", stdout=io.StringIO())
    call_command("ledger", "export-checkpoint", "-o", str(base / "old.json"))
    out = io.StringIO()
    call_command("ledger", "checkpoint", "--if-changed", stdout=out)
    assert out.getvalue().startswith("unchanged")
    _fill(12)
    call_command("ledger", "checkpoint", "--if-changed", stdout=io.StringIO())
    call_command("ledger", "export-checkpoint", "-o", str(base / "new.json"))
    call_command("ledger", "consistency", "--old", "5", "-o", str(base / "proof.json"))
    note = io.StringIO()
    call_command("ledger", "export-checkpoint", "--format", "note", stdout=note)
    assert "\n17\n" in note.getvalue() and "\n\n\u2014 " in note.getvalue()
    key = io.StringIO()
    call_command("ledger", "public-key", "--format", "hex", stdout=key)
    args = ["consistency", str(base / "old.json"), str(base / "new.json"), str(base / "proof.json")]
    result = io.StringIO()
    assert standalone.main([*args, "--key", key.getvalue().strip()], out=result) == 0, result.getvalue()


def test_an_edited_node_and_a_smuggled_field_are_named() -> None:
    from crossreg.ledger.merkle import leaf_hash

    _fill(40)
    _as_dba('UPDATE ledger_node SET hash = %s WHERE level = 2 AND "index" = 5', [bytes(32)])
    report = ledger_verify()
    assert report.first is not None and report.first.seq == 20  # node (2, 5) covers entries 20–23
    assert "tree node (2, 5)" in report.first.message
    with connection.cursor() as cursor:
        cursor.execute("SELECT canonical FROM ledger_entry WHERE seq = 3")
        raw = bytes(cursor.fetchone()[0]).replace(b'{"action"', b'{"acting":"x","action"')
    _as_dba("UPDATE ledger_entry SET canonical = %s, leaf_hash = %s WHERE seq = 3", [raw, leaf_hash(raw)])
    report = ledger_verify()
    assert report.first is not None and report.first.seq == 3
    assert "expected" in report.first.message and "acting" in report.first.message


def test_a_node_row_that_cannot_exist_is_reported() -> None:
    _fill(8)
    _as_dba('INSERT INTO ledger_node (level, "index", hash) VALUES (0, 3, %s)', [bytes(32)])
    report = ledger_verify()
    assert not report.ok
    assert any("cannot exist" in p.message for p in report.problems)
