from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from crossreg.core.errors import DomainError
from crossreg.jobs import selectors, services
from crossreg.orgs.permissions import Principal


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    principal = Principal.of(request)
    page = Paginator(selectors.job_visible_list(principal), 30).get_page(request.GET.get("page"))
    return render(request, "jobs/list.html", {"page": page})


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.job_visible_get(Principal.of(request), pk)
    if job is None:
        raise Http404
    return render(
        request, "jobs/detail.html", {"job": job, "may_cancel": selectors.job_may_cancel(request, job)}
    )


@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress partial (htmx): it keeps polling itself while the job runs."""
    job = selectors.job_visible_get(Principal.of(request), pk)
    if job is None:
        raise Http404
    return render(
        request, "jobs/progress.html", {"job": job, "may_cancel": selectors.job_may_cancel(request, job)}
    )


@login_required
@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    if selectors.job_visible_get(Principal.of(request), pk) is None:
        raise Http404
    try:
        services.job_cancel(actor=request.user, job_id=pk)  # type: ignore[arg-type]
    except DomainError as exc:
        return HttpResponse(str(exc), status=exc.status)
    if request.headers.get("HX-Request"):
        return job_progress(request, pk)
    return redirect("jobs:detail", pk=pk)
