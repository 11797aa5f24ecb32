"""Clerical review: decisions on review pairs and splits of wrong merges."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crossreg.core.audit import audit_record
from crossreg.core.errors import Conflict, Forbidden, Invalid
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


class DecisionConflict(Conflict):
    """A decision contradicts earlier human decisions (by transitivity: A=B and A=C decided the
    same entity, then B≠C). Nothing was written; ``conflicts`` are the earlier pairs involved, for
    the reviewer to keep (and withdraw the new decision) or reopen (and apply the new one)."""

    def __init__(self, message: str, *, conflicts: list[ReviewPair]) -> None:
        super().__init__(message, field="decision", code="conflict")
        self.conflicts = conflicts


def _pair_nodes(pair: ReviewPair) -> tuple[int, int]:
    return pair.node_a, pair.node_b


def _match_component(start: int, *, exclude: int) -> tuple[set[int], dict[int, tuple[int, ReviewPair]]]:
    """Nodes joined to ``start`` through pairs decided *the same entity* (not counting the pair
    ``exclude``), with each node's parent and the decided pair leading to it (for the path)."""
    seen = {start}
    parent: dict[int, tuple[int, ReviewPair]] = {}
    frontier = {start}
    while frontier:
        step = ReviewPair.objects.filter(
            Q(node_a__in=frontier) | Q(node_b__in=frontier), status=ReviewPair.Status.MATCH
        ).exclude(pk=exclude)
        nxt: set[int] = set()
        for p in step.select_related("decided_by"):
            for here, there in (_pair_nodes(p), _pair_nodes(p)[::-1]):
                if here in frontier and there not in seen:
                    seen.add(there)
                    parent[there] = (here, p)
                    nxt.add(there)
        frontier = nxt
    return seen, parent


def review_conflicts(*, pair: ReviewPair, decision: str) -> list[ReviewPair]:
    """The earlier human decisions that ``decision`` on ``pair`` would contradict.

    *Not the same* on A–B contradicts a chain of *same* decisions joining A to B; *the same* on
    A–B contradicts a *not the same* decision between anything decided the same as A and anything
    decided the same as B. A change of this very pair's own decision contradicts nothing."""
    a, b = _pair_nodes(pair)
    comp_a, parent = _match_component(a, exclude=pair.pk)
    if decision == ReviewPair.Status.NON_MATCH:
        if b not in comp_a:
            return []
        path: list[ReviewPair] = []
        node = b
        while node != a:
            node, via = parent[node]
            path.append(via)
        return path
    comp_b, _ = _match_component(b, exclude=pair.pk)
    if comp_a & comp_b:
        return []
    return list(
        ReviewPair.objects.filter(
            Q(node_a__in=comp_a, node_b__in=comp_b) | Q(node_a__in=comp_b, node_b__in=comp_a),
            status=ReviewPair.Status.NON_MATCH,
        )
        .exclude(pk=pair.pk)
        .select_related("decided_by")
        .order_by("decided_at", "pk")
    )


def _reopen(*, actor: User, pairs: list[ReviewPair]) -> None:
    for p in pairs:
        audit_record(
            actor=actor,
            action="linking.review.reopen",
            subject_type="review_pair",
            subject_id=p.pk,
            payload={"was": p.status, "node_a": p.node_a, "node_b": p.node_b},
        )
    ReviewPair.objects.filter(pk__in=[p.pk for p in pairs]).update(
        status=ReviewPair.Status.PENDING, decided_by=None, decided_at=None
    )


def _records_to_new_entity(record_ids: list[int]) -> int:
    """Move these records (one cluster) to a new source-only entity; returns its id."""
    created = _source_only_entities(
        pl.DataFrame(
            {"root": [record_ids[0]] * len(record_ids), "rid": record_ids},
            schema=dict.fromkeys(("root", "rid"), pl.Int64),
        )
    )
    new_entity_id = int(created.get_column("entity_id")[0])
    SourceRecord.objects.filter(pk__in=record_ids).update(
        entity_id=new_entity_id, link_method=SourceRecord.LinkMethod.REVIEW, linked_at=timezone.now()
    )
    return new_entity_id


@transaction.atomic
def review_pair_decide(
    *,
    actor: User,
    pair: ReviewPair,
    decision: str,
    note: str = "",
    reopen: Sequence[int] = (),
) -> ReviewPair:
    """Record a human decision on one pair and apply it at once: ``match`` moves the record (with
    the records decided the same as it) into the other side's entity; ``non_match`` separates
    them if they are linked. The decision is this pair's only: no other pair's status changes.

    If it contradicts earlier decisions (:func:`review_conflicts`), :class:`DecisionConflict` is
    raised and nothing is written — unless the reviewer chose to reopen those earlier pairs
    (``reopen``: their ids), which then go back to the queue (audited) and the decision applies.
    Decisions are kept and override the model on every later run."""
    if not can_review(actor):
        raise Forbidden("only the big-data bureau and administrators review links", code="forbidden")
    if decision not in (ReviewPair.Status.MATCH, ReviewPair.Status.NON_MATCH):
        raise Invalid("decision must be match or non_match", field="decision")
    note = text_clean(note, field="note", multiline=True)  # no markup (crossreg.core.text)
    pair = ReviewPair.objects.select_for_update().get(pk=pair.pk)
    conflicts = review_conflicts(pair=pair, decision=decision)
    reopened: list[ReviewPair] = []
    if conflicts:
        # the reviewer may reopen any of them (one link of a chain is enough); the rest must then
        # no longer contradict, or nothing is written (the transaction rolls the reopening back)
        reopened = [c for c in conflicts if c.pk in set(reopen)]
        if reopened:
            _reopen(actor=actor, pairs=reopened)
            conflicts = review_conflicts(pair=pair, decision=decision)
        if conflicts:
            raise DecisionConflict(
                "this decision contradicts earlier decisions: "
                + "; ".join(
                    f"pair #{c.pk} ({c.node_a}~{c.node_b}) decided {c.status} by {c.decided_by or '—'}"
                    for c in conflicts
                ),
                conflicts=conflicts,
            )
    pair.status = decision
    pair.decided_by = actor
    pair.decided_at = timezone.now()
    pair.note = note[:200]
    pair.save(update_fields=["status", "decided_by", "decided_at", "note"])
    record = SourceRecord.objects.select_for_update().get(pk=pair.record_id)
    other_entity_id = pair.other_entity_id or (
        SourceRecord.objects.filter(pk=pair.other_record_id or 0).values_list("entity_id", flat=True).first()
    )
    record_node = record.pk
    other_node = pair.node_a if pair.node_b == record_node else pair.node_b
    moved = 0
    if decision == ReviewPair.Status.MATCH and other_entity_id and record.entity_id != other_entity_id:
        old = record.entity_id
        # the record, and the records of its old entity decided the same as it, move together
        comp, _ = _match_component(record_node, exclude=pair.pk)
        ids = [n for n in comp if n > 0]
        movers = (
            SourceRecord.objects.filter(pk__in=ids, entity_id=old)
            if old is not None
            else SourceRecord.objects.filter(pk=record.pk)
        )
        moved = movers.update(
            entity_id=other_entity_id, link_method=SourceRecord.LinkMethod.REVIEW, linked_at=timezone.now()
        )
        if old is not None:
            _move_if_source_only(old, other_entity_id)
    elif decision == ReviewPair.Status.NON_MATCH and other_entity_id and record.entity_id == other_entity_id:
        # The side that leaves is the record's, with what was decided the same as it; if that
        # includes the entity's registry entry, the other side leaves instead.
        entity_id = other_entity_id
        comp, _ = _match_component(record_node, exclude=pair.pk)
        if -entity_id in comp:
            comp, _ = _match_component(other_node, exclude=pair.pk)
        ids = list(
            SourceRecord.objects.filter(pk__in=[n for n in comp if n > 0], entity_id=entity_id).values_list(
                "pk", flat=True
            )
        )
        source_only = EntityLinkState.objects.filter(entity_id=entity_id, source_only=True).exists()
        staying = SourceRecord.objects.filter(entity_id=entity_id).exclude(pk__in=ids).exists()
        if ids and (staying or not source_only):
            _records_to_new_entity(ids)
            moved = len(ids)
            _drop_orphan_source_only()
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
            "reopened": sorted(c.pk for c in reopened),
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
def entity_split(*, actor: User, entity: Entity, record_ids: Sequence[int]) -> Entity:
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
    now = timezone.now()
    user = actor
    pairs = []
    others: list[int] = list(staying_ids) + ([] if source_only else [-entity.pk])
    for m in moving_ids:
        for o in others:
            lo, hi = min(m, o), max(m, o)
            record, other = (hi, lo) if lo < 0 else (lo, hi)
            pairs.append((lo, hi, record, other))
    # A split never silently reverses an earlier "the same entity" decision: reopen it first.
    q = Q(pk__in=[])
    for lo, hi, _r, _o in pairs:
        q |= Q(node_a=lo, node_b=hi)
    decided_same = list(
        ReviewPair.objects.filter(q, status=ReviewPair.Status.MATCH).select_related("decided_by")
    )
    if decided_same:
        raise DecisionConflict(
            "these records were decided the same entity: "
            + "; ".join(f"pair #{p.pk} by {p.decided_by or '—'}" for p in decided_same)
            + " — reopen those decisions in the review queue first",
            conflicts=decided_same,
        )
    already = {
        (a, b)
        for a, b in ReviewPair.objects.filter(q, status=ReviewPair.Status.NON_MATCH).values_list(
            "node_a", "node_b"
        )
    }
    pairs = [p for p in pairs if (p[0], p[1]) not in already]  # earlier decisions keep who and when
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
