"""Every read of the exchange, scoped to the principal."""

from __future__ import annotations

from django.db.models import QuerySet

from crossreg.exchange.models import InboundBatch, MappingVersion, ReconciliationReport
from crossreg.orgs.permissions import Principal
from crossreg.outbox.selectors import targets_visible_to


def entities_on_lists(department_id: str, entity_ids: set[int]) -> set[int]:
    """The subset of ``entity_ids`` on ``department_id``'s current lists (the outbox's "listed" scope)."""
    from crossreg.linking.models import SourceRecord

    return set(
        SourceRecord.objects.filter(
            department_id=department_id, state=SourceRecord.State.CURRENT, entity_id__in=list(entity_ids)
        ).values_list("entity_id", flat=True)
    )


def reports_visible_to(principal: Principal) -> QuerySet[ReconciliationReport]:
    return ReconciliationReport.objects.filter(target__in=targets_visible_to(principal)).select_related(
        "target"
    )


def inbound_visible_to(principal: Principal) -> QuerySet[InboundBatch]:
    if principal.is_admin or principal.sees_all:
        return InboundBatch.objects.all()
    return InboundBatch.objects.none()


def mapping_versions() -> QuerySet[MappingVersion]:
    return MappingVersion.objects.all()


def admin_subject_visible(principal: Principal, subject_id: str) -> bool:
    """Mappings, inbound batches and backfills: platform records for administrators and overseers."""
    return principal.is_admin or principal.sees_all
