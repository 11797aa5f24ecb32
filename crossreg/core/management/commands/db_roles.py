"""``crossreg db_roles --app-role NAME``: the least-privilege PostgreSQL role the application runs as.

Run it as the owner of the tables (the role that runs ``migrate``), after every ``migrate``::

    DATABASE_URL=postgres://crossreg_owner@db/crossreg crossreg migrate
    DATABASE_URL=postgres://crossreg_owner@db/crossreg crossreg db_roles --app-role crossreg_app
    # the web, worker and listener then use DATABASE_URL=postgres://crossreg_app@db/crossreg

The application role may SELECT, INSERT, UPDATE and DELETE the ordinary tables, but only INSERT and
SELECT the append-only ones (the ledger's three tables and the read audit). It owns nothing, so it
can neither ALTER the tables nor disable their triggers, and it may not TRUNCATE anything.
docs/deployment.md.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from psycopg import sql

APPEND_ONLY = ("ledger.Entry", "ledger.Node", "ledger.LedgerCheckpoint", "ledger.EntryRef", "orgs.DataAccess")


def append_only_tables() -> list[str]:
    return [apps.get_model(label)._meta.db_table for label in APPEND_ONLY]


class Command(BaseCommand):
    help = "Create or update the least-privilege PostgreSQL role the application connects as."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--app-role", required=True)
        parser.add_argument("--password", default=None, help="set the role's password (else unchanged)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("db_roles is for PostgreSQL (SQLite has no roles)")
        role = opts["app_role"]
        ident = sql.Identifier(role)
        with connection.cursor() as c:
            c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if c.fetchone() is None:
                c.execute(
                    sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT").format(
                        ident
                    )
                )
            if opts["password"]:
                c.execute(sql.SQL("ALTER ROLE {} PASSWORD %s").format(ident), [opts["password"]])
            c.execute("SELECT current_database(), current_schema()")
            db, schema = c.fetchone()
            schema_ident = sql.Identifier(schema)
            c.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(db), ident))
            c.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_ident, ident))
            c.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema_ident, ident))
            c.execute(
                sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(
                    schema_ident, ident
                )
            )
            c.execute(
                sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
                    schema_ident, ident
                )
            )
            for table in append_only_tables():
                c.execute(
                    sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(
                        sql.Identifier(table), ident
                    )
                )
        self.stdout.write(
            f"role {role}: read/write on the tables of {db}.{schema}; INSERT and SELECT only on "
            + ", ".join(append_only_tables())
        )
