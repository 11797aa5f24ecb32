"""Every transition of every kind, for every role: allowed or refused.

The expected matrix below is written out by hand from the law and the team's roles — it is not
recomputed from ``workflow.TRANSITIONS`` — so a wrong edit of the table fails here.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from crossreg.complaints import workflow
from crossreg.orgs.permissions import Principal

DEPT = "smr"
ROLES = ("staff", "head", "mem_staff", "hotline", "finance", "leader", "officer")
HANDLERS = {"staff", "head"}  # the handling department's complaint handlers
INTAKE = {"staff", "head", "hotline"}  # ... and the 12345 desk
HEAD = {"head"}

# (state, transition) -> (to state, roles allowed), per kind.
COMMON = {
    ("received", "route"): ("received", INTAKE),
    ("received", "return"): ("received", HANDLERS),
    ("received", "mark_duplicate"): ("duplicate", INTAKE),
    ("received", "split"): ("split", INTAKE),
    ("replied", "close"): ("closed", INTAKE),
}
EXPECTED: dict[str, dict[tuple[str, str], tuple[str, set[str]]]] = {
    "complaint": {
        **COMMON,
        ("received", "accept"): ("accepted", HANDLERS),
        ("received", "refuse"): ("refused", HANDLERS),
        ("accepted", "mediate"): ("mediating", HANDLERS),
        ("accepted", "reply"): ("replied", HANDLERS),
        ("mediating", "agree"): ("mediated", HANDLERS),
        ("mediating", "end_mediation"): ("mediation_failed", HANDLERS),
        ("mediated", "reply"): ("replied", HANDLERS),
        ("mediation_failed", "reply"): ("replied", HANDLERS),
        ("refused", "reply"): ("replied", HANDLERS),
    },
    "report": {
        **COMMON,
        ("received", "accept"): ("verifying", HANDLERS),
        ("received", "refuse"): ("refused", HANDLERS),
        ("verifying", "extend"): ("verifying", HEAD),
        ("verifying", "justify"): ("justified", HANDLERS),
        ("verifying", "unjustify"): ("unjustified", HANDLERS),
        ("justified", "open_case"): ("case_opened", HANDLERS),
        ("justified", "reply"): ("replied", HANDLERS),
        ("case_opened", "reply"): ("replied", HANDLERS),
        ("unjustified", "reply"): ("replied", HANDLERS),
        ("refused", "reply"): ("replied", HANDLERS),
    },
    "enquiry": {**COMMON, ("received", "reply"): ("replied", HANDLERS)},
    "suggestion": {**COMMON, ("received", "reply"): ("replied", HANDLERS)},
}
STATES = [
    "received",
    "accepted",
    "refused",
    "mediating",
    "mediated",
    "mediation_failed",
    "verifying",
    "justified",
    "unjustified",
    "case_opened",
    "replied",
    "closed",
    "duplicate",
    "split",
]
NAMES = [
    "route",
    "return",
    "mark_duplicate",
    "split",
    "accept",
    "refuse",
    "mediate",
    "agree",
    "end_mediation",
    "extend",
    "justify",
    "unjustify",
    "open_case",
    "reply",
    "close",
]
SYSTEM_ONLY = {("complaint", "mediating", "end_mediation")}

REWARD_EXPECTED = {
    ("computed", "approve"): ("approved", HEAD),
    ("computed", "refuse"): ("refused", HEAD),
    ("finance_review", "finance_approve"): ("approved", {"finance"}),
    ("finance_review", "finance_refuse"): ("refused", {"finance"}),
    ("approved", "pay"): ("paid", {"finance"}),
}
REWARD_STATES = ["computed", "finance_review", "approved", "paid", "refused", "not_eligible"]


@pytest.fixture
def principals(city: dict[str, Any]) -> dict[str, Principal]:
    return {r: Principal.of(city["users"][r]) for r in ROLES}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_every_submission_transition_per_role(kind: str, principals: dict[str, Principal]) -> None:
    for state, name in itertools.product(STATES, NAMES):
        expected = EXPECTED[kind].get((state, name))
        for role, p in principals.items():
            step = workflow.submission_step(
                kind=kind, state=state, transition=name, actor=p, department_id=DEPT
            )
            if expected is None or role not in expected[1]:
                assert step is None, (kind, state, name, role)
            else:
                assert step is not None and step.to == expected[0], (kind, state, name, role)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_the_system_makes_only_clock_transitions(kind: str) -> None:
    for state, name in itertools.product(STATES, NAMES):
        step = workflow.submission_step(
            kind=kind, state=state, transition=name, actor="system:clock", department_id=DEPT
        )
        assert (step is not None) == ((kind, state, name) in SYSTEM_ONLY), (kind, state, name)
        anon = workflow.submission_step(
            kind=kind, state=state, transition=name, actor=Principal.anonymous(), department_id=DEPT
        )
        assert anon is None


@pytest.mark.django_db
def test_an_unrouted_submission_is_routed_only_by_the_intake_desk(principals: dict[str, Principal]) -> None:
    for role, p in principals.items():
        step = workflow.submission_step(
            kind="report", state="received", transition="route", actor=p, department_id=None
        )
        assert (step is not None) == (role == "hotline"), role
        accept = workflow.submission_step(
            kind="report", state="received", transition="accept", actor=p, department_id=None
        )
        assert accept is None, role


@pytest.mark.django_db
def test_every_reward_transition_per_role(principals: dict[str, Principal]) -> None:
    for state, name in itertools.product(
        REWARD_STATES, ["approve", "refuse", "finance_approve", "finance_refuse", "pay"]
    ):
        expected = REWARD_EXPECTED.get((state, name))
        for role, p in principals.items():
            step = workflow.reward_step(state=state, transition=name, actor=p, department_id=DEPT)
            if expected is None or role not in expected[1]:
                assert step is None, (state, name, role)
            else:
                assert step is not None and step.to == expected[0], (state, name, role)


@pytest.mark.django_db
def test_contact_details_only_for_the_handling_department(principals: dict[str, Principal]) -> None:
    seen = {r for r, p in principals.items() if workflow.contact_visible(p, DEPT)}
    assert seen == HANDLERS
