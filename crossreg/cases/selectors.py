"""Reads of enforcement cases, scoped through ``Case.objects.visible_to(principal)``.

Pages, the API and the ledger's subject registry all answer from the same rule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Max, Min, Q, QuerySet, StdDev
from django.utils import timezone

from crossreg.cases import conf
from crossreg.cases.models import (
    OPEN_STATES,
    Case,
    CaseSource,
    CaseState,
    DiscretionBenchmark,
    DiscretionEntry,
    Document,
    LegalReview,
)
from crossreg.core.masking import mask_name
from crossreg.orgs.permissions import Capability, Principal


def cases_visible(principal: Any) -> QuerySet[Case]:
    return Case.objects.visible_to(principal).select_related("department", "entity")


def case_get(*, principal: Any, pk: int) -> Case:
    from crossreg.core.errors import NotFound

    case = cases_visible(principal).select_related("source", "discretion_entry").filter(pk=pk).first()
    if case is None:
        raise NotFound("no such case", field="case")
    return case


def case_search(
    *,
    principal: Any,
    q: str = "",
    state: str = "",
    department: str = "",
    overdue: bool = False,
    today: dt.date | None = None,
) -> QuerySet[Case]:
    qs = cases_visible(principal)
    q = q.strip()
    if q:
        qs = qs.filter(
            Q(number__icontains=q) | Q(title__icontains=q) | Q(party_name__icontains=q) | Q(entity__uscc=q)
        )
    if state:
        qs = qs.filter(state=state)
    if department:
        qs = qs.filter(department_id=department)
    if overdue:
        qs = qs.filter(next_due__lt=today or timezone.localdate())
    return qs.order_by("-filed_on", "-id")


def deadline_list(*, principal: Any, department: str = "", today: dt.date | None = None) -> QuerySet[Case]:
    """Cases with a running clock, nearest deadline first (the department's deadline page)."""
    qs = cases_visible(principal).filter(next_due__isnull=False)
    if department:
        qs = qs.filter(department_id=department)
    return qs.order_by("next_due", "id")


def sources_pending(*, principal: Any) -> QuerySet[CaseSource]:
    p = Principal.of(principal)
    qs = CaseSource.objects.select_related("entity", "department").filter(status=CaseSource.Status.REGISTERED)
    if p.sees_all or p.is_admin:
        return qs
    if not p.department_id:
        return qs.none()
    return qs.filter(department_id=p.department_id)


def legal_queue(*, principal: Any) -> QuerySet[Case]:
    """The legal reviewer's queue: the department's cases waiting for 法制审核."""
    p = Principal.of(principal)
    qs = cases_visible(p).filter(state=CaseState.LEGAL_REVIEW)
    if not p.has(Capability.CASE_LEGAL_REVIEW) and not p.sees_all:
        return qs.none()
    return qs.order_by("updated_at", "id")


def leader_stats(*, principal: Any, today: dt.date | None = None) -> dict[str, Any]:
    """Counts by stage, overdue cases, legal-review pass rate — of what the principal may see."""
    today = today or timezone.localdate()
    qs = Case.objects.visible_to(principal)
    by_state = dict(qs.values_list("state").annotate(n=Count("id")).order_by())
    reviews = (
        LegalReview.objects.filter(case__in=qs).values_list("opinion").annotate(n=Count("id")).order_by()
    )
    r = dict(reviews)
    total_reviews = sum(r.values())
    by_dept = list(
        qs.values("department_id", "department__name")
        .annotate(
            n=Count("id"),
            overdue=Count("id", filter=Q(next_due__lt=today)),
            open=Count("id", filter=Q(state__in=OPEN_STATES)),
        )
        .order_by("department_id")
    )
    return {
        "by_state": [(s, s.label, by_state.get(s.value, 0)) for s in CaseState],
        "overdue": qs.filter(next_due__lt=today).count(),
        "publications_overdue": qs.filter(
            published_at__isnull=True, publish_due__lt=today, revoked_on__isnull=True
        ).count(),
        "reviews": total_reviews,
        "review_pass_rate": (r.get(LegalReview.Opinion.PASSED, 0) / total_reviews) if total_reviews else None,
        "by_department": by_dept,
    }


def consistency_report(*, principal: Any) -> list[dict[str, Any]]:
    """Penalties for the same violation (discretion entry) across officers and departments."""
    qs = Case.objects.visible_to(principal).filter(decided_on__isnull=False, discretion_entry__isnull=False)
    rows: list[dict[str, Any]] = [
        dict(r)
        for r in qs.filter(officers__lead=True)
        .values(
            "discretion_entry__code",
            "discretion_entry__violation",
            "department__name",
            "officers__officer__name",
        )
        .annotate(n=Count("id"), avg=Avg("decided_fine"), lo=Min("decided_fine"), hi=Max("decided_fine"))
        .order_by("discretion_entry__code", "department__name", "officers__officer__name")
    ]
    spread: dict[str, Any] = {
        r["discretion_entry__code"]: r
        for r in qs.values("discretion_entry__code").annotate(
            avg=Avg("decided_fine"), sd=StdDev("decided_fine"), n=Count("id")
        )
    }
    for r in rows:
        s = spread.get(r["discretion_entry__code"]) or {}
        mean = Decimal(str(s.get("avg") or 0))
        r["entry_avg"] = mean
        r["deviation"] = (Decimal(str(r["avg"] or 0)) - mean) / mean if mean else Decimal(0)
        r["flag"] = abs(r["deviation"]) > Decimal("0.5") and r["n"] >= 3
    return rows


def benchmarks_published() -> QuerySet[DiscretionBenchmark]:
    return DiscretionBenchmark.objects.filter(status=DiscretionBenchmark.Status.PUBLISHED).select_related(
        "power_item", "department"
    )


def entries_for(department_id: str) -> QuerySet[DiscretionEntry]:
    return DiscretionEntry.objects.filter(
        benchmark__status=DiscretionBenchmark.Status.PUBLISHED, benchmark__department_id=department_id
    ).select_related("benchmark", "benchmark__power_item")


# --- public -----------------------------------------------------------------------------------


def public_decisions() -> QuerySet[Case]:
    """Published decisions (and withdrawn ones, whose withdrawal is public too)."""
    return (
        Case.objects.filter(published_at__isnull=False)
        .select_related("department", "entity")
        .order_by("-published_at", "-id")
    )


def public_party(case: Case) -> str:
    """The party as published: natural persons' names masked by the one masking rule."""
    return mask_name(case.party_name) if case.party_kind == "natural" else case.party_name


def public_row(case: Case) -> dict[str, Any]:
    """The published form of a decision (public page and open data); personal data masked."""
    return {
        "number": case.number,
        "department": case.department.name,
        "party": public_party(case),
        "representative": mask_name(case.party_representative),
        "uscc": case.entity.uscc or "",
        "title": case.title,
        "legal_clause": case.discretion_entry.legal_clause
        if case.discretion_entry_id and case.discretion_entry
        else "",
        "penalty_kinds": list(case.decided_kinds),
        "fine_yuan": str(case.decided_fine),
        "confiscation_yuan": str(case.decided_confiscation),
        "decided_on": case.decided_on.isoformat() if case.decided_on else None,
        "published_at": case.published_at.isoformat() if case.published_at else None,
        "withdrawn_at": case.publication_withdrawn_at.isoformat() if case.publication_withdrawn_at else None,
        "withdrawal_reason": case.withdrawal_reason if case.publication_withdrawn_at else "",
    }


# --- ledger subjects -----------------------------------------------------------------------------


def case_subject_visible(principal: Principal, subject_id: str) -> bool:
    return Case.objects.visible_to(principal).filter(number=subject_id).exists()


def case_subject_public(subject_id: str) -> bool:
    return False  # a case's full record holds personal data and the investigation; its decision is published


def case_subject_url(subject_id: str) -> str | None:
    pk = Case.objects.filter(number=subject_id).values_list("pk", flat=True).first()
    return f"/cases/{pk}/" if pk else None


def case_subject_display(subject_id: str) -> str:
    title = Case.objects.filter(number=subject_id).values_list("title", flat=True).first()
    return f"{subject_id} {title}" if title else subject_id


def document_subject_visible(principal: Principal, subject_id: str) -> bool:
    return Document.objects.filter(number=subject_id, case__in=Case.objects.visible_to(principal)).exists()


def document_subject_public(subject_id: str) -> bool:
    """A document's record holds only its number, kind and hash: anyone holding the paper may check it."""
    return Document.objects.filter(number=subject_id).exists()


def document_subject_url(subject_id: str) -> str | None:
    short = Document.objects.filter(number=subject_id).values_list("short", flat=True).first()
    return f"/cases/d/{short}/" if short else None


def document_subject_display(subject_id: str) -> str:
    return subject_id


def source_subject_visible(principal: Principal, subject_id: str) -> bool:
    p = Principal.of(principal)
    if p.sees_all or p.is_admin:
        return True
    return (
        bool(p.department_id)
        and CaseSource.objects.filter(
            pk=subject_id if str(subject_id).isdigit() else -1, department_id=p.department_id
        ).exists()
    )


def benchmark_subject_visible(principal: Principal, subject_id: str) -> bool:
    return Principal.of(principal).is_authenticated


def benchmark_subject_public(subject_id: str) -> bool:
    code, _, v = subject_id.rpartition("/v")
    return DiscretionBenchmark.objects.filter(
        power_item__code=code, version=int(v) if v.isdigit() else -1, status__in=["published", "superseded"]
    ).exists()


# --- a document's ledger proof (the page behind the QR code) -------------------------------------


@dataclass(frozen=True)
class DocumentProof:
    document: Document
    text_ok: bool  # the stored text still hashes to the document's SHA-256
    entry_seq: int | None
    entry_ok: bool  # the ledger entry names this SHA-256
    included: bool | None  # inclusion proof against the signed checkpoint (None: not yet covered)
    signature_ok: bool
    tree_size: int | None
    root_hex: str
    leaf_hex: str
    proof_hex: list[str]
    message: str

    @property
    def ok(self) -> bool:
        return self.text_ok and self.entry_ok and bool(self.included) and self.signature_ok


def document_by_short(short: str) -> Document | None:
    return Document.objects.select_related("department", "case").filter(short=short).first()


def document_proof(document: Document, *, ensure_checkpoint: bool = True) -> DocumentProof:
    """Verify the document as an outside verifier would: text → SHA-256 → the ledger entry that
    fixed it → its leaf hash → an inclusion proof → the root of the signed checkpoint.

    Uses the ledger's RFC 9162 primitives directly: the ledger's own subject check is for signed-in
    users, while this page is for anyone holding the paper (it shows no personal data)."""
    from crossreg.ledger import merkle, signing
    from crossreg.ledger.models import Entry
    from crossreg.ledger.selectors import checkpoint_latest, inclusion_proof

    text_ok = hashlib.sha256(document.text.encode("utf-8")).hexdigest() == document.sha256
    entry = (
        Entry.objects.filter(
            subject_type="case.document", subject_id=document.number, action="case.document.issued"
        )
        .order_by("seq")
        .first()
    )
    if entry is None:
        return DocumentProof(
            document, text_ok, None, False, False, False, None, "", "", [], "no ledger entry"
        )
    entry_ok = document.sha256 in entry.evidence and entry.payload.get("sha256") == document.sha256
    cp = checkpoint_latest()
    if ensure_checkpoint and (cp is None or cp.tree_size <= entry.seq):
        from crossreg.ledger.services import checkpoint_ensure

        cp = checkpoint_ensure(min_size=entry.seq + 1)
    leaf = merkle.leaf_hash(bytes(entry.canonical))
    if cp is None or cp.tree_size <= entry.seq:
        return DocumentProof(
            document,
            text_ok,
            entry.seq,
            entry_ok,
            None,
            False,
            None,
            "",
            leaf.hex(),
            [],
            "recorded after the latest checkpoint",
        )
    public = signing.raw_public_key(signing.signing_key().public_key())
    sig_ok = bytes(cp.public_key) == public and signing.verify_signature(cp.note, bytes(cp.signature), public)
    proof = inclusion_proof(seq=entry.seq, size=cp.tree_size)
    try:
        if leaf != bytes(entry.leaf_hash):
            raise merkle.ProofError("entry bytes do not match the stored leaf hash")
        merkle.verify_inclusion(entry.seq, cp.tree_size, leaf, proof, bytes(cp.root_hash))
        included, message = True, f"included in the tree of {cp.tree_size} entries"
    except merkle.ProofError as exc:
        included, message = False, str(exc)
    return DocumentProof(
        document,
        text_ok,
        entry.seq,
        entry_ok,
        included,
        sig_ok,
        cp.tree_size,
        bytes(cp.root_hash).hex(),
        leaf.hex(),
        [h.hex() for h in proof],
        message,
    )


def page_size() -> int:
    return int(conf.get("CASE_PAGE_SIZE"))
