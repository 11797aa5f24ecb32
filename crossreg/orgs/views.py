"""The read audit page: who looked at which company's or person's personal data, and every export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crossreg.orgs import selectors
from crossreg.orgs.models import DataAccess
from crossreg.orgs.permissions import Principal


@login_required
def data_access_list(request: HttpRequest) -> HttpResponse:
    principal = Principal.of(request)
    if not selectors.data_access_may_query(principal):
        raise PermissionDenied
    filters = {k: request.GET.get(k, "").strip() for k in ("subject_type", "subject_id", "actor", "kind")}
    qs = selectors.data_access_visible(principal, **filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/access.html",
        {"page": page, "filters": filters, "kinds": DataAccess.Kind.choices},
    )
