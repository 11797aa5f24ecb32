"""Reads of the entity registry, scoped to the user (first version; the entities work refines it)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from crossreg.entities.models import Entity


def entity_list(*, user: Any, q: str = "", division: str | None = None) -> QuerySet[Entity]:
    qs = Entity.objects.select_related("division", "industry")
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(uscc=q.upper())
    if division:
        qs = qs.filter(division__code__startswith=division)
    return qs.order_by("id")


def entity_get(*, user: Any, pk: int) -> Entity:
    return Entity.objects.select_related("division", "industry").prefetch_related("key_domains").get(pk=pk)
