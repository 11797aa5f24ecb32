"""Fuzzy name search: the search columns of 0006, re-made (PostgreSQL only).

- ``search_core`` also drops the township or street after a county (亭湖区五星街道王记服装店 →
  王记服装店): a department that leaves out the name's region leaves out the township with it;
- ``search_county`` is '' rather than NULL for a name that names no county, so that the GIN
  index can find "no county" too (btree_gin answers ``= ''``, not ``IS NULL``).

PostgreSQL 15 cannot change a generated column's expression, so both columns are dropped and added
again (one rewrite of ``entities_entity``) and the index re-built. The patterns are repeated here
literally (``crossreg.entities.names.FUZZY_CORE_PATTERN`` / ``FUZZY_COUNTY_PATTERN``; a test keeps
them equal). See 0006 for the rest; other databases get nothing.
"""

from django.db import migrations

INDEX = "entity_search_county_core"
CORE_PATTERN = (
    "(?:盐城经济技术开发区|盐南高新区|亭湖区|盐都区|大丰区|响水县|滨海县|阜宁县|射阳县|建湖县|东台市)"
    "(?:[一-龥]{2,3}镇|[一-龥]{2}街道)?|江苏省|盐城市|江苏|盐城"
    "|有限公司|股份公司|分公司|农民专业合作社|专业合作社|股份经济合作社|经济合作社|股份合作社|合作社"
    "|个人独资企业|合伙企业|有限合伙|普通合伙|个体工商户|[()]"
)
COUNTY_PATTERN = "(盐城经济技术开发区|盐南高新区|亭湖区|盐都区|大丰区|响水县|滨海县|阜宁县|射阳县|建湖县|东台市)"


def _remake(schema_editor, core_sql: str, county_sql: str) -> None:
    execute = schema_editor.execute
    execute(f"DROP INDEX IF EXISTS {INDEX}")
    execute(
        "ALTER TABLE entities_entity DROP COLUMN IF EXISTS search_core, "
        "DROP COLUMN IF EXISTS search_county, "
        f"ADD COLUMN search_core text GENERATED ALWAYS AS ({core_sql}) STORED, "
        f"ADD COLUMN search_county text GENERATED ALWAYS AS ({county_sql}) STORED"
    )
    execute(f"CREATE INDEX {INDEX} ON entities_entity USING gin (search_county, search_core gin_trgm_ops)")
    execute("ANALYZE entities_entity (search_core, search_county)")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _remake(
        schema_editor,
        f"regexp_replace(name_norm, '{CORE_PATTERN}', '', 'g')",
        f"coalesce(substring(name_norm FROM '{COUNTY_PATTERN}'), '')",
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from importlib import import_module

    old = import_module("crossreg.entities.migrations.0006_search_core_columns")
    _remake(
        schema_editor,
        f"regexp_replace(name_norm, '{old.CORE_PATTERN}', '', 'g')",
        f"substring(name_norm FROM '{old.COUNTY_PATTERN}')",
    )


class Migration(migrations.Migration):
    dependencies = [("entities", "0006_search_core_columns")]

    operations = [migrations.RunPython(create, drop)]
