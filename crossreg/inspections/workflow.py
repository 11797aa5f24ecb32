"""The inspection task's workflow: one table of allowed transitions and who may make them.

    ∅ ──create──► assigned ──merge──► assigned (a further source, its departments and check points)

    assigned ──start──► in_progress ──complete──► awaiting_confirmation ──submit──► submitted ──publish──► published
       │                     ▲                          │                              │                    ▲
       └─cancel─► cancelled  └──────────reopen──────────┘                              └─flag_follow_up─► follow_up ─publish─┘

Roles are relative to the task: ``officer`` (assigned to it), ``lead_officer`` (assigned and of the
lead department), ``staff`` (holds ``MANAGE_INSPECTIONS`` for the lead department), ``system`` (the
platform itself: the draw's consolidation, a clue, a complaint, an inbound push).
"""

from __future__ import annotations

from enum import StrEnum

from crossreg.inspections.models import InspectionTask, TaskStatus
from crossreg.orgs.actors import Actor
from crossreg.orgs.permissions import Capability, Principal

S = TaskStatus
NEW = ""  # the state before ``create``


class Role(StrEnum):
    OFFICER = "officer"
    LEAD_OFFICER = "lead_officer"
    STAFF = "staff"
    SYSTEM = "system"
    OTHER = "other"


# (from state, transition) -> (to state, roles allowed)
TRANSITIONS: dict[tuple[str, str], tuple[str, frozenset[Role]]] = {
    (NEW, "create"): (S.ASSIGNED, frozenset({Role.STAFF, Role.SYSTEM})),
    (S.ASSIGNED, "merge"): (S.ASSIGNED, frozenset({Role.STAFF, Role.SYSTEM})),
    (S.ASSIGNED, "start"): (S.IN_PROGRESS, frozenset({Role.OFFICER, Role.LEAD_OFFICER})),
    (S.ASSIGNED, "cancel"): (S.CANCELLED, frozenset({Role.STAFF})),
    (S.IN_PROGRESS, "complete"): (S.AWAITING_CONFIRMATION, frozenset({Role.LEAD_OFFICER})),
    (S.AWAITING_CONFIRMATION, "reopen"): (S.IN_PROGRESS, frozenset({Role.LEAD_OFFICER})),
    (S.AWAITING_CONFIRMATION, "submit"): (S.SUBMITTED, frozenset({Role.LEAD_OFFICER})),
    (S.SUBMITTED, "flag_follow_up"): (S.FOLLOW_UP, frozenset({Role.SYSTEM})),
    (S.SUBMITTED, "publish"): (S.PUBLISHED, frozenset({Role.STAFF, Role.SYSTEM})),
    (S.FOLLOW_UP, "publish"): (S.PUBLISHED, frozenset({Role.STAFF, Role.SYSTEM})),
}

TRANSITION_NAMES = sorted({t for _, t in TRANSITIONS})
# Made by their own services (``task_create``, ``task_attach``), not by ``task_transition``.
SERVICE_TRANSITIONS = frozenset({"create", "merge"})
# What a person may do from the task's page: the lifecycle, less the platform's own steps.
LIFECYCLE_TRANSITIONS = [t for t in TRANSITION_NAMES if t not in SERVICE_TRANSITIONS]

# States in which assigned officers record results (mark points, photos, location).
WORKING_STATES = frozenset({S.IN_PROGRESS})


def target(state: str, transition: str, roles: set[Role]) -> str | None:
    """The state ``transition`` leads to from ``state`` for someone holding ``roles``, or None."""
    found = TRANSITIONS.get((state, transition))
    if found is None or not (found[1] & roles):
        return None
    return found[0]


def task_roles(
    task: InspectionTask | None, actor: Actor | Principal, *, lead_department_id: str = ""
) -> set[Role]:
    """The roles ``actor`` (a user, token, ``system:…`` string or principal) holds on ``task``
    (``None``: a task about to be created for ``lead_department_id``)."""
    if isinstance(actor, str):
        return {Role.SYSTEM} if actor.startswith("system:") else {Role.OTHER}
    principal = Principal.of(actor)
    if principal.is_anonymous or principal.user is None:
        return {Role.OTHER}
    roles: set[Role] = set()
    lead = task.lead_department_id if task is not None else lead_department_id
    officer = getattr(principal.user, "officer", None)
    if officer is not None and task is not None:
        for assigned in task.officers.all():
            if assigned.officer_id == officer.pk:
                roles.add(Role.OFFICER)
                if assigned.department_id == lead:
                    roles.add(Role.LEAD_OFFICER)
    if lead and principal.can(Capability.MANAGE_INSPECTIONS, lead):
        roles.add(Role.STAFF)
    return roles or {Role.OTHER}
