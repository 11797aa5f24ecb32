"""Who may read which catalog item version and change request: the one rule, used by the pages,
the API, the overdue page and the ledger.

Apart from :mod:`crossreg.catalog.selectors` only because the models' managers need it at import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from crossreg.orgs.permissions import Capability, Principal

if TYPE_CHECKING:
    from crossreg.catalog.models import ChangeRequest, ItemVersion  # noqa: F401 (in the base class)

REVIEWER_CAPS = (Capability.CONVENE_REVIEW, Capability.LEGALITY_REVIEW)


def reads_every_version(principal: Principal) -> bool:
    """Leaders, the big-data bureau, administrators, and the approval and justice bureaus (who
    convene and review every department's drafts)."""
    return principal.sees_all or any(principal.has(c) for c in REVIEWER_CAPS)


class ItemVersionQuerySet(models.QuerySet["ItemVersion"]):
    def visible_to(self, principal: Principal) -> ItemVersionQuerySet:
        """Published (and superseded, withdrawn) versions for everyone; drafts for their department
        and the departments involved in their review; every version for the reviewers."""
        if reads_every_version(principal):
            return self
        public = Q(status__in=self.model.PUBLIC)
        dept = principal.department_id
        if not dept or not principal.can(Capability.VIEW_DEPARTMENT_DATA, dept):
            return self.filter(public)
        mine = self.model._default_manager.filter(
            public | Q(item__department_id=dept) | Q(involved_departments__pk=dept)
        ).values("pk")
        return self.filter(pk__in=mine)

    def public(self) -> ItemVersionQuerySet:
        return self.filter(status__in=self.model.PUBLIC)


class ChangeRequestQuerySet(models.QuerySet["ChangeRequest"]):
    def visible_to(self, principal: Principal) -> ChangeRequestQuerySet:
        """The requesting department and the item's department; every request for the reviewers.
        Nothing for the public."""
        if reads_every_version(principal):
            return self
        dept = principal.department_id
        if not dept or not principal.can(Capability.VIEW_DEPARTMENT_DATA, dept):
            return self.none()
        return self.filter(Q(department_id=dept) | Q(item__department_id=dept))
