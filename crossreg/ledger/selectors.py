"""Reads of the ledger: tree head, proofs, a subject's entries, proof bundles.

Every proof is planned first (``crossreg.ledger.merkle``), then the O(log n) perfect-subtree hashes it
needs are fetched with one query on ``Node`` and at most one on ``Entry`` (leaf hashes).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from crossreg.core.errors import Invalid, NotFound
from crossreg.ledger import merkle, store
from crossreg.ledger.merkle import NodeKey
from crossreg.ledger.models import Entry, LedgerCheckpoint
from crossreg.orgs.permissions import ROLE_CAPABILITIES, Capability

BUNDLE_FORMAT = "crossreg-ledger-bundle/1"
CHECKPOINT_FORMAT = "crossreg-ledger-checkpoint/1"
CONSISTENCY_FORMAT = "crossreg-ledger-consistency/1"


def tree_size() -> int:
    return store.tree_size()


def nodes_fetch(keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
    """Hashes of the given perfect subtrees: leaves from ``Entry``, the rest from ``Node``."""
    wanted = set(keys)
    found = store.fetch(wanted)
    missing = wanted - found.keys()
    if missing:
        raise NotFound(f"ledger tree nodes missing: {sorted(missing)[:5]} — run `crossreg ledger verify`")
    return found


def tree_root(size: int) -> bytes:
    keys = merkle.root_plan(size)
    nodes = nodes_fetch(keys)
    return merkle.fold([nodes[k] for k in keys])


def _check_size(size: int, current: int | None = None) -> int:
    current = tree_size() if current is None else current
    if size < 0 or size > current:
        raise Invalid(f"tree size {size} is outside 0..{current}", field="size")
    return current


def inclusion_proof(*, seq: int, size: int) -> list[bytes]:
    _check_size(size)
    if not 0 <= seq < size:
        raise Invalid(f"entry {seq} is not in a tree of size {size}", field="seq")
    ranges = merkle.inclusion_plan(seq, size)
    return merkle.hashes_for(ranges, nodes_fetch(merkle.keys_for(ranges)))


def consistency_proof(*, old: int, new: int) -> list[bytes]:
    _check_size(new)
    if not 0 <= old <= new:
        raise Invalid(f"no consistency proof from size {old} to size {new}", field="old")
    ranges = merkle.consistency_plan(old, new)
    return merkle.hashes_for(ranges, nodes_fetch(merkle.keys_for(ranges)))


def checkpoint_latest() -> LedgerCheckpoint | None:
    return LedgerCheckpoint.objects.order_by("-tree_size", "-id").first()


def checkpoint_at_size(size: int) -> LedgerCheckpoint | None:
    return LedgerCheckpoint.objects.filter(tree_size=size).order_by("-id").first()


def subject_entries(*, subject_type: str, subject_id: str) -> QuerySet[Entry]:
    return Entry.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by("seq")


def b64(data: bytes | memoryview | None) -> str | None:
    return None if data is None else base64.b64encode(bytes(data)).decode("ascii")


def checkpoint_as_dict(cp: LedgerCheckpoint) -> dict[str, Any]:
    from crossreg.ledger.signing import signed_note

    public = bytes(cp.public_key)
    signature = bytes(cp.signature)
    return {
        "format": CHECKPOINT_FORMAT,
        "origin": cp.origin,
        "size": cp.tree_size,
        "root": bytes(cp.root_hash).hex(),
        "time": cp.note.split("\n")[3][5:],
        "text": cp.note,
        "signature": b64(signature),
        "public_key": b64(public),
        "signed_note": signed_note(origin=cp.origin, text=cp.note, signature=signature, public=public),
        "timestamp_token": b64(cp.tsa_token),
        "timestamp_url": cp.tsa_url or None,
    }


def consistency_as_dict(*, old: int, new: int) -> dict[str, Any]:
    return {
        "format": CONSISTENCY_FORMAT,
        "old_size": old,
        "new_size": new,
        "proof": [h.hex() for h in consistency_proof(old=old, new=new)],
    }


def bundle_build(*, subject_type: str, subject_id: str, checkpoint: LedgerCheckpoint) -> dict[str, Any]:
    """One subject's entries, each with its inclusion proof against ``checkpoint`` (docs/ledger.md)."""
    size = checkpoint.tree_size
    entries = list(subject_entries(subject_type=subject_type, subject_id=subject_id).filter(seq__lt=size))
    plans = {e.seq: merkle.inclusion_plan(e.seq, size) for e in entries}
    nodes = nodes_fetch(set().union(*(merkle.keys_for(p) for p in plans.values())) if plans else set())
    return {
        "format": BUNDLE_FORMAT,
        "subject": {"type": subject_type, "id": str(subject_id)},
        "checkpoint": checkpoint_as_dict(checkpoint),
        "entries": [
            {
                "seq": e.seq,
                "entry": bytes(e.canonical).decode("utf-8"),
                "leaf_hash": bytes(e.leaf_hash).hex(),
                "proof": [h.hex() for h in merkle.hashes_for(plans[e.seq], nodes)],
            }
            for e in entries
        ],
    }


# --- checking a subject's record on the server (the timeline page) ------------------------------


@dataclass(frozen=True)
class EntryCheck:
    entry: Entry
    ok: bool | None  # None: not yet covered by a checkpoint
    message: str


@dataclass(frozen=True)
class SubjectCheck:
    checkpoint: LedgerCheckpoint | None
    checkpoint_ok: bool
    checkpoint_message: str
    entries: list[EntryCheck]

    @property
    def ok(self) -> bool:
        return self.checkpoint_ok and all(e.ok is not False for e in self.entries)

    @property
    def pending(self) -> int:
        return sum(1 for e in self.entries if e.ok is None)


def subject_check(*, user: Any, subject_type: str, subject_id: str) -> SubjectCheck:
    """Verify a subject's entries as an outside verifier would: entry bytes → leaf hash → inclusion
    proof → the root signed in the latest checkpoint, signed by this log's configured key.

    ``NotFound`` unless ``user`` may read the subject's record (:func:`subject_visible`)."""
    from crossreg.ledger import signing

    subject_require(user=user, subject_type=subject_type, subject_id=subject_id)
    entries = list(subject_entries(subject_type=subject_type, subject_id=subject_id))
    cp = checkpoint_latest()
    if cp is None:
        return SubjectCheck(None, False, "no checkpoint yet", [EntryCheck(e, None, "") for e in entries])
    public = signing.raw_public_key(signing.signing_key().public_key())
    cp_ok, cp_message = True, "signature valid"
    if bytes(cp.public_key) != public:
        cp_ok, cp_message = False, "signed by a key other than this log's configured key"
    elif not signing.verify_signature(cp.note, bytes(cp.signature), public):
        cp_ok, cp_message = False, "bad signature"
    root, size = bytes(cp.root_hash), cp.tree_size
    covered = [e for e in entries if e.seq < size]
    plans = {e.seq: merkle.inclusion_plan(e.seq, size) for e in covered}
    nodes = nodes_fetch(set().union(*(merkle.keys_for(p) for p in plans.values())) if plans else set())
    checks: list[EntryCheck] = []
    for e in entries:
        if e.seq >= size:
            checks.append(EntryCheck(e, None, "recorded after the latest checkpoint"))
            continue
        leaf = merkle.leaf_hash(bytes(e.canonical))
        try:
            if leaf != bytes(e.leaf_hash):
                raise merkle.ProofError("entry bytes do not match the stored leaf hash")
            merkle.verify_inclusion(e.seq, size, leaf, merkle.hashes_for(plans[e.seq], nodes), root)
            checks.append(EntryCheck(e, True, f"included in the tree of {size} entries"))
        except merkle.ProofError as exc:
            checks.append(EntryCheck(e, False, str(exc)))
    return SubjectCheck(cp, cp_ok, cp_message, checks)


# --- who may read which subject's record ------------------------------------------------------
#
# A subject's entries carry the payload of every action on it, so reading them is scoped like the
# subject's own pages (docs/ledger.md, "Who may read a record"): leaders, the big-data bureau and
# administrators read every subject; anyone else reads a subject their department has a hand in.
# The hashes-only answers (checkpoints, consistency proofs) are not scoped: they disclose no entry.


@dataclass(frozen=True)
class Viewer:
    """Who asks: a signed-in user, or a department's system calling with an API token."""

    department_id: str | None  # the department whose data they may read, if any
    user_id: int | None
    caps: frozenset[Capability]
    sees_all: bool

    @classmethod
    def of(cls, principal: Any) -> Viewer | None:
        """``None`` for whoever may read no record (anonymous, inactive, without a known role)."""
        from crossreg.orgs.models import ApiToken

        if isinstance(principal, ApiToken):  # a department's system reads its department's subjects
            caps = frozenset({Capability.VIEW_REGISTRY, Capability.VIEW_DEPARTMENT_DATA})
            return cls(principal.department_id, None, caps, sees_all=False)
        if principal is None or not principal.is_authenticated or not principal.is_active:
            return None
        caps = (
            frozenset(Capability)
            if principal.is_superuser
            else ROLE_CAPABILITIES.get(principal.role, frozenset())
        )
        if not caps:
            return None
        dept = principal.department_id if Capability.VIEW_DEPARTMENT_DATA in caps else None
        return cls(dept, principal.pk, caps, sees_all=principal.sees_all_departments)


def _any(subject: QuerySet[Any], *conds: Q | None) -> bool:
    """Does the subject (``subject``: at most one row) meet any of ``conds``? One query. A ``None``
    condition is one this viewer cannot meet; with none left the answer is no, without a query."""
    met = [c for c in conds if c is not None]
    if not met:
        return False
    either = met[0]
    for c in met[1:]:
        either |= c
    return subject.filter(either).exists()


def _dept(v: Viewer, field: str = "department_id") -> Q | None:
    """The subject belongs to the viewer's department."""
    return Q(**{field: v.department_id}) if v.department_id else None


def _dept_in(v: Viewer, related: QuerySet[Any]) -> Q | None:
    """One of the subject's ``related`` rows (correlated on ``OuterRef``) names the viewer's department."""
    return Q(Exists(related.filter(department_id=v.department_id))) if v.department_id else None


def _officer_in(v: Viewer, assignments: QuerySet[Any]) -> Q | None:
    """The viewer is one of the officers of the subject's ``assignments``."""
    return Q(Exists(assignments.filter(officer__user_id=v.user_id))) if v.user_id else None


def _pk(subject_id: str) -> int | None:
    return int(subject_id) if subject_id.isdigit() and len(subject_id) < 19 else None


def _entity(v: Viewer, subject_id: str) -> bool:
    """Departments that supervise it: a current record of it in the object base, or a task of it
    (as lead or joint department); and the officers of its tasks."""
    from crossreg.entities.models import Entity
    from crossreg.inspections.models import TaskDepartment, TaskOfficer
    from crossreg.linking.models import SourceRecord

    pk = _pk(subject_id)
    if pk is None:
        return False
    outer = OuterRef("pk")
    return _any(
        Entity.objects.filter(pk=pk),
        _dept_in(v, SourceRecord.objects.filter(entity_id=outer, state=SourceRecord.State.CURRENT)),
        _dept_in(v, TaskDepartment.objects.filter(task__entity_id=outer)),
        _officer_in(v, TaskOfficer.objects.filter(task__entity_id=outer)),
    )


def _task(v: Viewer, subject_id: str) -> bool:
    """A task's departments (lead and joint) and its officers, as on the task's page."""
    from crossreg.inspections.models import InspectionTask, TaskDepartment, TaskOfficer

    outer = OuterRef("pk")
    return _any(
        InspectionTask.objects.filter(code=subject_id),
        _dept(v, "lead_department_id"),
        _dept_in(v, TaskDepartment.objects.filter(task_id=outer)),
        _officer_in(v, TaskOfficer.objects.filter(task_id=outer)),
    )


def _plans(v: Viewer, plans: QuerySet[Any]) -> bool:
    """Plans of the viewer's department, as the lead or a joint partner."""
    from crossreg.sampling.models import SamplingPlan

    partners = SamplingPlan.participants.through.objects.filter(samplingplan_id=OuterRef("pk"))
    return _any(plans, _dept(v), _dept_in(v, partners))


def _plan(v: Viewer, subject_id: str) -> bool:
    from crossreg.sampling.models import SamplingPlan

    return _plans(v, SamplingPlan.objects.filter(code=subject_id))


def _period(v: Viewer, subject_id: str) -> bool:
    """A period's pooling: departments with a plan (lead or partner) in the period."""
    from crossreg.sampling.models import SamplingPlan

    return _plans(v, SamplingPlan.objects.filter(period=subject_id))


def _item_version(v: Viewer, subject_id: str) -> bool:
    """As the catalog's pages: published versions for everyone; drafts for their department and the
    departments involved in their review; every version for the approval and justice bureaus."""
    from crossreg.catalog.models import ItemVersion

    if v.caps & {Capability.CONVENE_REVIEW, Capability.LEGALITY_REVIEW}:
        return True
    code, _, number = subject_id.rpartition("/v")
    if not code or _pk(number) is None:
        return False
    involved = ItemVersion.involved_departments.through.objects.filter(itemversion_id=OuterRef("pk"))
    return _any(
        ItemVersion.objects.filter(item__code=code, number=int(number)),
        Q(status__in=ItemVersion.PUBLIC),
        _dept(v, "item__department_id"),
        _dept_in(v, involved),
    )


def _catalog_import(v: Viewer, subject_id: str) -> bool:
    return bool(v.caps & {Capability.CONVENE_REVIEW, Capability.LEGALITY_REVIEW})


def _reference(v: Viewer, subject_id: str) -> bool:
    """Published reference data (power items, cross-department items, divisions, domains)."""
    return Capability.VIEW_REGISTRY in v.caps


def _officer_by(field: str) -> Callable[[Viewer, str], bool]:
    def rule(v: Viewer, subject_id: str) -> bool:
        """An officer's department, and the officer."""
        from crossreg.orgs.models import Officer

        if field == "pk" and _pk(subject_id) is None:
            return False
        me = Q(user_id=v.user_id) if v.user_id else None
        return _any(Officer.objects.filter(**{field: subject_id}), _dept(v), me)

    return rule


def _user(v: Viewer, subject_id: str) -> bool:
    """A user's own record, and their department's administrators (who manage its users)."""
    from crossreg.orgs.models import User

    if v.user_id is not None and subject_id == str(v.user_id):
        return True
    if Capability.MANAGE_DEPARTMENT not in v.caps or _pk(subject_id) is None:
        return False
    return _any(User.objects.filter(pk=subject_id), _dept(v))


def _api_token(v: Viewer, subject_id: str) -> bool:
    """A token's department's administrators."""
    from crossreg.orgs.models import ApiToken

    if Capability.MANAGE_DEPARTMENT not in v.caps or _pk(subject_id) is None:
        return False
    return _any(ApiToken.objects.filter(pk=subject_id), _dept(v))


def _owned_by_department(model_path: str) -> Callable[[Viewer, str], bool]:
    def rule(v: Viewer, subject_id: str) -> bool:
        """The department the subject belongs to."""
        from django.apps import apps

        if _pk(subject_id) is None:
            return False
        return _any(apps.get_model(model_path).objects.filter(pk=subject_id), _dept(v))

    return rule


def _department(v: Viewer, subject_id: str) -> bool:
    return v.department_id is not None and subject_id == v.department_id


# subject type → who besides the city-level roles may read its record. A type not listed here
# (the city's seed, the linking model, review pairs, anything new) is for the city-level roles only.
SUBJECT_RULES: dict[str, Callable[[Viewer, str], bool]] = {
    "entity": _entity,
    "inspection.task": _task,
    "sampling.plan": _plan,
    "sampling.period": _period,
    "catalog.item_version": _item_version,
    "catalog.power_item": _reference,
    "catalog.cross_item": _reference,
    "catalog.import": _catalog_import,
    "division": _reference,
    "gridcell": _reference,
    "domain": _reference,
    "department": _department,
    "team": _owned_by_department("orgs.Team"),
    "source_list": _owned_by_department("linking.SourceList"),
    "orgs.officer": _officer_by("certificate_no"),
    "officer": _officer_by("pk"),
    "user": _user,
    "api_token": _api_token,
}


def subject_visible(*, user: Any, subject_type: str, subject_id: str) -> bool:
    """May ``user`` (a user, or an API token) read the record of this subject? At most one query."""
    viewer = Viewer.of(user)
    if viewer is None:
        return False
    if viewer.sees_all:
        return True
    rule = SUBJECT_RULES.get(subject_type)
    return rule is not None and rule(viewer, str(subject_id))


def subject_require(*, user: Any, subject_type: str, subject_id: str) -> None:
    """Raise ``NotFound`` unless ``user`` may read the subject's record: the same answer whether the
    subject exists or not, so a refusal reveals nothing."""
    if not subject_visible(user=user, subject_type=subject_type, subject_id=subject_id):
        raise NotFound(
            f"no record of {subject_type}:{subject_id} that you may read",
            field="subject_id",
            code="not_found",
        )


def subject_last_seq(*, user: Any, subject_type: str, subject_id: str) -> int:
    """The seq of the subject's latest entry, for a bundle; ``NotFound`` if ``user`` may not read
    the subject's record or it has none."""
    subject_require(user=user, subject_type=subject_type, subject_id=subject_id)
    last = (
        subject_entries(subject_type=subject_type, subject_id=subject_id)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    if last is None:
        raise NotFound(f"no ledger entries for {subject_type}:{subject_id}", field="subject_id")
    return last


def recent_visible(*, user: Any, limit: int = 30) -> list[Entry]:
    """The latest entries of the whole log, for the city-level roles; nobody else sees a list of
    other subjects' entries (they look a subject up, and its rule decides)."""
    viewer = Viewer.of(user)
    if viewer is None or not viewer.sees_all:
        return []
    return list(Entry.objects.order_by("-seq")[:limit])
