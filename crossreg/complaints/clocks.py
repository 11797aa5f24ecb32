"""The legal clock of each step, on the working-day calendar of :mod:`crossreg.core.calendar`."""

from __future__ import annotations

import datetime as dt

from crossreg.complaints import conf
from crossreg.complaints.models import Kind, State
from crossreg.core.calendar import add_workdays

#: (kind, state) -> (step name, setting with the number of working days)
STEP_CLOCKS: dict[tuple[str, str], tuple[str, str]] = {
    (Kind.COMPLAINT, State.RECEIVED): ("accept", "COMPLAINT_ACCEPT_WORKDAYS"),
    (Kind.COMPLAINT, State.ACCEPTED): ("mediation", "COMPLAINT_MEDIATION_WORKDAYS"),
    (Kind.COMPLAINT, State.MEDIATING): ("mediation", "COMPLAINT_MEDIATION_WORKDAYS"),
    (Kind.REPORT, State.RECEIVED): ("verify", "REPORT_VERIFY_WORKDAYS"),
    (Kind.REPORT, State.VERIFYING): ("verify", "REPORT_VERIFY_WORKDAYS"),
    (Kind.ENQUIRY, State.RECEIVED): ("reply", "ENQUIRY_REPLY_WORKDAYS"),
    (Kind.SUGGESTION, State.RECEIVED): ("reply", "ENQUIRY_REPLY_WORKDAYS"),
}
REPLY_STATES = frozenset(
    {
        State.REFUSED,
        State.MEDIATED,
        State.MEDIATION_FAILED,
        State.JUSTIFIED,
        State.UNJUSTIFIED,
        State.CASE_OPENED,
    }
)


def step_deadline(kind: str, state: str, started_on: dt.date) -> tuple[str, dt.date | None]:
    """The step that ``state`` is in and the day it must be done by (``None``: no clock)."""
    found = STEP_CLOCKS.get((kind, state))
    if found is not None:
        name, key = found
        return name, add_workdays(started_on, int(conf.get(key)))
    if state in REPLY_STATES:
        return "reply", add_workdays(started_on, int(conf.get("REPLY_WORKDAYS")))
    return "", None


def accept_deadline(received_on: dt.date) -> dt.date:
    return add_workdays(received_on, int(conf.get("COMPLAINT_ACCEPT_WORKDAYS")))


def mediation_deadline(started_on: dt.date) -> dt.date:
    return add_workdays(started_on, int(conf.get("COMPLAINT_MEDIATION_WORKDAYS")))


def verify_deadline(received_on: dt.date) -> dt.date:
    return add_workdays(received_on, int(conf.get("REPORT_VERIFY_WORKDAYS")))


def extended_deadline(deadline: dt.date) -> dt.date:
    return add_workdays(deadline, int(conf.get("REPORT_EXTENSION_WORKDAYS")))


#: States whose step has a clock (and can be overdue).
STEP_STATES = frozenset(state for _, state in STEP_CLOCKS) | REPLY_STATES
