"""The data standard of events: one pydantic model per event type, published as JSON Schema.

The app that publishes an event registers its data model (``event_schema_register`` from its
``ready()``); ``manage.py event_schemas --output docs/schemas`` writes ``docs/schemas/<type>.json``
(plus the CloudEvents envelope, ``cloudevent.json``) and ``--check`` fails CI when a committed file
has drifted from the code, like docs/openapi.json.

``provisional=True`` registers a model only if the owning app has not: the exchange app registers
its reading of the shapes promised in TEAM.md, and steps aside when the owner publishes its own.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_SCHEMAS: dict[str, tuple[type[BaseModel], bool]] = {}


def event_schema_register(event_type: str, model: type[BaseModel], *, provisional: bool = False) -> None:
    current = _SCHEMAS.get(event_type)
    if provisional and current is not None:
        return
    if current is not None and not current[1] and current[0] is not model and not provisional:
        raise ValueError(f"event type {event_type} already has a schema ({current[0].__name__})")
    _SCHEMAS[event_type] = (model, provisional)
    from crossreg.outbox.services import schema_types_register

    schema_types_register([event_type])


def event_schema(event_type: str) -> type[BaseModel] | None:
    found = _SCHEMAS.get(event_type)
    return found[0] if found else None


def event_types() -> list[str]:
    return sorted(_SCHEMAS)


class CloudEvent(BaseModel):
    """The envelope every event travels in (CloudEvents 1.0, structured JSON mode)."""

    model_config = ConfigDict(title="CloudEvent", extra="forbid")

    specversion: str = Field("1.0", description="CloudEvents version")
    id: str = Field(description="unique per event; the idempotency key (webhook-id)")
    source: str = Field(description="the platform, e.g. urn:crossreg:yancheng")
    type: str = Field(description="<app>.<noun>.<verb>, e.g. case.decision.made")
    subject: str = Field(description="<subject type>/<id>; events of one subject arrive in order")
    time: str = Field(description="RFC 3339, UTC")
    datacontenttype: str = "application/json"
    dataschema: str | None = Field(
        None, description="URL of the data's JSON Schema (docs/schemas/<type>.json)"
    )
    department: str | None = Field(None, description="extension: the acting department's code")
    entityid: str | None = Field(None, description="extension: the market entity concerned")
    data: dict[str, Any]


def schema_documents() -> dict[str, str]:
    """file name -> JSON text, exactly as committed under docs/schemas/."""
    out = {"cloudevent.json": _dump(CloudEvent.model_json_schema())}
    for event_type in event_types():
        model = _SCHEMAS[event_type][0]
        schema = model.model_json_schema()
        schema["$id"] = f"https://crossreg.example.org/schemas/events/{event_type}.json"
        schema["x-event-type"] = event_type
        out[f"{event_type}.json"] = _dump(schema)
    return out


def _dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
