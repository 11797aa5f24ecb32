"""The adapters' senders, registered with the outbox for their target kinds (from ExchangeConfig.ready)."""

from __future__ import annotations

from crossreg.exchange.adapters import enforcement, supervision
from crossreg.exchange.adapters.rest import RestSender
from crossreg.exchange.adapters.staging import StagingSender
from crossreg.outbox.senders import sender_register


def register() -> None:
    sender_register(supervision.BatchSender())
    sender_register(RestSender("supervision_rest", supervision.rows))
    sender_register(RestSender("enforcement", enforcement.rows))
    sender_register(StagingSender())


#: adapter module per target kind, for the conformance tests and the pages (field sets)
FIELD_SETS = {
    "supervision_batch": supervision,
    "supervision_rest": supervision,
    "enforcement": enforcement,
}
