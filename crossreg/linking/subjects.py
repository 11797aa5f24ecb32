"""The object base's ledger subjects, and who of the departments may read an entity's record.

Registered from :class:`crossreg.linking.apps.LinkingConfig.ready` (crossreg.core.subjects).
"""

from __future__ import annotations

from crossreg.linking.models import SourceList, SourceRecord
from crossreg.orgs.permissions import Capability, Principal


def _dept(principal: Principal) -> str | None:
    dept = principal.department_id
    return dept if dept and principal.can(Capability.VIEW_DEPARTMENT_DATA, dept) else None


def entity_grant(principal: Principal, subject_id: str) -> bool:
    """The departments that supervise an entity — a current record of it on their list — read its
    record."""
    dept = _dept(principal)
    if dept is None or not subject_id.isdigit() or len(subject_id) > 18:
        return False
    return SourceRecord.objects.filter(
        entity_id=int(subject_id), department_id=dept, state=SourceRecord.State.CURRENT
    ).exists()


def source_list_visible(principal: Principal, subject_id: str) -> bool:
    """A list snapshot: the department it belongs to."""
    dept = _dept(principal)
    if dept is None or not subject_id.isdigit() or len(subject_id) > 18:
        return False
    return SourceList.objects.filter(pk=int(subject_id), department_id=dept).exists()


def city_level_only(principal: Principal, subject_id: str) -> bool:
    """The linking model and review pairs: the city-level roles (who read every record) only."""
    return False


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    from crossreg.core.subjects import SubjectType, subject_grant_register, subject_type_register

    subject_type_register(
        SubjectType(name="source_list", label=_("部门名录快照"), visible=source_list_visible)
    )
    subject_type_register(SubjectType(name="review_pair", label=_("待核对记录对"), visible=city_level_only))
    subject_type_register(SubjectType(name="link_model", label=_("关联模型"), visible=city_level_only))
    subject_grant_register("entity", entity_grant)
