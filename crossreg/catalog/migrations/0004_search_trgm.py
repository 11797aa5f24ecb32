"""Catalog free-text search on PostgreSQL: pg_trgm and GIN trigram indexes on the searched text.

The public search (``crossreg.catalog.selectors.catalog_public_list``) matches with ``icontains``,
which Django renders on PostgreSQL as ``UPPER(col::text) LIKE UPPER(%s)``; the indexes are therefore
on exactly those expressions, so the planner can use them for patterns of three or more characters
(pg_trgm extracts no trigram from a shorter word; such searches stay a sequential scan of the
published versions). Only on PostgreSQL; written as RunPython so that the migration state is the same
on every database and ``makemigrations --check`` stays clean (as entities/0004).
"""

from django.db import migrations

INDEXES = {
    "catalog_iv_name_trgm": ("catalog_itemversion", "UPPER((name)::text)"),
    "catalog_iv_basis_trgm": ("catalog_itemversion", "UPPER(legal_basis)"),
    "catalog_item_code_trgm": ("catalog_supervisionitem", "UPPER((code)::text)"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, expr) in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expr}) gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_point_count")]

    operations = [migrations.RunPython(create, drop)]
