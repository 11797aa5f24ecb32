"""Who may manage which outbox targets: the one place the outbox checks permissions.

A department's admin (MANAGE_DEPARTMENT for that department) manages its own webhook targets and
their subscriptions and sees their failures; the platform's administrator manages every target,
including the national and provincial ones (no department). Leaders and the big-data bureau
(VIEW_ALL) may look at every target's health. A department's target may only subscribe to its own
events or to the entities on its lists: only a platform target receives every department's events.
"""

from __future__ import annotations

from crossreg.core.errors import Forbidden
from crossreg.orgs.permissions import Capability, Principal


def may_manage(principal: Principal, department_id: str | None) -> bool:
    if principal.is_admin:
        return True
    if department_id is None:
        return False
    return principal.can(Capability.MANAGE_DEPARTMENT, department_id)


def may_view(principal: Principal, department_id: str | None) -> bool:
    return may_manage(principal, department_id) or (principal.sees_all and principal.has(Capability.VIEW_ALL))


def require_manage(principal: Principal, department_id: str | None) -> None:
    if not may_manage(principal, department_id):
        from django.utils.translation import gettext as _

        raise Forbidden(_("只有本部门管理员或系统管理员可以管理外发目标和订阅。"), code="forbidden")


def may_use_scope(department_id: str | None, scope: str) -> bool:
    """A department's target never receives other departments' events wholesale."""
    return scope != "all" or department_id is None
