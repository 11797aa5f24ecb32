from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crossreg.entities import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "web/dashboard.html")


@login_required
def entity_search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    results = selectors.entity_list(user=request.user, q=q)[:50] if q else []
    return render(request, "web/entity_search.html", {"q": q, "results": results})


@login_required
def entity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(
        request, "web/entity_detail.html", {"entity": selectors.entity_get(user=request.user, pk=pk)}
    )
