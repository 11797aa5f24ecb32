"""Reads of organisations, scoped to the user."""

from __future__ import annotations

from django.db.models import QuerySet

from crossreg.orgs.models import DataAccess, Department, Officer, User
from crossreg.orgs.permissions import Capability, Principal, user_can


def department_visible_list(*, user: User) -> QuerySet[Department]:
    """Departments whose data the user may see: their own, or all for leaders and the big-data bureau."""
    qs = Department.objects.select_related("division").order_by("code")
    if user_can(user, Capability.VIEW_ALL):
        return qs
    if user.is_authenticated and user.department_id:
        return qs.filter(pk=user.department_id)
    return qs.none()


def officer_list(*, user: User) -> QuerySet[Officer]:
    return (
        Officer.objects.select_related("department", "team", "division")
        .prefetch_related("domains")
        .filter(department__in=department_visible_list(user=user))
    )


def data_access_visible(
    principal: Principal,
    *,
    subject_type: str = "",
    subject_id: str = "",
    actor: str = "",
    kind: str = "",
) -> QuerySet[DataAccess]:
    """The read audit a principal may query: an administrator all of it, a department's admin the
    reads and exports made by the department's people; anyone else nothing."""
    qs = DataAccess.objects.select_related("department", "user")
    if not principal.is_admin:
        if not (
            principal.department_id and principal.can(Capability.MANAGE_DEPARTMENT, principal.department_id)
        ):
            return qs.none()
        qs = qs.filter(department_id=principal.department_id)
    if subject_type:
        qs = qs.filter(subject_type=subject_type)
    if subject_id:
        qs = qs.filter(subject_id=subject_id)
    if actor:
        qs = qs.filter(actor__icontains=actor)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def data_access_may_query(principal: Principal) -> bool:
    return principal.is_admin or bool(
        principal.department_id and principal.can(Capability.MANAGE_DEPARTMENT, principal.department_id)
    )
