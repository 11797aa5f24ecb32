"""The ledger cannot be emptied quietly: TRUNCATE refused (PostgreSQL), the application role may
only INSERT and SELECT it, and ``verify --against`` a published checkpoint fails on a shortened or
replaced log."""

from __future__ import annotations

import io
import json
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from crossreg.ledger import services
from crossreg.ledger.services import LedgerRecord, ledger_append_many

pytestmark = pytest.mark.django_db
on_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'")
APP_ROLE = "crossreg_ops_app_test"


def _fill(n: int, start: int = 0) -> None:
    ledger_append_many(
        records=[
            LedgerRecord(
                actor="system:test",
                action="case.step",
                subject_type="case",
                subject_id=str(i),
                payload={"i": i},
            )
            for i in range(start, start + n)
        ]
    )


def _verify(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("ledger", "verify", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def _publish(tmp_path: Path, fmt: str = "json") -> Path:
    cp = services.checkpoint_create(timestamp=False)
    target = tmp_path / f"checkpoint-{cp.tree_size}.{fmt}"
    call_command("ledger", "export-checkpoint", "--format", fmt, "-o", str(target), stderr=io.StringIO())
    return target


def _wipe() -> None:
    """What an attacker with the owner's rights would do on SQLite (no triggers there): empty the log."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("SET LOCAL crossreg.ledger_truncate = 'on'")
            c.execute("TRUNCATE ledger_entry, ledger_node, ledger_ledgercheckpoint, ledger_entryref")
        else:
            for t in ("ledger_entry", "ledger_node", "ledger_ledgercheckpoint", "ledger_entryref"):
                c.execute(f"DELETE FROM {t}")


def test_verify_against_a_published_checkpoint_fails_on_a_shortened_log(tmp_path: Path) -> None:
    _fill(20)
    published = _publish(tmp_path)
    assert _verify("--against", str(published))[0] == 0
    _wipe()
    _fill(5)  # a fresh, self-consistent but shorter log
    plain = _verify()
    assert plain[0] == 0  # on its own the shortened log looks fine …
    code, out = _verify("--against", str(published))
    assert code == 1 and "only 5 entries, fewer than this checkpoint signed" in out  # … not against it


def test_verify_against_fails_on_a_replaced_log_of_the_same_length(tmp_path: Path) -> None:
    _fill(8)
    published = _publish(tmp_path, "note")
    size = int(published.read_text().split("\n")[1])
    _wipe()
    _fill(size + 2, start=100)  # longer than the checkpoint, but not an extension of it
    code, out = _verify("--against", str(published))
    assert code == 1 and "does not extend this checkpoint" in out


def test_a_checkpoint_not_signed_by_this_log_is_refused(tmp_path: Path) -> None:
    _fill(3)
    published = _publish(tmp_path)
    doc = json.loads(published.read_text())
    lines = doc["text"].split("\n")
    lines[1] = str(int(lines[1]) - 1)
    doc["text"] = "\n".join(lines)
    published.write_text(json.dumps(doc))
    code, out = _verify("--against", str(published))
    assert code == 2 and "signature" in out


def test_verify_names_the_entry_when_a_column_changes_type() -> None:
    """SQLite stores any type in any column: an entry's bytes rewritten as text, or its seq as text,
    used to crash verify with a TypeError."""
    _fill(6)
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            pytest.skip("PostgreSQL columns keep their types; covered by test_verify on PostgreSQL")
        c.execute("UPDATE ledger_entry SET canonical = CAST(canonical AS TEXT) WHERE seq = 3")
    code, out = _verify()
    assert code == 1 and "entry 3: the row was edited: its entry bytes are stored as text" in out
    with connection.cursor() as c:
        c.execute("UPDATE ledger_entry SET canonical = CAST(canonical AS BLOB) WHERE seq = 3")
        c.execute("UPDATE ledger_entry SET seq = 'x4' WHERE seq = 4")
    code, out = _verify()
    assert code == 1 and "its seq is stored as str 'x4'" in out


@on_postgres
def test_truncate_is_refused_even_for_the_owner() -> None:
    _fill(3)
    with (
        pytest.raises(Exception, match="append-only: TRUNCATE"),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute("SET LOCAL crossreg.ledger_truncate = 'off'")
        c.execute("TRUNCATE ledger_entry CASCADE")


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_the_application_role_may_only_insert_and_select_the_ledger() -> None:
    _fill(3)
    call_command("db_roles", "--app-role", APP_ROLE, stdout=io.StringIO())
    s = connection.settings_dict
    conninfo = f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} dbname={s['NAME']} user={APP_ROLE}"
    with psycopg.connect(conninfo, autocommit=True) as app:
        assert app.execute("SELECT count(*) FROM ledger_entry").fetchone() == (3,)
        for statement in (
            "TRUNCATE ledger_entry CASCADE",
            "DELETE FROM ledger_entry",
            "UPDATE ledger_entry SET actor = 'x'",
            "ALTER TABLE ledger_entry DISABLE TRIGGER ledger_entry_append_only",
            "TRUNCATE orgs_dataaccess",
            "DELETE FROM orgs_dataaccess",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
        # ordinary tables stay writable
        app.execute("DELETE FROM django_session")
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM ledger_entry")
        assert c.fetchone() == (3,)
