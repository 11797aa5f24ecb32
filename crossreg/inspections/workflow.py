"""The inspection task's workflow: one table of allowed transitions and who may make them.

    assigned ──start──► in_progress ──complete──► awaiting_confirmation ──submit──► submitted ──publish──► published
       │                     ▲                          │                              │                    ▲
       └─cancel─► cancelled  └──────────reopen──────────┘                              └─flag_follow_up─► follow_up ─publish─┘

Roles are relative to the task: ``officer`` (assigned to it), ``lead_officer`` (assigned and of the
lead department), ``staff`` (staff of the lead department), ``system`` (the platform itself).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from crossreg.inspections.models import InspectionTask, TaskStatus

S = TaskStatus


class Role(StrEnum):
    OFFICER = "officer"
    LEAD_OFFICER = "lead_officer"
    STAFF = "staff"
    SYSTEM = "system"
    OTHER = "other"


# (from state, transition) -> (to state, roles allowed)
TRANSITIONS: dict[tuple[str, str], tuple[str, frozenset[Role]]] = {
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

# States in which assigned officers record results (mark points, photos, location).
WORKING_STATES = frozenset({S.IN_PROGRESS})


def target(state: str, transition: str, roles: set[Role]) -> str | None:
    """The state ``transition`` leads to from ``state`` for someone holding ``roles``, or None."""
    found = TRANSITIONS.get((state, transition))
    if found is None or not (found[1] & roles):
        return None
    return found[0]


def task_roles(task: InspectionTask, actor: Any) -> set[Role]:
    """The roles ``actor`` (a user or a ``system:…`` string) holds on ``task``."""
    if isinstance(actor, str):
        return {Role.SYSTEM} if actor.startswith("system:") else {Role.OTHER}
    roles: set[Role] = set()
    if not getattr(actor, "is_authenticated", False):
        return {Role.OTHER}
    officer = getattr(actor, "officer", None)
    if officer is not None:
        for assigned in task.officers.all():
            if assigned.officer_id == officer.pk:
                roles.add(Role.OFFICER)
                if assigned.department_id == task.lead_department_id:
                    roles.add(Role.LEAD_OFFICER)
    if (
        actor.is_superuser
        or actor.role == "admin"
        or (actor.role in {"staff", "dept_admin"} and actor.department_id == task.lead_department_id)
    ):
        roles.add(Role.STAFF)
    return roles or {Role.OTHER}
