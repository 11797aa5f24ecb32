"""ledger.Checkpoint -> ledger.LedgerCheckpoint (issue #10: it differed from catalog.CheckPoint only
by case). The table becomes ledger_ledgercheckpoint; on PostgreSQL its append-only trigger moves
with it and is renamed to match."""

from django.db import migrations


def rename_trigger(old: str, new: str, table: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TRIGGER {old} ON {table} RENAME TO {new};")

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_postgres_append_only")]

    operations = [
        migrations.RenameModel(old_name="Checkpoint", new_name="LedgerCheckpoint"),
        migrations.RunPython(
            rename_trigger(
                "ledger_checkpoint_append_only", "ledger_ledgercheckpoint_append_only", "ledger_ledgercheckpoint"
            ),
            rename_trigger(
                "ledger_ledgercheckpoint_append_only", "ledger_checkpoint_append_only", "ledger_ledgercheckpoint"
            ),
        ),
    ]
