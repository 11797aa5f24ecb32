"""On PostgreSQL, refuse TRUNCATE of the ledger tables too (issue #15), and UPDATE/DELETE of the
entry-reference index (``ledger_entryref``, an index of the signed entries, append-only like them).

Row triggers (0002) refuse UPDATE and DELETE; TRUNCATE fires no row trigger, so an emptied ledger
used to verify as "OK: 0 entries". This statement trigger refuses it for every role — the owner
and superusers included — unless the session has set ``crossreg.ledger_truncate = 'on'``, which only
the test suite does (Django empties tables with TRUNCATE between transactional tests). That setting
is a guard against accidents and scripts, not against a determined superuser, who can also disable
triggers: against those, the application connects as a role that is neither owner nor superuser and
may only INSERT and SELECT these tables (``manage.py db_roles``, docs/deployment.md), and every
checkpoint is published so ``crossreg ledger verify --against`` notices a shortened log.
"""

from django.db import migrations

TABLES = ("ledger_entry", "ledger_node", "ledger_ledgercheckpoint", "ledger_entryref")

FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('crossreg.ledger_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the ledger is append-only: TRUNCATE on % refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    schema_editor.execute(
        "CREATE TRIGGER ledger_entryref_append_only BEFORE UPDATE OR DELETE ON ledger_entryref "
        "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();"
    )
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();"
        )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
    schema_editor.execute("DROP TRIGGER IF EXISTS ledger_entryref_append_only ON ledger_entryref;")
    schema_editor.execute("DROP FUNCTION IF EXISTS ledger_refuse_truncate();")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_merge_0003_entryref_0003_rename_checkpoint")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
