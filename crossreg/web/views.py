"""Pages of the web UI. Views parse input, call selectors and render; they hold no business logic.

Everything but the public home page and login requires a signed-in user (``login_required``): an
anonymous visitor is redirected to the login page before any internal data is read.
"""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from crossreg.entities import selectors as entity_selectors
from crossreg.entities.models import Entity
from crossreg.entities.uscc import uscc_check
from crossreg.ledger.selectors import subject_visible
from crossreg.linking.selectors import entity_360_context
from crossreg.orgs.models import User
from crossreg.orgs.services import data_access_record
from crossreg.web import selectors
from crossreg.web.forms import EntitySearchForm

SEARCH_LIMIT = 50

USCC_PART_LABELS = {
    "authority": _("登记管理部门"),
    "type": _("机构类别"),
    "division": _("登记机关所在区划"),
    "orgcode": _("主体标识码(组织机构代码)"),
}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    figures = selectors.dashboard_figures(user=request.user)
    return render(request, "web/dashboard.html", {"fig": figures})


@login_required
@require_GET
def entity_search(request: HttpRequest) -> HttpResponse:
    form = EntitySearchForm(request.GET or None)
    hits: list[selectors.Hit] = []
    searched = False
    if form.is_bound and form.is_valid():
        q = form.cleaned_data["q"]
        division = form.cleaned_data["division"] or None
        searched = bool(q or division)
        hits = selectors.entity_search_page(
            user=request.user, q=q, mode=form.cleaned_data["mode"], division=division, limit=SEARCH_LIMIT
        )
    context = {"form": form, "hits": hits, "searched": searched, "limit": SEARCH_LIMIT}
    # htmx asks for the results only (live search); a history restore or a plain GET gets the page.
    if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
        return render(request, "web/partials/entity_results.html", context)
    return render(request, "web/entity_search.html", context)


def _ledger_timeline_url(entity: Entity) -> str | None:
    """The entity's timeline in the ledger app (``/ledger/subject/entity/<pk>/``)."""
    try:
        return reverse("ledger:subject", kwargs={"subject_type": "entity", "subject_id": str(entity.pk)})
    except NoReverseMatch:  # a deployment without the ledger pages
        return None


@login_required
@require_GET
def entity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        entity = entity_selectors.entity_get(user=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise Http404("no such entity") from None
    verdict = uscc_check(entity.uscc) if entity.uscc else None
    # the record is for the departments that supervise the entity (docs/ledger.md)
    ledger_visible = subject_visible(user=request.user, subject_type="entity", subject_id=str(entity.pk))
    context = {
        "entity": entity,
        "verdict": verdict,
        "legal_rep": entity_selectors.legal_rep_for(entity, user=request.user),
        "uscc_parts": [
            (USCC_PART_LABELS.get(k, k), v) for k, v in (verdict.parts if verdict else {}).items()
        ],
        "key_domains": list(entity.key_domains.all()),
        "ledger_visible": ledger_visible,
        "ledger_count": selectors.entity_ledger_count(entity=entity) if ledger_visible else 0,
        "ledger_url": _ledger_timeline_url(entity) if ledger_visible else None,
        "l360": entity_360_context(user=cast(User, request.user), entity=entity),  # login_required
    }
    if entity.legal_rep and context["legal_rep"] == entity.legal_rep:  # shown unmasked: recorded
        data_access_record(
            who=request,
            subject_type="entity",
            subject_ids=entity.pk,
            what="web.entity_detail",
            fields=["legal_rep"],
        )
    return render(request, "web/entity_detail.html", context)
