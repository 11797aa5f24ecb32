"""The staging database (前置库) of the government data-exchange platform.

Writes every event it receives into a table ``crossreg_event`` of a *separate* database, given by a
DATABASE_URL-style string in ``target.config["database_url"]`` (or the setting
``CROSSREG["EXCHANGE_STAGING_DATABASE_URL"]``): ``postgres://user@host/db`` (optionally
``target.config["schema"]``, created if absent) or ``sqlite:///path/to/file.sqlite3``. The exchange
platform reads the table on its own schedule; rows are keyed by the event id, so a retried or replayed
event is written once (``ON CONFLICT DO NOTHING``). The row keeps the CloudEvents envelope as JSON and,
when an adapter maps the event type, the mapped record (``record``), so the platform need not know
our event schemas.

It uses the database drivers directly (psycopg, sqlite3), not Django's connections: the staging
database is not ours to migrate, and a second Django alias would put it in every test and
migration.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from crossreg.exchange.adapters import enforcement, supervision
from crossreg.exchange.adapters.base import build
from crossreg.exchange.adapters.enrich import enrich
from crossreg.exchange.mappings import Mappings
from crossreg.outbox.models import Target
from crossreg.outbox.senders import Outcome, Outgoing

FIELD_SOURCE = "our design: one row per event, the envelope plus the mapped record"
COLUMNS = (
    "event_id",
    "type",
    "subject",
    "time",
    "department",
    "entity_id",
    "envelope",
    "record",
    "written_at",
)
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def staging_url(target: Target) -> str:
    url = target.config.get("database_url") or getattr(settings, "CROSSREG", {}).get(
        "EXCHANGE_STAGING_DATABASE_URL", ""
    )
    if not url:
        raise ValueError("no staging database configured (config.database_url)")
    return str(url)


def _record(item: Outgoing, mappings: Mappings) -> tuple[str, Outcome | None]:
    for module in (supervision, enforcement):
        if item.event_type in module.EVENT_TYPES:
            built, stop = build(module.rows, item, mappings)
            if stop is not None:
                return "", stop
            return json.dumps(built, ensure_ascii=False), None
    return "", None


class StagingSender:
    kind = "staging"

    def send(self, target: Target, items: Sequence[Outgoing]) -> list[Outcome]:
        mappings = Mappings.current()
        items = enrich(items)
        outcomes: list[Outcome] = []
        values: list[tuple[Any, ...]] = []
        stopped: set[str] = set()
        for item in items:
            if item.subject in stopped:
                outcomes.append(
                    Outcome(ok=False, skipped=True, error="an earlier event of the subject failed")
                )
                continue
            record, stop = _record(item, mappings)
            if stop is not None:
                stopped.add(item.subject)
                outcomes.append(stop)
                continue
            env = item.envelope
            values.append(
                (
                    env["id"],
                    env["type"],
                    env.get("subject", ""),
                    env.get("time", ""),
                    env.get("department", ""),
                    env.get("entityid", ""),
                    json.dumps(env, ensure_ascii=False),
                    record,
                )
            )
            outcomes.append(Outcome(ok=True, acknowledgement="staged"))
        if values:
            try:
                staging_write(staging_url(target), str(target.config.get("schema") or ""), values)
            except Exception as exc:
                return [
                    Outcome(ok=False, error=f"staging database: {type(exc).__name__}: {exc}"[:500])
                    for _ in items
                ]
        return outcomes


def staging_write(url: str, schema: str, values: list[tuple[Any, ...]]) -> None:
    if url.startswith("sqlite://"):
        path = "/" + url.split("sqlite://", 1)[1].lstrip("/")  # sqlite:///abs/path
        with sqlite3.connect(path, timeout=30) as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS crossreg_event (event_id TEXT PRIMARY KEY, type TEXT, subject TEXT, "
                "time TEXT, department TEXT, entity_id TEXT, envelope TEXT, record TEXT, "
                "written_at TEXT DEFAULT CURRENT_TIMESTAMP)"
            )
            db.executemany(
                "INSERT INTO crossreg_event (event_id, type, subject, time, department, entity_id, envelope, record) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
                values,
            )
        return
    if not url.startswith(("postgres://", "postgresql://")):
        raise ValueError("use postgres://… or sqlite:///…")
    import psycopg

    if schema and not _IDENT.match(schema):
        raise ValueError(f"bad schema name {schema!r}")
    table = f'"{schema}".crossreg_event' if schema else "crossreg_event"
    with psycopg.connect(url) as db:
        if schema:
            db.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (event_id text PRIMARY KEY, type text, subject text, "
            "time text, department text, entity_id text, envelope jsonb, record jsonb, written_at timestamptz DEFAULT now())"
        )
        with db.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {table} (event_id, type, subject, time, department, entity_id, envelope, record) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, NULLIF(%s, '')::jsonb) ON CONFLICT (event_id) DO NOTHING",
                values,
            )


def staging_read(url: str, schema: str = "") -> list[dict[str, Any]]:
    """The staged rows (tests, reconciliation of a staging target)."""
    if url.startswith("sqlite://"):
        path = "/" + url.split("sqlite://", 1)[1].lstrip("/")
        with sqlite3.connect(path) as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("SELECT * FROM crossreg_event ORDER BY rowid")]
    import psycopg
    from psycopg.rows import dict_row

    table = f'"{schema}".crossreg_event' if schema else "crossreg_event"
    with psycopg.connect(url, row_factory=dict_row) as db:
        return list(db.execute(f"SELECT * FROM {table} ORDER BY written_at, event_id").fetchall())
