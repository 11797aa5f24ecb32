"""Reads of organisations, scoped to the user."""

from __future__ import annotations

from django.db.models import Q, QuerySet

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


# --- the ledger subjects of orgs (registered in apps.py) -----------------------------------------


def _pk(subject_id: str) -> int | None:
    return int(subject_id) if subject_id.isdigit() and len(subject_id) < 19 else None


def reference_subject_visible(principal: Principal, subject_id: str) -> bool:
    """Published reference data (divisions, grid cells, domains): any registry reader."""
    return principal.has(Capability.VIEW_REGISTRY)


def department_subject_visible(principal: Principal, subject_id: str) -> bool:
    return (
        principal.department_id is not None
        and subject_id == principal.department_id
        and principal.has(Capability.VIEW_DEPARTMENT_DATA)
    )


def team_subject_visible(principal: Principal, subject_id: str) -> bool:
    from crossreg.orgs.models import Team

    pk = _pk(subject_id)
    dept = principal.department_id
    return (
        pk is not None
        and dept is not None
        and principal.can(Capability.VIEW_DEPARTMENT_DATA, dept)
        and Team.objects.filter(pk=pk, department_id=dept).exists()
    )


def _officer_visible(principal: Principal, **lookup: object) -> bool:
    from crossreg.orgs.models import Officer

    cond = Q(pk__in=[])
    if principal.user_id is not None:
        cond |= Q(user_id=principal.user_id)
    dept = principal.department_id
    if dept and principal.can(Capability.VIEW_DEPARTMENT_DATA, dept):
        cond |= Q(department_id=dept)
    return Officer.objects.filter(cond, **lookup).exists()


def officer_subject_visible(principal: Principal, subject_id: str) -> bool:
    """An officer's department, and the officer (subject id: the certificate number)."""
    return _officer_visible(principal, certificate_no=subject_id)


def officer_pk_subject_visible(principal: Principal, subject_id: str) -> bool:
    pk = _pk(subject_id)
    return pk is not None and _officer_visible(principal, pk=pk)


def user_subject_visible(principal: Principal, subject_id: str) -> bool:
    """A user's own record, and their department's administrators."""
    from crossreg.orgs.models import User

    if principal.user_id is not None and subject_id == str(principal.user_id):
        return True
    pk, dept = _pk(subject_id), principal.department_id
    if pk is None or not dept or not principal.can(Capability.MANAGE_DEPARTMENT, dept):
        return False
    return User.objects.filter(pk=pk, department_id=dept).exists()


def api_token_subject_visible(principal: Principal, subject_id: str) -> bool:
    """A token's department's administrators."""
    from crossreg.orgs.models import ApiToken

    pk, dept = _pk(subject_id), principal.department_id
    if pk is None or not dept or not principal.can(Capability.MANAGE_DEPARTMENT, dept):
        return False
    return ApiToken.objects.filter(pk=pk, department_id=dept).exists()


def city_level_only(principal: Principal, subject_id: str) -> bool:
    """Records for the city-level roles alone (they read every record in any case)."""
    return False


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
