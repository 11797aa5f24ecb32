"""The remote-handling table, tested against an expected matrix written out by hand."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from crossreg.clues import workflow
from crossreg.core.errors import Conflict, Forbidden

STATES = ["new", "notified", "proof_uploaded", "closed", "task", "case"]
# transition -> {state: party allowed} ; absent state = not allowed from there
EXPECTED = {
    "notify": {"new": "department"},
    "upload_proof": {"notified": "enterprise"},
    "accept": {"proof_uploaded": "department"},
    "reject_proof": {"proof_uploaded": "department"},
    "dismiss": {"new": "department"},
    "escalate_task": {"new": "department", "notified": "department", "proof_uploaded": "department"},
    "escalate_case": {
        "new": "department",
        "notified": "department",
        "proof_uploaded": "department",
        "task": "department",
    },
}


class FakePrincipal:
    def __init__(self, dept: str | None, handles: bool) -> None:
        self.dept, self.handles = dept, handles

    def can(self, cap: object, dept: str | None = None) -> bool:
        return self.handles and dept == self.dept


@pytest.mark.parametrize("transition", sorted(EXPECTED))
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(
    "party", ["department", "other_department", "no_capability", "enterprise", "other_enterprise"]
)
def test_matrix(transition: str, state: str, party: str) -> None:
    bundle = SimpleNamespace(handling=state, entity_id=5)
    principal = {
        "department": FakePrincipal("eeb", True),
        "other_department": FakePrincipal("hc", True),
        "no_capability": FakePrincipal("eeb", False),
    }.get(party)
    actor = {"enterprise": "enterprise:5", "other_enterprise": "enterprise:6"}.get(party)
    allowed = EXPECTED[transition].get(state) == party
    kwargs: dict[str, object] = {"principal": principal, "actor": actor, "transition": transition}
    got = workflow.may(bundle=bundle, department_codes=["eeb"], **kwargs)  # type: ignore[arg-type]
    assert got is allowed


def test_check_raises_the_right_error() -> None:
    b = SimpleNamespace(handling="closed", entity_id=5)
    with pytest.raises(Conflict):
        workflow.transition_check(
            bundle=b, transition="upload_proof", actor="enterprise:5", department_codes=[]
        )
    with pytest.raises(Forbidden):
        workflow.transition_check(
            bundle=b, transition="upload_proof", actor="enterprise:6", department_codes=[]
        )
