"""Pages of the full-process record: find a subject, see its record as a timeline with a verify result.

Who may read which subject's record is ``selectors.subject_visible`` — the subject registry, filled
by the app that owns each subject type (docs/ledger.md); a subject the user may not read answers
404, exactly as one that does not exist.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from crossreg.core.errors import NotFound
from crossreg.core.subjects import subject_type_get
from crossreg.ledger import selectors, services, signing
from crossreg.orgs.permissions import Principal


def _url_id(subject_type: str, subject_id: str) -> str:
    try:
        return subject_type_get(subject_type).url_id(subject_id)
    except NotFound:
        return subject_id


def _from_url_id(subject_type: str, url_id: str) -> str:
    try:
        return subject_type_get(subject_type).from_url_id(url_id)
    except NotFound:
        return url_id


def subject_url(subject_type: str, subject_id: str) -> str:
    """The timeline page of a subject (ids with "/" included)."""
    return reverse(
        "ledger:subject",
        kwargs={"subject_type": subject_type, "subject_id": _url_id(subject_type, subject_id)},
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    subject_type = request.GET.get("subject_type", "").strip()
    subject_id = request.GET.get("subject_id", "").strip()
    if subject_type and subject_id:
        return redirect(subject_url(subject_type, subject_id))
    recent = [
        {"entry": e, "url": subject_url(e.subject_type, e.subject_id)}
        for e in selectors.recent_visible(user=request.user)
    ]
    return render(
        request,
        "ledger/index.html",
        {
            "recent": recent,
            "sees_all": Principal.of(request).sees_all,
            "size": selectors.tree_size(),
            "checkpoint": selectors.checkpoint_latest(),
            "subject_type": subject_type,
            "subject_id": subject_id,
        },
    )


@login_required
def subject_timeline(request: HttpRequest, subject_type: str, subject_id: str) -> HttpResponse:
    subject_id = _from_url_id(subject_type, subject_id)
    try:
        check = selectors.subject_check(user=request.user, subject_type=subject_type, subject_id=subject_id)
    except NotFound:
        raise Http404("no such record") from None
    rows = [
        {
            "check": c,
            "body": c.entry.body,
            "payload_json": json.dumps(c.entry.payload, ensure_ascii=False, indent=2),
            "leaf_hash": bytes(c.entry.leaf_hash).hex(),
            # an entry about this subject recorded under another one (payload["refs"])
            "via": None
            if (c.entry.subject_type, c.entry.subject_id) == (subject_type, subject_id)
            else {
                "label": selectors.subject_label(c.entry.subject_type),
                "id": c.entry.subject_id,
                "url": subject_url(c.entry.subject_type, c.entry.subject_id),
            },
        }
        for c in check.entries
    ]
    display, own_page = selectors.subject_link(subject_type=subject_type, subject_id=subject_id)
    public = signing.raw_public_key(signing.signing_key().public_key())
    return render(
        request,
        "ledger/subject.html",
        {
            "subject_type": subject_type,
            "subject_id": subject_id,
            "subject_label": selectors.subject_label(subject_type),
            "subject_display": display,
            "subject_page": own_page,
            "bundle_url": reverse(
                "ledger:bundle",
                kwargs={"subject_type": subject_type, "subject_id": _url_id(subject_type, subject_id)},
            ),
            "check": check,
            "rows": rows,
            "root_hex": bytes(check.checkpoint.root_hash).hex() if check.checkpoint else "",
            "public_key_hex": public.hex(),
        },
    )


@login_required
def subject_bundle(request: HttpRequest, subject_type: str, subject_id: str) -> HttpResponse:
    """The proof bundle as a download; makes a checkpoint on demand if the latest does not cover it."""
    subject_id = _from_url_id(subject_type, subject_id)
    try:
        last = selectors.subject_last_seq(user=request.user, subject_type=subject_type, subject_id=subject_id)
    except NotFound:
        raise Http404("no ledger entries for this subject, or you may not read them") from None
    checkpoint = services.checkpoint_ensure(min_size=last + 1)
    bundle = selectors.bundle_build(subject_type=subject_type, subject_id=subject_id, checkpoint=checkpoint)
    response = HttpResponse(
        json.dumps(bundle, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in f"{subject_type}-{subject_id}")
    response["Content-Disposition"] = f'attachment; filename="ledger-{safe}.json"'
    return response
