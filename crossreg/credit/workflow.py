"""The credit workflows: ONE table each, with the capability allowed for every transition.

Model versions (docs/credit.md "Changing a model"): a draft is written and submitted by the model's
owner department's staff (HANDLE_CASES there) or the credit role (the development-and-reform commission for the public model, the industry
authority for its industry model); the development-and-reform commission's credit role
(CREDIT_REVIEW) approves it — never the person who submitted it — or returns it to draft.

Repair applications (NDRC 信用修复管理办法): the enterprise (through its access code) or staff on
its behalf apply; the department that recorded the event (its head, DECIDE_CASES) or the credit
role (CREDIT_REVIEW) approves or refuses with reasons.
"""

from __future__ import annotations

from dataclasses import dataclass

from crossreg.orgs.permissions import Capability, Principal


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    capabilities: frozenset[Capability]
    own_department: bool  # the capability must be held for the owner department


_C = Capability
MODEL_TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", "draft", "review", frozenset({_C.HANDLE_CASES, _C.CREDIT_REVIEW}), True),
    Transition("return", "review", "draft", frozenset({_C.CREDIT_REVIEW}), False),
    Transition("publish", "review", "published", frozenset({_C.CREDIT_REVIEW}), False),
)

REPAIR_TRANSITIONS: tuple[Transition, ...] = (
    Transition("approve", "submitted", "approved", frozenset({_C.CREDIT_REVIEW, _C.DECIDE_CASES}), True),
    Transition("refuse", "submitted", "refused", frozenset({_C.CREDIT_REVIEW, _C.DECIDE_CASES}), True),
)


def _find(table: tuple[Transition, ...], source: str, action: str) -> Transition | None:
    return next((t for t in table if t.source == source and t.action == action), None)


def _allowed(t: Transition, principal: Principal, department_id: str | None) -> bool:
    for cap in t.capabilities:
        if cap == _C.CREDIT_REVIEW and principal.can(cap):  # the commission acts city-wide
            return True
        if principal.can(cap, department_id if t.own_department else None):
            return True
    return False


def model_transition_find(source: str, action: str) -> Transition | None:
    return _find(MODEL_TRANSITIONS, source, action)


def model_may(principal: Principal, source: str, action: str, department_id: str) -> bool:
    t = _find(MODEL_TRANSITIONS, source, action)
    return t is not None and _allowed(t, principal, department_id)


def model_may_edit(principal: Principal, department_id: str) -> bool:
    """Write or change a draft: the owner department's staff or the credit role."""
    return principal.can(_C.CREDIT_REVIEW) or principal.can(_C.HANDLE_CASES, department_id)


def repair_transition_find(source: str, action: str) -> Transition | None:
    return _find(REPAIR_TRANSITIONS, source, action)


def repair_may(principal: Principal, source: str, action: str, department_id: str | None) -> bool:
    t = _find(REPAIR_TRANSITIONS, source, action)
    return t is not None and _allowed(t, principal, department_id)


def repair_may_apply_for(principal: Principal, department_id: str | None) -> bool:
    """Staff may file an application on the enterprise's behalf (the enterprise uses its code)."""
    return principal.can(_C.HANDLE_CASES, department_id) or principal.can(_C.CREDIT_REVIEW)


def event_may_record(principal: Principal, department_id: str | None) -> bool:
    """A manual credit event: the department's case handlers, or the credit role."""
    return principal.can(_C.CREDIT_REVIEW) or principal.can(_C.HANDLE_CASES, department_id)


def subscription_may_manage(principal: Principal, department_id: str) -> bool:
    return principal.can(_C.MANAGE_DEPARTMENT, department_id) or principal.can(
        _C.VIEW_DEPARTMENT_DATA, department_id
    )


def evaluate_may_start(principal: Principal) -> bool:
    """The full-city evaluation: the credit role or an administrator."""
    return principal.has(_C.CREDIT_REVIEW)
