"""``{% panels host host_id %}``: the sections other apps registered for this page (core.panels)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from crossreg.core.panels import panels_for

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context: dict[str, Any], host: str, host_id: object) -> SafeString:
    request = context.get("request")
    if request is None:
        return mark_safe("")
    parts = []
    for panel in panels_for(host):
        html = panel.render(request, str(host_id))
        if html:
            parts.append((panel.name, mark_safe(html)))
    return format_html_join("\n", '<div class="panel" data-panel="{}">{}</div>', parts)
