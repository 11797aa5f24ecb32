"""Sections that a higher app adds to a lower app's page, without the lower app importing it.

The entity page (``web``/``linking``) shows the entity's cases, credit and clues; the inspection
task page shows the cases its findings opened. The page that hosts them renders
``{% load panels %}{% panels "entity" entity.pk %}``; each app that has something to show
registers a :class:`Panel` for that host from its ``AppConfig.ready()``::

    panel_register(Panel(host="entity", name="cases", order=100, render=views.entity_cases_panel))

``render(request, host_id)`` returns HTML (a rendered template, already escaped) or ``None`` when
it has nothing to show *to this request's principal* — the panel checks permissions itself, with
the same selectors as its app's pages. Hosts in use: ``entity`` (entity page), ``task``
(inspection task page, id = task code), ``dashboard`` (leader's dashboard, id = "").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    host: str
    name: str
    order: int
    render: Callable[[HttpRequest, str], str | None]


_PANELS: dict[tuple[str, str], Panel] = {}


def panel_register(panel: Panel) -> None:
    _PANELS[(panel.host, panel.name)] = panel


def panels_for(host: str) -> list[Panel]:
    return sorted((p for p in _PANELS.values() if p.host == host), key=lambda p: (p.order, p.name))
