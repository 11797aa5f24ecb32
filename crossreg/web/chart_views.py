"""Pages of the leaders' charts and the map, and the dashboard's chart panel (core.panels).

The dashboard panel costs no query: it renders a container that htmx fills from
:func:`dashboard_charts_panel` once the page is shown, so the dashboard stays as fast as it was.
Every page carries its figures twice: as a data table (what a screen reader, a printout and a
browser without JavaScript get) and as a ``json_script`` block that ``static/js/charts.js`` draws
with the vendored ECharts. Nobody without a chart scope (``charts.chart_scope``) sees anything:
the panel is absent and the pages answer 404.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from crossreg.orgs.permissions import Principal
from crossreg.web import charts


def _scope_name(request: HttpRequest, scope: str) -> str:
    if scope == "city":
        return _("全市")
    dept = getattr(request.user, "department", None)
    return str(dept.name) if dept is not None else scope


def _principal(request: HttpRequest) -> tuple[Principal, str]:
    principal = Principal.of(request)
    scope = charts.chart_scope(principal)
    if scope is None:
        raise Http404("no charts for this user")
    return principal, scope


def _by(request: HttpRequest) -> charts.By:
    return "month" if request.GET.get("by") == "month" else "period"


def _trend_context(request: HttpRequest, by: charts.By) -> dict[str, Any]:
    principal, scope = _principal(request)
    trends = charts.trends(principal=principal, by=by)
    latest = next((p.key for p in reversed(trends.points) if p.visits or p.selections), None)
    return {
        "trends": trends,
        "rows": [p.as_dict() for p in trends.points],
        "charts": charts.trend_charts(trends),
        "scope": scope,
        "scope_name": _scope_name(request, scope),
        "by": by,
        "latest_period": latest if by == "period" else None,
    }


def dashboard_panel(request: HttpRequest, host_id: str) -> str | None:
    """The dashboard's charts section: for leaders (the city) and department users (their own)."""
    if charts.chart_scope(Principal.of(request)) is None:
        return None
    return render_to_string("web/charts/panel.html", {}, request=request)


@login_required
@require_GET
def dashboard_charts_panel(request: HttpRequest) -> HttpResponse:
    """What htmx puts into the dashboard's panel: the trends by period and the links. Opened
    directly (not by htmx), it is the whole charts page."""
    if not request.headers.get("HX-Request"):
        _principal(request)  # 404 without a scope, as the page itself
        return redirect("dashboard_charts")
    context = _trend_context(request, "period")
    context["charts_json"] = json.dumps(context["charts"], ensure_ascii=False)
    return render(request, "web/charts/panel_trends.html", context)


@login_required
@require_GET
def dashboard_charts(request: HttpRequest) -> HttpResponse:
    return render(request, "web/charts/trends.html", _trend_context(request, _by(request)))


@login_required
@require_GET
def dashboard_map(request: HttpRequest) -> HttpResponse:
    principal, scope = _principal(request)
    data = charts.map_data(principal=principal)
    payload = data.as_dict()
    payload["labels"] = {
        "entities": _("市场主体"),
        "tasks": _("检查任务"),
        "clues": _("线索"),
        "townships": _("乡镇(街道)"),
        "counties": _("县(市、区)"),
        "open": _("未办结"),
    }
    context = {
        "map": data,
        "payload": payload,
        "scope": scope,
        "scope_name": _scope_name(request, scope),
        "totals": {
            "entities": sum(c.entities for c in data.counties),
            "tasks": sum(c.tasks for c in data.counties),
            "clues": sum(c.clues for c in data.counties),
        },
    }
    return render(request, "web/charts/map.html", context)
