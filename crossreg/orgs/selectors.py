"""Reads of organisations, scoped to the user."""

from __future__ import annotations

from django.db.models import QuerySet

from crossreg.orgs.models import Department, Officer, User
from crossreg.orgs.permissions import Capability, user_can


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
