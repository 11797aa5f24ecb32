"""Every (state, transition, role): allowed or refused — an expected matrix written by hand from
the procedure (行政处罚法 and the SAMR rule), independently of ``workflow.TRANSITIONS``."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.db import transaction

from crossreg.cases import services, workflow
from crossreg.cases.models import Case, CaseState
from crossreg.cases.tests.factories import MONDAY, cases_city, filed
from crossreg.core.errors import Conflict, DomainError, Forbidden
from crossreg.orgs.permissions import Principal

H, D, L = "handler", "head", "legal"  # who may: case handlers, the department head, the legal reviewer

EXPECTED: dict[str, dict[str, str]] = {
    "filed": {"start_investigation": H, "withdraw_case": D, "transfer": D, "suspend": D},
    "investigation": {"submit_review": H, "withdraw_case": D, "transfer": D, "suspend": D},
    "review": {
        "return_investigation": D,
        "issue_notice": D,
        "decide_no_penalty": D,
        "withdraw_case": D,
        "transfer": D,
        "suspend": D,
    },
    "notice": {
        "request_hearing": H,
        "submit_legal_review": H,
        "convene_discussion": D,
        "decide": D,
        "decide_no_penalty": D,
        "suspend": D,
    },
    "hearing": {
        "submit_legal_review": H,
        "convene_discussion": D,
        "decide": D,
        "decide_no_penalty": D,
        "suspend": D,
    },
    "legal_review": {"pass_legal_review": L, "return_legal_review": L, "suspend": D},
    "reviewed": {"convene_discussion": D, "decide": D, "decide_no_penalty": D, "suspend": D},
    "discussion": {"decide": D, "decide_no_penalty": D, "suspend": D},
    "decided": {"serve_decision": H, "revoke_decision": D},
    "enforcement": {"close": D, "revoke_decision": D},
    "not_penalised": {"close": D},
    "closed": {"archive": H, "revoke_decision": D},
    "archived": {"revoke_decision": D},
    "suspended": {"resume": D},
    "withdrawn": {},
    "transferred": {},
    "revoked": {},
}
#: Which of H/D/L each user role holds for its own department's cases.
ROLES: dict[str, set[str]] = {
    "officer": {H},
    "staff": {H},
    "head": {H, D},
    "legal": {L},
    "other_head": set(),  # a head of another department
    "other_legal": set(),
    "leader": set(),  # sees every department, decides none
}
STATES = [s.value for s in CaseState]
TRANSITIONS = sorted({t for row in EXPECTED.values() for t in row} | set(workflow.TRANSITION_NAMES))


def expected(state: str, transition: str, role: str) -> bool:
    need = EXPECTED[state].get(transition)
    return need is not None and need in ROLES[role]


def test_expected_matrix_covers_every_state() -> None:
    assert set(EXPECTED) == set(STATES)


@pytest.fixture
def city(db: None) -> dict[str, Any]:
    return cases_city()


@pytest.mark.django_db
def test_table_for_every_state_transition_and_role(city: dict[str, Any]) -> None:
    users = city["users"]
    user_for = {
        "officer": users["officer"],
        "staff": users["staff"],
        "head": users["head"],
        "legal": users["legal"],
        "other_head": users["other_head"],
        "other_legal": users["other_legal"],
        "leader": users["leader"],
    }
    wrong = [
        (s, t, r)
        for s, t, r in itertools.product(STATES, TRANSITIONS, ROLES)
        if workflow.may(Principal.of(user_for[r]), state=s, transition=t, department_id="smr")
        != expected(s, t, r)
    ]
    assert wrong == []


@pytest.mark.django_db
def test_service_enforces_the_table(city: dict[str, Any]) -> None:
    """Through the service: a refusal by the table is Forbidden (who) or Conflict (which step); an
    allowed step either happens or is refused by a legal gate (Invalid), never by the table."""
    users = city["users"]
    case = filed(city, today=MONDAY)
    bad: list[tuple[str, str, str, str]] = []
    for state, transition, role in itertools.product(STATES, TRANSITIONS, ROLES):
        with transaction.atomic():
            Case.objects.filter(pk=case.pk).update(state=state, suspended_from="investigation")
            fresh = Case.objects.get(pk=case.pk)
            try:
                services.case_transition(
                    case=fresh,
                    transition=transition,
                    actor=users[role],
                    today=MONDAY,
                    note="说明",
                    data={"served_on": MONDAY.isoformat()},
                )
                outcome = "done"
            except Forbidden:
                outcome = "forbidden"
            except Conflict as exc:
                outcome = "conflict" if exc.problems[0].code == "bad_transition" else "gate"
            except DomainError:
                outcome = "gate"
            transaction.set_rollback(True)
        allowed = expected(state, transition, role)
        in_table = transition in EXPECTED[state]
        if allowed and outcome in ("forbidden", "conflict"):
            bad.append((state, transition, role, outcome))
        if not allowed and outcome in ("done", "gate"):
            bad.append((state, transition, role, outcome))
        if not in_table and outcome != "conflict":
            bad.append((state, transition, role, outcome))
    assert bad == []


def test_resume_returns_to_the_state_it_was_suspended_from() -> None:
    assert workflow.target("suspended", "resume", "notice") == "notice"
    assert workflow.target("suspended", "resume", "investigation") == "investigation"
