"""Who may read which inspection task: the one rule, used by the pages, the API and the ledger.

Defined apart from :mod:`crossreg.inspections.selectors` only because the model's manager needs
it at import time (selectors import the models).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

from crossreg.orgs.permissions import Capability, Principal

if TYPE_CHECKING:
    from crossreg.inspections.models import InspectionTask  # noqa: F401 (in the base class)


class TaskQuerySet(models.QuerySet["InspectionTask"]):
    def visible_to(self, principal: Principal) -> TaskQuerySet:
        """The departments of a task (lead and joint) and its officers; every task for the
        city-level roles. Nothing for the public (published results: :meth:`published`)."""
        if principal.sees_all:
            return self
        conds: list[Q] = []
        if principal.user_id is not None:
            conds.append(Q(officers__officer__user_id=principal.user_id))
        dept = principal.department_id
        if dept and principal.can(Capability.VIEW_DEPARTMENT_DATA, dept):
            conds.append(Q(departments__department_id=dept) | Q(lead_department_id=dept))
        if not conds:
            return self.none()
        either = conds[0]
        for c in conds[1:]:
            either |= c
        inner: Any = self.model._default_manager.filter(either).values("pk")
        return self.filter(pk__in=inner)

    def published(self) -> TaskQuerySet:
        from crossreg.inspections.models import TaskStatus

        return self.filter(status=TaskStatus.PUBLISHED)
