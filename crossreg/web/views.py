"""Pages of the web UI. Views parse input, call selectors and render; they hold no business logic.

Everything but the public home page and login requires a signed-in user (``login_required``): an
anonymous visitor is redirected to the login page before any internal data is read.
"""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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
from crossreg.web.guide import GUIDES, guide_render, guide_url_for
from crossreg.web.search import search_all
from crossreg.web.todo import landing_url, todo_sections

SEARCH_LIMIT = 50

USCC_PART_LABELS = {
    "authority": _("登记管理部门"),
    "type": _("机构类别"),
    "division": _("登记机关所在区划"),
    "orgcode": _("主体标识码(组织机构代码)"),
}


def _code_and_name(value: str) -> tuple[str, str]:
    """``"320921 江苏省响水县"`` → ``("320921", "江苏省响水县")``; a value without a code → ``("", value)``."""
    head, _sep, rest = str(value).partition(" ")
    return (head, rest) if rest and head.isalnum() and head.isascii() else ("", str(value))


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@login_required
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Where a person lands after signing in: the place of their role's daily work."""
    return redirect(landing_url(request.user))


@login_required
@require_GET
def todo(request: HttpRequest) -> HttpResponse:
    sections = todo_sections(user=request.user)
    return render(
        request,
        "web/todo.html",
        {"sections": sections, "total": sum(s.count for s in sections if s.key != "notices")},
    )


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The header search: entities, tasks, plans and catalog items the visitor may read."""
    q = request.GET.get("q", "").strip()[:100]
    groups = search_all(user=request.user, q=q) if q else []
    return render(request, "web/search.html", {"q": q, "groups": groups})


@require_GET
def help_index(request: HttpRequest) -> HttpResponse:
    return redirect(guide_url_for(request.user))


@require_GET
def help_guide(request: HttpRequest, name: str) -> HttpResponse:
    """A role's user guide (docs/guide/), open to everyone: it describes, it shows no data."""
    found = guide_render(name)
    if found is None:
        raise Http404("no such guide")
    title, body = found
    return render(request, "web/guide.html", {"title": title, "body": body, "name": name, "guides": GUIDES})


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
        # (label, the code's digits, what they stand for): "登记机关所在区划 · 320921 · 江苏省响水县"
        "uscc_parts": [
            (USCC_PART_LABELS.get(k, k), *_code_and_name(v))
            for k, v in (verdict.parts if verdict else {}).items()
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
