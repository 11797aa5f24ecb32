"""The credit workflows' permission tables, checked against an expected matrix written by hand
(not recomputed from workflow.MODEL_TRANSITIONS / REPAIR_TRANSITIONS)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from crossreg.credit import workflow
from crossreg.orgs.permissions import Principal

OWNER = "fgw"  # the public model's owner department
OTHER = "smr"


def principal(role: str, department: str) -> Principal:
    user: Any = SimpleNamespace(
        is_authenticated=True,
        is_active=True,
        is_superuser=False,
        role=role,
        department_id=department,
        sees_all_departments=role in {"leader", "bigdata", "admin"},
        pk=1,
    )
    return Principal.from_user(user)


# (role, department) -> the model actions allowed on a version of a model owned by OWNER
MODEL_EXPECTED: dict[tuple[str, str], set[str]] = {
    ("staff", OWNER): {"submit"},
    ("staff", OTHER): set(),
    ("dept_admin", OWNER): set(),  # manages users, not models
    ("dept_head", OWNER): {"submit"},
    ("credit", OWNER): {"submit", "return", "publish"},
    ("credit", OTHER): {"submit", "return", "publish"},  # the commission acts city-wide
    ("dept_head", OTHER): set(),
    ("leader", OTHER): set(),  # leaders read every department's data; they neither write nor review
    ("officer", OTHER): set(),
    ("officer", OWNER): {"submit"},
    ("legal", OWNER): set(),
    ("hotline", OWNER): set(),
    ("admin", OTHER): {"submit", "return", "publish"},
}
SOURCE = {"submit": "draft", "return": "review", "publish": "review"}


@pytest.mark.parametrize(("who", "allowed"), list(MODEL_EXPECTED.items()))
def test_model_transitions(who: tuple[str, str], allowed: set[str]) -> None:
    p = principal(*who)
    got = {a for a, src in SOURCE.items() if workflow.model_may(p, src, a, OWNER)}
    assert got == allowed


@pytest.mark.parametrize(
    ("state", "action", "exists"),
    [
        ("draft", "submit", True),
        ("draft", "publish", False),
        ("review", "publish", True),
        ("review", "return", True),
        ("review", "submit", False),
        ("published", "publish", False),
        ("published", "return", False),
        ("superseded", "submit", False),
    ],
)
def test_model_states(state: str, action: str, exists: bool) -> None:
    assert (workflow.model_transition_find(state, action) is not None) is exists


# repair of a record made by OTHER (the market regulator)
REPAIR_EXPECTED: dict[tuple[str, str], set[str]] = {
    ("dept_head", OTHER): {"approve", "refuse"},
    ("dept_head", OWNER): set(),
    ("credit", OWNER): {"approve", "refuse"},
    ("staff", OTHER): set(),
    ("officer", OTHER): set(),
    ("legal", OTHER): set(),
    ("leader", OTHER): set(),
    ("admin", OWNER): {"approve", "refuse"},
}


@pytest.mark.parametrize(("who", "allowed"), list(REPAIR_EXPECTED.items()))
def test_repair_transitions(who: tuple[str, str], allowed: set[str]) -> None:
    p = principal(*who)
    got = {a for a in ("approve", "refuse") if workflow.repair_may(p, "submitted", a, OTHER)}
    assert got == allowed
    assert not any(
        workflow.repair_may(p, s, a, OTHER) for s in ("approved", "refused") for a in ("approve", "refuse")
    )
