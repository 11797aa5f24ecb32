"""Fuzzy name search on PostgreSQL: the pg_trgm extension and a GIN trigram index on name_norm.

Only on PostgreSQL (other databases use the fallback in selectors); written as RunPython so that
the migration state is the same on every database and ``makemigrations --check`` stays clean.
"""

from django.db import migrations

INDEX = "entity_name_norm_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON entities_entity USING gin (name_norm gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("entities", "0003_industries")]

    operations = [migrations.RunPython(create, drop)]
