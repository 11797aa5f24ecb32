"""The workflows of complaints, reports, enquiries and suggestions, and of report rewards: one
explicit transition table per kind, with the capability each transition needs.

Complaint (投诉 — a consumer's own dispute; SAMR 投诉举报处理暂行办法 Art. 15, 26)::

    received ─accept─► accepted ─mediate─► mediating ─agree─────────► mediated ─────────┐
       │                  │                    └─end_mediation─► mediation_failed ──────┤
       └─refuse─► refused ┴──────────────────────────────────────────────────reply─► replied ─close─► closed

Report (举报 — a violation; Art. 31, 行政处罚程序规定 Art. 18)::

    received ─accept─► verifying ─justify─► justified ─open_case─► case_opened ─┐
       │                 │  ▲ extend           └───────────────────────────────┤
       │                 └─unjustify─► unjustified ────────────────────────────┤
       └─refuse─► refused ────────────────────────────────────────────── reply─► replied ─close─► closed

Enquiry / suggestion: ``received ─reply─► replied ─close─► closed``.

Every kind, while ``received``: ``route`` (choose the department), ``return`` (the department
gives a misrouted one back, with a reason), ``mark_duplicate`` (attach to an open original),
``split`` (several departments' matters become linked children).

Scopes: ``department`` — the capability for the submission's handling department;
``intake`` — the intake desk (the 12345 centre: a holder of the capability with no department or
in ``COMPLAINT_INTAKE_DEPARTMENTS``) or the handling department; ``any`` — the capability for any
department (finance approves every department's rewards).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from crossreg.complaints.models import Kind, RewardState, State
from crossreg.orgs.permissions import Capability, Principal

S = State
R = RewardState
H = Capability.HANDLE_COMPLAINTS
Scope = Literal["department", "intake", "any"]


@dataclass(frozen=True)
class Step:
    to: str
    capability: Capability
    scope: Scope = "department"
    system: bool = False  # the platform itself may make it (a clock ran out)


_COMMON: dict[tuple[str, str], Step] = {
    (S.RECEIVED, "route"): Step(S.RECEIVED, H, "intake"),
    (S.RECEIVED, "return"): Step(S.RECEIVED, H, "department"),
    (S.RECEIVED, "mark_duplicate"): Step(S.DUPLICATE, H, "intake"),
    (S.RECEIVED, "split"): Step(S.SPLIT, H, "intake"),
    (S.REPLIED, "close"): Step(S.CLOSED, H, "intake"),
}

TRANSITIONS: dict[str, dict[tuple[str, str], Step]] = {
    Kind.COMPLAINT: {
        **_COMMON,
        (S.RECEIVED, "accept"): Step(S.ACCEPTED, H),
        (S.RECEIVED, "refuse"): Step(S.REFUSED, H),
        (S.ACCEPTED, "mediate"): Step(S.MEDIATING, H),
        (S.ACCEPTED, "reply"): Step(S.REPLIED, H),
        (S.MEDIATING, "agree"): Step(S.MEDIATED, H),
        (S.MEDIATING, "end_mediation"): Step(S.MEDIATION_FAILED, H, system=True),
        (S.MEDIATED, "reply"): Step(S.REPLIED, H),
        (S.MEDIATION_FAILED, "reply"): Step(S.REPLIED, H),
        (S.REFUSED, "reply"): Step(S.REPLIED, H),
    },
    Kind.REPORT: {
        **_COMMON,
        (S.RECEIVED, "accept"): Step(S.VERIFYING, H),
        (S.RECEIVED, "refuse"): Step(S.REFUSED, H),
        (S.VERIFYING, "extend"): Step(S.VERIFYING, Capability.DECIDE_CASES),
        (S.VERIFYING, "justify"): Step(S.JUSTIFIED, H),
        (S.VERIFYING, "unjustify"): Step(S.UNJUSTIFIED, H),
        (S.JUSTIFIED, "open_case"): Step(S.CASE_OPENED, H),
        (S.JUSTIFIED, "reply"): Step(S.REPLIED, H),
        (S.CASE_OPENED, "reply"): Step(S.REPLIED, H),
        (S.UNJUSTIFIED, "reply"): Step(S.REPLIED, H),
        (S.REFUSED, "reply"): Step(S.REPLIED, H),
    },
    Kind.ENQUIRY: {**_COMMON, (S.RECEIVED, "reply"): Step(S.REPLIED, H)},
    Kind.SUGGESTION: {**_COMMON, (S.RECEIVED, "reply"): Step(S.REPLIED, H)},
}

#: Report rewards. ``approve`` leads to ``finance_review`` instead when the amount is above
#: ``REWARD_FINANCE_ABOVE`` (the service decides; both need the department head).
REWARD_TRANSITIONS: dict[tuple[str, str], Step] = {
    (R.COMPUTED, "approve"): Step(R.APPROVED, Capability.DECIDE_CASES),
    (R.COMPUTED, "refuse"): Step(R.REFUSED, Capability.DECIDE_CASES),
    (R.FINANCE_REVIEW, "finance_approve"): Step(R.APPROVED, Capability.APPROVE_REWARDS, "any"),
    (R.FINANCE_REVIEW, "finance_refuse"): Step(R.REFUSED, Capability.APPROVE_REWARDS, "any"),
    (R.APPROVED, "pay"): Step(R.PAID, Capability.APPROVE_REWARDS, "any"),
}

TRANSITION_NAMES = sorted({t for table in TRANSITIONS.values() for _, t in table})
REWARD_TRANSITION_NAMES = sorted({t for _, t in REWARD_TRANSITIONS})


def is_intake_desk(principal: Principal) -> bool:
    """The 12345 centre / intake desk: handles complaints with no department of its own, or one of
    the configured intake departments."""
    from crossreg.complaints import conf

    if not principal.has(H):
        return False
    return principal.department_id is None or principal.department_id in set(
        conf.get("COMPLAINT_INTAKE_DEPARTMENTS")
    )


def _allowed(step: Step, principal: Principal, department_id: str | None) -> bool:
    if step.scope == "any":
        return principal.has(step.capability)
    if step.scope == "intake" and is_intake_desk(principal):
        return True
    if department_id is None:
        return False
    return principal.can(step.capability, department_id)


def submission_step(
    *, kind: str, state: str, transition: str, actor: Principal | str, department_id: str | None
) -> Step | None:
    """The step ``transition`` makes from ``state`` for ``actor`` (a principal, or ``system:…``), or None."""
    step = TRANSITIONS.get(kind, {}).get((state, transition))
    if step is None:
        return None
    if isinstance(actor, str):
        return step if step.system and actor.startswith("system:") else None
    return step if _allowed(step, actor, department_id) else None


def submission_actions(
    *, kind: str, state: str, principal: Principal, department_id: str | None
) -> list[str]:
    return [
        t
        for (s, t) in TRANSITIONS.get(kind, {})
        if s == state
        and submission_step(
            kind=kind, state=state, transition=t, actor=principal, department_id=department_id
        )
    ]


def reward_step(*, state: str, transition: str, actor: Principal, department_id: str) -> Step | None:
    step = REWARD_TRANSITIONS.get((state, transition))
    if step is None or not _allowed(step, actor, department_id):
        return None
    return step


def reward_actions(*, state: str, principal: Principal, department_id: str) -> list[str]:
    return [
        t
        for (s, t) in REWARD_TRANSITIONS
        if s == state and reward_step(state=state, transition=t, actor=principal, department_id=department_id)
    ]


def contact_visible(principal: Principal, department_id: str | None) -> bool:
    """The person's contact details: only the handling department's complaint handlers."""
    return department_id is not None and principal.can(H, department_id)


def reporter_visible_for_reward(principal: Principal, department_id: str) -> bool:
    """Inside the reward workflow: the department head who approves and finance who pays."""
    return principal.can(Capability.DECIDE_CASES, department_id) or principal.has(Capability.APPROVE_REWARDS)
