"""Domain events: what an app tells the rest of the platform, without importing it.

An app that acts calls :func:`domain_event_publish` inside the action's transaction. Two kinds of
listeners, both registered from an ``AppConfig.ready()`` of an app *above* it (or of the outbox):

- **sinks** run at once, inside the same transaction: the outbox writes the event row there, so an
  action rolled back leaves no event (``crossreg.outbox``);
- **subscribers** run after the transaction commits (``transaction.on_commit``), never before: the
  credit app re-evaluates an entity when a penalty is decided, the clue app correlates a finding.
  A subscriber must be quick (enqueue a background job for real work) and must not raise; an
  exception is logged and does not undo the committed action.

This keeps the dependency order one way: ``cases`` publishes ``case.decided`` and does not know
that ``credit`` listens. Event types are ``<app>.<noun>.<verb>`` strings, e.g.
``case.decision.made``; each app documents the events it publishes in docs/data-standard.md and
their data schema in docs/schemas/.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEvent:
    type: str  # e.g. "case.decision.made"
    subject: str  # "<subject_type>/<subject_id>", e.g. "case/盐市监处罚〔2026〕12号" or "entity/42"
    data: Mapping[str, Any]  # JSON-serialisable, per the event type's published schema
    department_id: str | None = None  # the department that acted, if any
    entity_id: int | None = None  # the market entity concerned, if any
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: dt.datetime = field(default_factory=timezone.now)


Sink = Callable[[DomainEvent], None]
Subscriber = Callable[[DomainEvent], None]

_SINKS: list[Sink] = []
_SUBSCRIBERS: dict[str, list[Subscriber]] = {}


def domain_event_sink_register(sink: Sink) -> None:
    """Run ``sink(event)`` inside the publishing transaction for every event (the outbox)."""
    if sink not in _SINKS:
        _SINKS.append(sink)


def domain_event_subscribe(event_type: str, subscriber: Subscriber) -> None:
    """Run ``subscriber(event)`` after commit for every event of ``event_type`` (``"*"``: all)."""
    subs = _SUBSCRIBERS.setdefault(event_type, [])
    if subscriber not in subs:
        subs.append(subscriber)


def _deliver(event: DomainEvent) -> None:
    for sub in [*_SUBSCRIBERS.get(event.type, []), *_SUBSCRIBERS.get("*", [])]:
        try:
            sub(event)
        except Exception:  # a listener's failure must not undo or block the committed action
            log.exception("domain event subscriber %r failed on %s %s", sub, event.type, event.id)


def domain_event_publish(
    *,
    type: str,
    subject: str,
    data: Mapping[str, Any],
    department_id: str | None = None,
    entity_id: int | None = None,
) -> DomainEvent:
    """Publish an event of the current transaction: sinks now, subscribers on commit."""
    event = DomainEvent(
        type=type, subject=subject, data=dict(data), department_id=department_id, entity_id=entity_id
    )
    for sink in _SINKS:
        sink(event)
    transaction.on_commit(lambda: _deliver(event))
    return event
