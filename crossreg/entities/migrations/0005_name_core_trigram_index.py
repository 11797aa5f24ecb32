"""Fuzzy name search on PostgreSQL, fast at a million entities: a GIN trigram index on the *core*
of each folded name — the name without the city/county names, organisation forms and brackets
that nearly every name shares (``crossreg.entities.names.FUZZY_CORE_PATTERN``; the pattern is
repeated here literally so that this migration never changes, and a test keeps the two equal).

Only on PostgreSQL; RunPython so that the migration state is the same on every database.
"""

from django.db import migrations

INDEX = "entity_name_core_trgm"
PATTERN = (
    "(盐城经济技术开发区|盐南高新区|江苏省|盐城市|亭湖区|盐都区|大丰区|响水县|滨海县|阜宁县|射阳县|建湖县|东台市"
    "|江苏|盐城|有限公司|股份公司|分公司|[()])"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON entities_entity "
        f"USING gin ((regexp_replace(name_norm, '{PATTERN}', '', 'g')) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("entities", "0004_name_trigram_index")]

    operations = [migrations.RunPython(create, drop)]
