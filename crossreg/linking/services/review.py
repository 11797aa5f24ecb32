"""Clerical review: decisions on review pairs and splits of wrong merges."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from django.db import transaction
from django.utils import timezone

from crossreg.core.audit import audit_record
from crossreg.core.errors import Forbidden, Invalid
from crossreg.core.text import text_clean
from crossreg.entities.models import Entity
from crossreg.linking.models import (
    EntityLinkState,
    ReviewPair,
    SourceRecord,
)
from crossreg.linking.services._common import can_review
from crossreg.linking.services.apply import _drop_orphan_source_only, _source_only_entities
from crossreg.linking.services.base import base_membership_recompute
from crossreg.orgs.models import User


@transaction.atomic
def review_pair_decide(*, actor: User, pair: ReviewPair, decision: str, note: str = "") -> ReviewPair:
    """Record a human decision on a pair and apply it at once: ``match`` moves the record's cluster
    into the other side's entity; ``non_match`` splits them if they are linked. Both are kept and
    override the model on every later run."""
    if not can_review(actor):
        raise Forbidden("only the big-data bureau and administrators review links", code="forbidden")
    if decision not in (ReviewPair.Status.MATCH, ReviewPair.Status.NON_MATCH):
        raise Invalid("decision must be match or non_match", field="decision")
    note = text_clean(note, field="note", multiline=True)  # no markup (crossreg.core.text)
    pair = ReviewPair.objects.select_for_update().get(pk=pair.pk)
    pair.status = decision
    pair.decided_by = actor
    pair.decided_at = timezone.now()
    pair.note = note[:200]
    pair.save(update_fields=["status", "decided_by", "decided_at", "note"])
    record = SourceRecord.objects.select_for_update().get(pk=pair.record_id)
    other_entity_id = pair.other_entity_id or (
        SourceRecord.objects.filter(pk=pair.other_record_id or 0).values_list("entity_id", flat=True).first()
    )
    moved = 0
    if decision == ReviewPair.Status.MATCH and other_entity_id and record.entity_id != other_entity_id:
        old = record.entity_id
        moved = SourceRecord.objects.filter(pk=record.pk).update(
            entity_id=other_entity_id, link_method=SourceRecord.LinkMethod.REVIEW, linked_at=timezone.now()
        )
        if old is not None:
            _move_if_source_only(old, other_entity_id)
    elif decision == ReviewPair.Status.NON_MATCH and other_entity_id and record.entity_id == other_entity_id:
        entity_split(
            actor=actor, entity=Entity.objects.get(pk=other_entity_id), record_ids=[record.pk], _decided=True
        )
        moved = 1
    base_membership_recompute(source_list=None, reason="review")
    audit_record(
        actor=actor,
        action="linking.review.decide",
        subject_type="review_pair",
        subject_id=pair.pk,
        payload={
            "decision": decision,
            "node_a": pair.node_a,
            "node_b": pair.node_b,
            "moved": moved,
            "note": pair.note,
        },
    )
    return pair


def _move_if_source_only(old_entity_id: int, new_entity_id: int) -> None:
    """A matched record's former source-only cluster follows it into the other entity."""
    if EntityLinkState.objects.filter(entity_id=old_entity_id, source_only=True).exists():
        SourceRecord.objects.filter(entity_id=old_entity_id).update(
            entity_id=new_entity_id, link_method=SourceRecord.LinkMethod.REVIEW
        )
        _drop_orphan_source_only()


@transaction.atomic
def entity_split(*, actor: User, entity: Entity, record_ids: Sequence[int], _decided: bool = False) -> Entity:
    """Split a wrong merge: the given records leave ``entity`` for a new source-only entity, and a
    *not a match* decision is remembered between them and the records (and registry entry) that
    stay, so that no later run merges them again."""
    if not can_review(actor):
        raise Forbidden("only the big-data bureau and administrators split entities", code="forbidden")
    moving = list(SourceRecord.objects.select_for_update().filter(entity=entity, pk__in=record_ids))
    if not moving or len(moving) != len(set(record_ids)):
        raise Invalid("choose records that belong to this entity", field="record_ids")
    staying_ids = list(
        SourceRecord.objects.filter(entity=entity)
        .exclude(pk__in=[r.pk for r in moving])
        .values_list("pk", flat=True)
    )
    moving_ids = [r.pk for r in moving]
    source_only = EntityLinkState.objects.filter(entity=entity, source_only=True).exists()
    if not staying_ids and source_only:
        raise Invalid("every record of this entity would move; nothing to split", field="record_ids")
    created = _source_only_entities(
        pl.DataFrame(
            {"root": [moving_ids[0]] * len(moving_ids), "rid": moving_ids},
            schema=dict.fromkeys(("root", "rid"), pl.Int64),
        )
    )
    new_entity_id = int(created.get_column("entity_id")[0])
    SourceRecord.objects.filter(pk__in=moving_ids).update(
        entity_id=new_entity_id, link_method=SourceRecord.LinkMethod.SPLIT, linked_at=timezone.now()
    )
    now = timezone.now()
    user = actor
    pairs = []
    others: list[int] = list(staying_ids) + ([] if source_only else [-entity.pk])
    for m in moving_ids:
        for o in others:
            lo, hi = min(m, o), max(m, o)
            record, other = (hi, lo) if lo < 0 else (lo, hi)
            pairs.append((lo, hi, record, other))
    for lo, hi, record, other in pairs:
        ReviewPair.objects.update_or_create(
            node_a=lo,
            node_b=hi,
            defaults={
                "record_id": record,
                "other_record_id": other if other > 0 else None,
                "other_entity_id": -other if other < 0 else None,
                "status": ReviewPair.Status.NON_MATCH,
                "origin": "split",
                "decided_by": user,
                "decided_at": now,
            },
        )
    if not _decided:
        base_membership_recompute(source_list=None, reason="split")
    new_entity = Entity.objects.get(pk=new_entity_id)
    audit_record(
        actor=actor,
        action="linking.entity.split",
        subject_type="entity",
        subject_id=entity.pk,
        payload={"moved_records": moving_ids, "new_entity": new_entity_id, "remembered_pairs": len(pairs)},
    )
    return new_entity
