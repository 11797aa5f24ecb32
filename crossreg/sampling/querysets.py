"""Who may read which sampling plan: the one rule, used by the pages, the API and the ledger.

Apart from :mod:`crossreg.sampling.selectors` only because the model's manager needs it at import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from crossreg.orgs.permissions import Capability, Principal

if TYPE_CHECKING:
    from crossreg.sampling.models import SamplingPlan  # noqa: F401 (in the base class)


class PlanQuerySet(models.QuerySet["SamplingPlan"]):
    def visible_to(self, principal: Principal) -> PlanQuerySet:
        """Plans of the principal's department, as the lead or a joint partner; every plan for the
        city-level roles. The public sees published plans only (:meth:`public`)."""
        if principal.sees_all:
            return self
        dept = principal.department_id
        if not dept or not principal.can(Capability.VIEW_DEPARTMENT_DATA, dept):
            return self.none()
        mine = self.model._default_manager.filter(Q(department_id=dept) | Q(participants=dept)).values("pk")
        return self.filter(pk__in=mine)

    def public(self) -> PlanQuerySet:
        from crossreg.sampling.models import SamplingPlan

        return self.filter(status__in=[SamplingPlan.Status.PUBLISHED, SamplingPlan.Status.DRAWN])
