from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from crossreg.notices import selectors, services


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notice_visible_list(user=request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/inbox.html",
        {"page": page, "unread": selectors.notice_unread_count(user=request.user)},
    )


@login_required
def badge(request: HttpRequest) -> HttpResponse:
    """The unread count for the navigation (an htmx partial)."""
    return render(request, "notices/badge.html", {"unread": selectors.notice_unread_count(user=request.user)})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    services.notice_mark_read(user=request.user, notice_id=pk)  # type: ignore[arg-type]
    if request.headers.get("HX-Request"):
        return badge(request)
    return redirect("notices:inbox")
