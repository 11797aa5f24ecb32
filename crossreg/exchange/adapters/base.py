"""What every adapter is: a field set, a field mapping from an event, and a way to send.

An adapter module defines

- ``FIELDS``: the target's field set, in column order, as :class:`Field` (key, Chinese name,
  required), with ``FIELD_SOURCE`` saying where the field set comes from;
- ``rows(envelope, mappings) -> list[dict]``: the records one event becomes (``[]``: the event is
  not for this target; :class:`~crossreg.exchange.mappings.Unmapped`: a code has no mapping);
- a sender registered with ``crossreg.outbox.senders.sender_register`` for its ``Target.kind``.

The conformance tests (``tests/test_conformance.py``) run each adapter over fixture events and check
the records against the field set in ``tests/fixtures/<adapter>.fields.json``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from crossreg.exchange.mappings import Mappings, Unmapped
from crossreg.outbox.senders import Outcome, Outgoing

RowBuilder = Callable[[dict[str, Any], Mappings], list[dict[str, Any]]]


@dataclass(frozen=True)
class Field:
    key: str
    name: str
    required: bool = True


def check_rows(fields: Sequence[Field], rows: list[dict[str, Any]]) -> list[str]:
    """Problems of records against a field set: missing or extra keys, empty required values."""
    keys = [f.key for f in fields]
    problems = []
    for n, row in enumerate(rows, start=1):
        if list(row) != keys:
            missing = [k for k in keys if k not in row]
            extra = [k for k in row if k not in keys]
            problems.append(
                f"record {n}: missing {missing}, extra {extra}"
                if missing or extra
                else f"record {n}: field order"
            )
        for f in fields:
            if f.required and row.get(f.key) in (None, ""):
                problems.append(f"record {n}: {f.key} ({f.name}) is required")
    return problems


def build(
    builder: RowBuilder, item: Outgoing, mappings: Mappings
) -> tuple[list[dict[str, Any]], Outcome | None]:
    """The records of one outgoing event, or the outcome that stops it (unmapped code: permanent)."""
    try:
        return builder(item.envelope, mappings), None
    except Unmapped as exc:
        return [], Outcome(ok=False, permanent=True, error=f"{exc}; add the code to the mapping, then replay")
    except (KeyError, TypeError, ValueError) as exc:
        return [], Outcome(
            ok=False, permanent=True, error=f"event data does not fit the field mapping: {exc!r}"
        )


def yuan(value: Any) -> str:
    """A money amount as the platforms take it: a decimal string with two places."""
    from decimal import Decimal, InvalidOperation

    try:
        return f"{Decimal(str(value or 0)):.2f}"
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
