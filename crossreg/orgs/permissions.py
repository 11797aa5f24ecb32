"""Who may do what, for which department: one table, checked on the server.

A capability is granted by role; most are scoped to the user's own department (a county bureau's
staff act for that bureau only). Leaders, the big-data bureau and system administrators see every
department; only administrators act for any department.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crossreg.orgs.models import Department, User


class Capability(StrEnum):
    VIEW_REGISTRY = "view_registry"  # search and read market entities
    EDIT_ENTITY = "edit_entity"  # create/correct registry entries
    VIEW_DEPARTMENT_DATA = "view_department_data"  # a department's lists, plans, inspections
    MANAGE_DEPARTMENT = "manage_department"  # officers, users, tokens of the department
    INSPECT = "inspect"  # field inspection tasks
    CONVENE_REVIEW = "convene_review"  # approval bureau: catalog joint review, change requests
    LEGALITY_REVIEW = "legality_review"  # justice bureau: legality review
    VIEW_ALL = "view_all"  # see every department's data (leaders, big data)


_R = Capability
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "staff": frozenset({_R.VIEW_REGISTRY, _R.EDIT_ENTITY, _R.VIEW_DEPARTMENT_DATA}),
    "dept_admin": frozenset(
        {_R.VIEW_REGISTRY, _R.EDIT_ENTITY, _R.VIEW_DEPARTMENT_DATA, _R.MANAGE_DEPARTMENT}
    ),
    "officer": frozenset({_R.VIEW_REGISTRY, _R.VIEW_DEPARTMENT_DATA, _R.INSPECT}),
    "approval": frozenset({_R.VIEW_REGISTRY, _R.VIEW_DEPARTMENT_DATA, _R.CONVENE_REVIEW}),
    "justice": frozenset({_R.VIEW_REGISTRY, _R.VIEW_DEPARTMENT_DATA, _R.LEGALITY_REVIEW}),
    "bigdata": frozenset({_R.VIEW_REGISTRY, _R.VIEW_DEPARTMENT_DATA, _R.VIEW_ALL}),
    "leader": frozenset({_R.VIEW_REGISTRY, _R.VIEW_DEPARTMENT_DATA, _R.VIEW_ALL}),
    "admin": frozenset(Capability),
}


def user_can(user: User | None, capability: Capability, department: Department | None = None) -> bool:
    """True if ``user`` holds ``capability`` for ``department`` (or at all, when none is given)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    caps = ROLE_CAPABILITIES.get(user.role, frozenset())
    if capability not in caps:
        return False
    if department is None:
        return True
    if user.role == "admin":
        return True
    if (
        capability in {Capability.VIEW_DEPARTMENT_DATA, Capability.VIEW_REGISTRY}
        and Capability.VIEW_ALL in caps
    ):
        return True
    return user.department_id is not None and user.department_id == department.pk
