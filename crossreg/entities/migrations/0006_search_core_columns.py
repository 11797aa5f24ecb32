"""Fuzzy name search at a million entities (PostgreSQL only): two stored generated columns and one
GIN index over both.

- ``search_core``: the folded name without the words nearly every name shares (city and county
  names, organisation forms, brackets) — ``crossreg.entities.names.FUZZY_CORE_PATTERN``;
- ``search_county``: the first county or zone the folded name mentions —
  ``crossreg.entities.names.FUZZY_COUNTY_PATTERN``;
- ``entity_search_county_core``: GIN over ``(search_county, search_core gin_trgm_ops)`` (btree_gin
  for the first column), so one index serves a trigram search of the whole city and one restricted
  to a county.

Both patterns are repeated here literally so that this migration never changes; a test keeps them
equal to the ones in ``names``. The columns replace 0005's expression index: every candidate row's
recheck re-ran the regular expression, and most of a slow search's time went there.

PostgreSQL computes the columns on every INSERT, UPDATE and COPY; Django's model does not know
them, so nothing that writes entities has to. A later migration that changes ``name_norm``'s type
must drop the two columns first (PostgreSQL refuses to alter a column a generated one uses) and
re-create them. Other databases get nothing (SQLite's fuzzy search scans; see selectors).
"""

from django.db import migrations

INDEX = "entity_search_county_core"
OLD_INDEX = "entity_name_core_trgm"  # 0005
CORE_PATTERN = (
    "(盐城经济技术开发区|盐南高新区|江苏省|盐城市|亭湖区|盐都区|大丰区|响水县|滨海县|阜宁县|射阳县|建湖县|东台市"
    "|江苏|盐城|有限公司|股份公司|分公司|农民专业合作社|专业合作社|股份经济合作社|经济合作社|股份合作社|合作社"
    "|个人独资企业|合伙企业|有限合伙|普通合伙|个体工商户|[()])"
)
COUNTY_PATTERN = "(盐城经济技术开发区|盐南高新区|亭湖区|盐都区|大丰区|响水县|滨海县|阜宁县|射阳县|建湖县|东台市)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    execute(
        "ALTER TABLE entities_entity "
        f"ADD COLUMN IF NOT EXISTS search_core text "
        f"GENERATED ALWAYS AS (regexp_replace(name_norm, '{CORE_PATTERN}', '', 'g')) STORED, "
        f"ADD COLUMN IF NOT EXISTS search_county text "
        f"GENERATED ALWAYS AS (substring(name_norm FROM '{COUNTY_PATTERN}')) STORED"
    )
    execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON entities_entity "
        "USING gin (search_county, search_core gin_trgm_ops)"
    )
    execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")
    execute("ANALYZE entities_entity (search_core, search_county)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from importlib import import_module  # back to 0005: its expression index returns

    old = import_module("crossreg.entities.migrations.0005_name_core_trigram_index")
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute("ALTER TABLE entities_entity DROP COLUMN IF EXISTS search_core")
    schema_editor.execute("ALTER TABLE entities_entity DROP COLUMN IF EXISTS search_county")
    old.create(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("entities", "0005_name_core_trigram_index")]

    operations = [migrations.RunPython(create, drop)]
